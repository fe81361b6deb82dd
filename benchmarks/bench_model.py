"""Accuracy and speed of detector models side by side: models x input sizes x tiling x backends.

    python benchmarks/bench_model.py [--models models/streetwatch-yolo-0.1.0 models/current]
        [--sizes 384 512 640] [--data build/data/reference/data.yaml] [--runs 3]

For every arm it measures, in one run on the same images:

- accuracy on the validation sets of a built dataset (AP50 per class, and precision and
  recall counted at the serving confidence, 0.3): cars on the vehicles photos, every real
  photo, the held-out synthetic scenes; onnxruntime;
- speed per camera frame at 16:9 (1280x720) and 4:3 (640x480), batch 1, best of
  ``--runs``, from a decoded frame to `Detections`, in a fresh process per backend and
  arm (onnxruntime and OpenVINO), with peak memory;

and prints Markdown tables with ratios to the first arm, the machine and its load average
before and after. Frames for the speed test are real photos from the vehicles validation
set, resized to each frame size. Results go to ``benchmarks/results/model.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FRAMES = {"16:9": (720, 1280), "4:3": (480, 640)}
# where each class is judged: vehicles photos, every real photo, held-out synthetic scenes
JUDGED = {
    "vehicles": ("car", "bus", "truck", "two_wheeler"),
    "real": ("outdoor_ad", "garbage", "garbage_overflow", "garbage_bin"),
    "synth": ("stall", "goods", "flyer", "graffiti"),
}


@dataclass(frozen=True)
class Arm:
    model: Path
    imgsz: int
    tiles: tuple[int, int] | None = None

    @property
    def label(self) -> str:
        tiles = f" + tiles {self.tiles[0]}x{self.tiles[1]}" if self.tiles else ""
        return f"{self.model.name} @{self.imgsz}{tiles}"


def _load(arm: Arm, backend: str, conf: float, threads: int | None = None) -> Any:
    from detector.model import Detector
    from detector.tiling import TiledDetector, TileGrid

    suffix = "model.xml" if backend == "openvino" and (arm.model / "model.xml").is_file() else ""
    path = arm.model / suffix if suffix else arm.model
    detector = Detector.load(
        path, backend=backend, conf=conf, iou=0.6, imgsz=arm.imgsz, threads=threads
    )
    return TiledDetector(detector, TileGrid(*arm.tiles)) if arm.tiles else detector


def _peak_rss_mb() -> float:
    """This process's own peak resident memory. Not getrusage's ru_maxrss: on Linux a child
    starts with the high-water mark of the parent it forked from, which here holds models."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def _speed_worker(args: argparse.Namespace) -> None:
    """One arm, one backend, in its own process: ms per frame at each aspect, peak RSS."""
    import cv2

    tiles = (int(args.tiles[0][0]), int(args.tiles[0][1])) if args.tiles else None
    arm = Arm(Path(args.model_dir), args.imgsz, tiles)
    detector = _load(arm, args.backend, 0.25, threads=args.threads)
    photos = [cv2.imread(p) for p in args.image_list]
    out = {}
    for aspect, (h, w) in FRAMES.items():
        frames = [cv2.resize(p, (w, h)) for p in photos]
        detector.detect_batch(frames[:1])  # warm-up
        best = float("inf")
        for _ in range(args.runs):
            start = time.perf_counter()
            for frame in frames:
                detector.detect_batch([frame])
            best = min(best, time.perf_counter() - start)
        out[aspect] = 1000 * best / len(frames)
    peak = _peak_rss_mb()
    print(json.dumps({"ms_per_frame": out, "peak_rss_mb": peak}))


UNSEEN = "vehicles-unseen"


def unseen_vehicles(data: Path) -> list[Path]:
    """Vehicles validation images of which no copy was a training file of the split by file
    (`training.splits.is_val` per file) that base-yolo11n-real and 0.1.0 were trained on: the
    only vehicles photos on which those models, and fine-tunes of them, are measured clean."""
    from training.splits import is_val

    manifest = json.loads((data.parent / "manifest.json").read_text())
    fraction = float(manifest["val_fraction"])
    seen = {
        f["photo"]
        for f in manifest["files"]
        if f["source"] == "vehicles" and not is_val("vehicles", f["source_path"], fraction)
    }
    return [
        data.resolve().parent / f["image"]
        for f in manifest["files"]
        if f["source"] == "vehicles" and f["split"] == "val" and f["photo"] not in seen
    ]


def _accuracy(arm: Arm, data: Path) -> dict[str, Any]:
    from dataclasses import replace

    from training.evaluate import evaluate
    from training.yolo_dataset import load_data_yaml

    spec = load_data_yaml(data)
    unseen = data.parent / f"val_{UNSEEN}.txt"
    unseen.write_text("".join(f"{p}\n" for p in unseen_vehicles(data)))
    spec = replace(spec, val_sets={**spec.val_sets, UNSEEN: (unseen,)})
    detector = _load(arm, "onnxruntime", 0.001)
    out = {}
    for split in (*JUDGED, "facade-walls", UNSEEN):
        if split not in spec.val_sets:
            continue
        result = evaluate(detector, spec, split, conf=0.001, iou=0.6, progress=False)
        out[split] = result.to_dict()["metrics"]
    return out


def _speed(arm: Arm, backend: str, images: list[Path], args: argparse.Namespace) -> dict[str, Any]:
    cmd = [
        sys.executable, __file__, "--worker", "--backend", backend, "--model-dir", str(arm.model),
        "--imgsz", str(arm.imgsz), "--runs", str(args.runs), "--threads", str(args.threads),
        "--image-list", *map(str, images),
    ]  # fmt: skip
    if arm.tiles:
        cmd += ["--tiles", *map(str, arm.tiles)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"skipped": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _ap(metrics: dict[str, Any], split: str, cls: str, key: str = "ap50") -> str:
    value = metrics.get(split, {}).get("per_class", {}).get(cls, {}).get(key)
    return "-" if value is None else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=Path, nargs="+", default=[REPO / "models" / "current"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[512])
    parser.add_argument("--tiles", type=int, nargs=2, action="append", default=[])
    parser.add_argument("--tile-size", type=int, default=512, help="input size of tiled arms")
    parser.add_argument("--data", type=Path, default=REPO / "build/data/reference/data.yaml")
    parser.add_argument("--backends", nargs="+", default=["onnxruntime", "openvino"])
    parser.add_argument("--count", type=int, default=24, help="frames for the speed test")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/model.json")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    parser.add_argument("--imgsz", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--image-list", nargs="*", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _speed_worker(args)
        return

    from detector.model import resolve_model_path
    from training.yolo_dataset import load_data_yaml

    models = [resolve_model_path(m).parent for m in args.models]
    arms = [Arm(m, s) for m in models for s in args.sizes]
    arms += [Arm(m, args.tile_size, (r, c)) for m in models for r, c in args.tiles]
    images = load_data_yaml(args.data).image_paths("vehicles")[: args.count]
    load_before = os.getloadavg()
    started = time.time()
    rows = []
    for arm in arms:
        accuracy = _accuracy(arm, args.data)
        speed = {b: _speed(arm, b, images, args) for b in args.backends}
        rows.append({"arm": arm.label, "accuracy": accuracy, "speed": speed})
        print(f"measured {arm.label}", file=sys.stderr, flush=True)
    load_after = os.getloadavg()
    machine = (
        f"{platform.machine()}, {os.cpu_count()} CPUs, {args.threads} threads; load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after; {time.time() - started:.0f} s"
    )
    print(f"{len(images)} frames per aspect, best of {args.runs} runs; {machine}\n")
    columns = [(split, c) for split, classes in JUDGED.items() for c in classes]
    print("AP50 per class on the set where it is judged (vehicles photos, every real photo,")
    print("held-out synthetic scenes); P/R counted at the serving confidence 0.3; FP/image")
    print("at 0.3 on the background crops of facade photos (every detection is false).\n")
    print("| arm | " + " | ".join(c for _, c in columns) + " | car P@0.3 | car R@0.3 | "
          "outdoor_ad P@0.3 | walls FP/image |")  # fmt: skip
    print("| --- |" + " ---: |" * (len(columns) + 4))
    for r in rows:
        a = r["accuracy"]
        cells = [_ap(a, split, c) for split, c in columns]
        cells += [
            _ap(a, "vehicles", "car", k) for k in ("precision_at_serving", "recall_at_serving")
        ]
        cells += [_ap(a, "real", "outdoor_ad", "precision_at_serving")]
        walls = a.get("facade-walls", {}).get("fp_per_image_at_serving")
        cells += ["-" if walls is None else f"{walls:.2f}"]
        print(f"| {r['arm']} | " + " | ".join(cells) + " |")
    n_unseen = rows[0]["accuracy"].get(UNSEEN, {}).get("n_images", 0)
    print(f"\nCars on the {n_unseen} vehicles validation photos no model here saw a copy of")
    print("(the split by file that base-yolo11n-real and 0.1.0 trained on):\n")
    print("| arm | car boxes | car AP50 | car P@0.3 | car R@0.3 |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        a = r["accuracy"]
        n = a.get(UNSEEN, {}).get("per_class", {}).get("car", {}).get("n_gt", 0)
        cells = [
            _ap(a, UNSEEN, "car", k) for k in ("ap50", "precision_at_serving", "recall_at_serving")
        ]
        print(f"| {r['arm']} | {n} | " + " | ".join(cells) + " |")
    print("\n| arm | backend | ms/frame 16:9 | ms/frame 4:3 | vs first arm (16:9) | peak RSS MB |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    first = {b: rows[0]["speed"][b] for b in args.backends}
    for r in rows:
        for backend, s in r["speed"].items():
            if "skipped" in s:
                print(f"| {r['arm']} | {backend} | skipped: {s['skipped']} | | | |")
                continue
            ref = first[backend].get("ms_per_frame", {}).get("16:9")
            ms = s["ms_per_frame"]
            ratio = f"{ref / ms['16:9']:.2f}x" if ref else "-"
            print(f"| {r['arm']} | {backend} | {ms['16:9']:.1f} | {ms['4:3']:.1f} | {ratio} | "
                  f"{s['peak_rss_mb']:.0f} |")  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": machine, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
