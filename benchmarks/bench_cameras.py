"""Cameras per core: N simulated 1 fps cameras through the whole per-frame path, side by side.

    python benchmarks/bench_cameras.py [--model models/current] [--cameras 20] [--seconds 60]
        [--warmup 15] [--busy 0.2] [--accuracy build/data/reference/data.yaml]

Each camera sends 1280x720 JPEG frames (quality 85) of one real photo (../shared/datasets
val photos, letterboxed to 16:9; synthetic street scenes where ../shared is absent). A
*still* camera's frames differ by sensor noise only; a *busy* one (``--busy`` of them) has
a patch of another photo moving across it, so its motion gate opens on every frame. The
frames are sent round-robin, one second of every camera at a time, all on ONE core
(``sched_setaffinity``, one runtime thread). Every arm runs in a fresh process:

- ``ultralytics``: decode + ``YOLO(model.pt).predict`` on every frame (the naive service);
- ``onnxruntime``, ``openvino``, ``openvino bf16``: decode + ``Detector.detect`` on every
  frame with that runtime (bf16: OpenVINO's inference precision, AMX where the CPU has it);
- ``pipeline``: decode + ``CameraPipeline.process`` (the ``--runtime`` detector) on the
  mix (motion gate, scene baseline, tracker, rules, cases and evidence in SQLite),
  per-stage times from each frame's ``timings_ms``;
- ``pipeline, batched``: the same mix, each second's frames sent by 8 threads at once
  through the service's cross-camera batcher (``InferenceBatcher``, up to 8 frames per
  model call); ms/frame is wall time over frames, p95 a frame's own latency;
- ``pipeline, every frame``: the same mix with the motion gate off (``motion.enabled:
  false``): the model runs on every frame, so the overhead is that of an inferred frame
  (the still cameras' scene baselines still compare their pictures; ``--busy 1`` makes
  every camera busy).

The first ``--warmup`` seconds run but are not counted (the scene baseline learns the
empty street then). Cameras per core = 1000 / (mean ms per frame) at 1 fps.
Overhead = (pipeline ms - decode - detect) / detect. ``--accuracy`` adds AP50 of every
runtime on the real val sets of a built dataset, measured by the project's eval (conf
0.001, NMS IoU 0.6).
Prints a Markdown table; results go to benchmarks/results/cameras.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "datasets"
SIZE = (1280, 720)
Frame = npt.NDArray[np.uint8]
# arm -> (backend, OpenVINO precision) of its detector; the pipelines run ``--runtime``'s
RUNTIMES = {
    "ultralytics": ("ultralytics", None),
    "onnxruntime": ("onnxruntime", None),
    "openvino": ("openvino", "f32"),
    "openvino bf16": ("openvino", "bf16"),
}
ARMS = (*RUNTIMES, "pipeline", "pipeline, batched", "pipeline, every frame")
BATCH_THREADS = 8  # the batched arm: camera threads, as pulled cameras' samplers run


def photos(count: int) -> list[Frame]:
    """``count`` real street photos at 1280x720 (centre crop to 16:9, then resize)."""
    paths = sorted(
        p
        for name in ("vehicles", "garbage", "facade-ads")
        for p in (SHARED / name).rglob("*.jpg")
        if "valid" in p.parts or "val" in p.parts or name == "facade-ads"
    )
    rng = np.random.default_rng(0)
    picked = [paths[i] for i in rng.permutation(len(paths))[:count]] if paths else []
    images = [fit(cv2.imread(str(p), cv2.IMREAD_COLOR)) for p in picked]
    if len(images) < count:
        from training.synth import generate_dataset

        with tempfile.TemporaryDirectory() as tmp:
            generate_dataset(Path(tmp), count=count - len(images), seed=0)
            synth = sorted(Path(tmp).rglob("*.jpg")) + sorted(Path(tmp).rglob("*.png"))
            images += [fit(cv2.imread(str(p), cv2.IMREAD_COLOR)) for p in synth]
    return images[:count]


def fit(image: Frame) -> Frame:
    h, w = image.shape[:2]
    target = SIZE[0] / SIZE[1]
    if w / h > target:
        cw = round(h * target)
        image = image[:, (w - cw) // 2 : (w - cw) // 2 + cw]
    else:
        ch = round(w / target)
        image = image[(h - ch) // 2 : (h - ch) // 2 + ch]
    return np.ascontiguousarray(cv2.resize(image, SIZE, interpolation=cv2.INTER_AREA))


def feeds(cameras: int, seconds: int, busy: float) -> list[list[bytes]]:
    """Per camera, one JPEG per second; the first ``busy`` fraction of cameras are busy."""
    base = photos(cameras + 1)
    rng = np.random.default_rng(1)
    patch = base[-1][200:440, 300:620]
    out = []
    for c in range(cameras):
        moving = c < round(busy * cameras)
        frames = []
        for t in range(seconds):
            frame = base[c].copy()
            if moving:
                x = 40 + (t * 37) % (SIZE[0] - patch.shape[1] - 80)
                frame[400 : 400 + patch.shape[0], x : x + patch.shape[1]] = patch
            noise = rng.normal(0.0, 2.0, frame.shape)
            frame = np.clip(frame + noise, 0, 255).astype(np.uint8)
            frames.append(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes())
        out.append(frames)
    return out


def one_core() -> None:
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    cv2.setNumThreads(1)


def load(model: Path, runtime: str, **kwargs: Any) -> Any:
    """The detector of ``runtime`` (the .pt for ultralytics, the ONNX otherwise)."""
    from detector.model import Detector, resolve_model_path

    onnx = resolve_model_path(model)
    backend, precision = RUNTIMES[runtime]
    path = onnx.parent / "model.pt" if backend == "ultralytics" else onnx
    extra = {"precision": precision} if precision else {}
    return Detector.load(path, backend=backend, check_taxonomy=False, **extra, **kwargs)


def run_arm(
    arm: str, model: Path, feeds_dir: Path, runtime: str, warmup: int = 0
) -> dict[str, Any]:
    """One arm in this (fresh) process; times per frame in ms, by stage for the pipeline."""
    one_core()
    cams = sorted(feeds_dir.iterdir())
    jpegs = [[f.read_bytes() for f in sorted(cam.iterdir())] for cam in cams]
    from detector.image import decode_image

    detector = load(model, arm if arm in RUNTIMES else runtime, threads=1)
    detector.detect(decode_image(jpegs[0][0]))
    if arm in RUNTIMES:
        totals, decode, detect = [], [], []
        for t in range(warmup, len(jpegs[0])):
            for cam in jpegs:
                start = time.perf_counter()
                image = decode_image(cam[t])
                mid = time.perf_counter()
                detector.detect(image)
                totals.append((time.perf_counter() - start) * 1000)
                decode.append((mid - start) * 1000)
                detect.append(totals[-1] - decode[-1])
        return {"total_ms": totals, "stages": {"decode": decode, "detect": detect}}
    return run_pipeline(
        detector,
        jpegs,
        gate_off=arm == "pipeline, every frame",
        threads=BATCH_THREADS if arm == "pipeline, batched" else 0,
        warmup=warmup,
    )


def run_pipeline(
    detector: Any, jpegs: list[list[bytes]], gate_off: bool, threads: int = 0, warmup: int = 0
) -> dict[str, Any]:
    """The per-frame path on every camera's frames, second by second; with ``threads``,
    each second's frames go through that many threads at once and the batcher. The first
    ``warmup`` seconds run but are not counted (the scene baseline's warm-up)."""
    import datetime as dt
    from concurrent.futures import ThreadPoolExecutor

    from detector.batching import InferenceBatcher
    from detector.taxonomy import load_taxonomy
    from serve.cameras.service import CameraService
    from serve.config.cameras import Camera
    from serve.evidence.files import EvidenceFiles
    from serve.heap import freeze_startup, thaw
    from serve.metrics import Metrics
    from serve.models import ModelHolder
    from serve.store import CameraRepo, CaseRepo, open_database

    t0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
    totals: list[float] = []
    stages: dict[str, list[float]] = {}
    batcher = InferenceBatcher(max_batch=8) if threads else None
    wall = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{tmp}/bench.db")
        service = CameraService(
            models=ModelHolder(detector, batcher),
            taxonomy=load_taxonomy(),
            cameras=CameraRepo(db),
            cases=CaseRepo(db),
            evidence=EvidenceFiles(Path(tmp) / "evidence"),
            metrics=Metrics(),
            scene_dir=Path(tmp) / "scene",
        )
        cams = [
            Camera.model_validate(
                {
                    "id": f"cam-{i:03d}",
                    "source": {"kind": "push"},
                    "zones": [
                        {
                            "id": "pavement",
                            "type": "sidewalk",
                            "polygon": [[0, 360], [1280, 360], [1280, 720], [0, 720]],
                        }
                    ],
                    "motion": {"enabled": not gate_off},
                }
            )
            for i in range(len(jpegs))
        ]
        service.start(cams)
        freeze_startup()  # as the service does once its cameras are up (serve/app.py)
        pipes = [service.pipeline(c.id) for c in cams]

        def one(cam: list[bytes], pipe: Any, t: int) -> tuple[float, float, dict[str, float]]:
            start = time.perf_counter()
            frame = pipe.decode(cam[t])  # as the frames route does: only as big as needed
            decoded = time.perf_counter()
            result = pipe.process(frame, t0 + dt.timedelta(seconds=t))
            return (
                (time.perf_counter() - start) * 1000,
                (decoded - start) * 1000,
                (result.timings_ms),
            )

        pool = ThreadPoolExecutor(threads) if threads else None
        for t in range(len(jpegs[0])):
            began = time.perf_counter()
            if pool is not None:
                done = list(pool.map(one, jpegs, pipes, [t] * len(pipes)))
            else:
                done = [one(cam, pipe, t) for cam, pipe in zip(jpegs, pipes, strict=True)]
            if t < warmup:
                continue
            wall += time.perf_counter() - began
            for total, decode, timings in done:
                totals.append(total)
                stages.setdefault("decode", []).append(decode)
                for stage, ms in timings.items():
                    stages.setdefault(stage, []).append(ms)
        if pool is not None:
            pool.shutdown()
        cases = CaseRepo(db).list()[1]
        service.stop()
        db.dispose()
        thaw()
    out: dict[str, Any] = {"total_ms": totals, "stages": stages, "cases": cases}
    if batcher is not None:
        # stage clocks overlap across threads: the time per frame is the wall clock's
        out["wall_ms"] = wall * 1000
        out["batches"] = {"frames": batcher.stats.frames, "calls": batcher.stats.batches}
        out["stages"] = {}
        batcher.close()
    return out


def accuracy(model: Path, data: Path) -> dict[str, dict[str, float]]:
    """mAP50 on the whole val split ("all") and AP50 (all classes with boxes) per real val
    set, for the .pt and the ONNX on every runtime."""
    from training.evaluate import evaluate
    from training.yolo_dataset import load_data_yaml

    spec = load_data_yaml(data)
    out: dict[str, dict[str, float]] = {}
    for name in RUNTIMES:
        detector = load(model, name, conf=0.001, iou=0.6)
        for label, split in (
            ("all", "val"),
            *((s, s) for s in ("vehicles", "garbage", "facade-ads")),
        ):
            if split != "val" and split not in spec.val_sets:
                continue
            result = evaluate(detector, spec, split, progress=False)
            out.setdefault(name, {})[label] = round(result.metrics.map50, 4)
    return out


def summary(arm: str, run: dict[str, Any], frames: int) -> dict[str, Any]:
    totals = run["total_ms"]
    # threads at once: wall time over frames (a frame's own latency includes its waits)
    mean = run["wall_ms"] / len(totals) if "wall_ms" in run else sum(totals) / len(totals)
    stages = {s: round(sum(v) / frames, 3) for s, v in run["stages"].items()}
    return {
        "arm": arm,
        "frames": len(totals),
        "mean_ms": round(mean, 2),
        "p50_ms": round(statistics.median(totals), 2),
        "p95_ms": round(sorted(totals)[int(0.95 * (len(totals) - 1))], 2),
        "cameras_per_core": round(1000.0 / mean, 1),
        "stages_ms": stages,
        "cases": run.get("cases"),
        "batches": run.get("batches"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "current")
    parser.add_argument("--cameras", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--busy", type=float, default=0.2, help="fraction of busy cameras")
    parser.add_argument(
        "--warmup", type=int, default=15, help="first seconds not counted (scene warm-up)"
    )
    parser.add_argument("--arms", nargs="+", default=list(ARMS), choices=ARMS)
    parser.add_argument("--accuracy", type=Path, default=None, help="a built data.yaml")
    parser.add_argument(
        "--accuracy-only", action="store_true", help="only the --accuracy table (no timing)"
    )
    parser.add_argument(
        "--runtime", default="onnxruntime", choices=list(RUNTIMES)[1:], help="the pipelines'"
    )
    parser.add_argument("--arm", help=argparse.SUPPRESS)
    parser.add_argument("--feeds", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    model = args.model.resolve()
    if args.arm:  # a worker: one arm, answer on stdout
        print(json.dumps(run_arm(args.arm, model, args.feeds, args.runtime, args.warmup)))
        return
    if args.accuracy_only:
        if args.accuracy is None:
            parser.error("--accuracy-only needs --accuracy DATA_YAML")
        print(json.dumps(accuracy(model, args.accuracy), indent=1))
        return
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        feeds_path = Path(tmp)
        for c, cam in enumerate(feeds(args.cameras, args.seconds, args.busy)):
            (feeds_path / f"cam-{c:03d}").mkdir()
            for t, jpeg in enumerate(cam):
                (feeds_path / f"cam-{c:03d}" / f"{t:05d}.jpg").write_bytes(jpeg)
        rows = []
        for arm in args.arms:
            worker = [sys.executable, __file__, "--model", str(model), "--feeds", str(feeds_path)]
            worker += ["--runtime", args.runtime, "--warmup", str(args.warmup)]
            proc = subprocess.run(
                [*worker, "--arm", arm],
                capture_output=True,
                text=True,
                check=True,
            )
            run = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append(summary(arm, run, args.cameras * (args.seconds - args.warmup)))
    out = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, 1 core used",
        "load_before": [round(v, 2) for v in load_before],
        "load_after": [round(v, 2) for v in os.getloadavg()],
        "model": str(args.model),
        "cameras": args.cameras,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "busy": args.busy,
        "runtime": args.runtime,
        "rows": rows,
        "accuracy": accuracy(model, args.accuracy) if args.accuracy else None,
    }
    (REPO / "benchmarks" / "results").mkdir(exist_ok=True)
    (REPO / "benchmarks" / "results" / "cameras.json").write_text(json.dumps(out, indent=2))
    print(table(out))


def table(out: dict[str, Any]) -> str:
    rows = out["rows"]
    base = next((r for r in rows if r["arm"] == "ultralytics"), rows[0])
    stages = ["decode", "gate", "scene", "detect", "track", "rules", "cases"]
    lines = [
        f"{out['cameras']} cameras x {out['seconds']} s at 1 fps (the first {out['warmup']} s "
        f"not counted), {out['busy']:.0%} busy, "
        f"1280x720 JPEG; pipelines on {out['runtime']}; {out['machine']}; "
        f"load {out['load_before']} -> {out['load_after']}",
        "",
        "| arm | ms/frame | p95 | cameras/core | frames/s vs ultralytics | "
        + " | ".join(stages)
        + " | overhead |",
        "|---|---:|---:|---:|---:|" + "---:|" * len(stages) + "---:|",
    ]
    for r in rows:
        st = r["stages_ms"]
        detect = st.get("detect")
        overhead = "-"
        if detect and "scene" in st:
            overhead = f"{(r['mean_ms'] - st['decode'] - detect) / detect:.0%}"
        cells = [
            r["arm"],
            r["mean_ms"],
            r["p95_ms"],
            r["cameras_per_core"],
            f"{base['mean_ms'] / r['mean_ms']:.2f}x",
            *(st.get(s, "-") for s in stages),
            overhead,
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    for r in rows:
        if r.get("batches"):
            b = r["batches"]
            lines.append(
                f"\n{r['arm']}: {b['frames']} frames in {b['calls']} model calls "
                f"({b['frames'] / max(b['calls'], 1):.1f} frames a call)"
            )
    if out["accuracy"]:
        sets = next(iter(out["accuracy"].values()))
        lines += ["", "| AP50 | " + " | ".join(sets) + " |"]
        lines.append("|---|" + "---:|" * len(sets))
        for name, sets in out["accuracy"].items():
            lines.append(f"| {name} | " + " | ".join(str(v) for v in sets.values()) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
