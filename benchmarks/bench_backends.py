"""Inference speed of every backend on the same model and images, side by side.

    python benchmarks/bench_backends.py [--model models/current] [--images DIR] [--runs 3]

For each backend (onnxruntime, OpenVINO, ultralytics' own predict on the .pt) it
measures images/s at batch 1 and batch 8 and peak resident memory in a fresh
process, then prints a Markdown table with ratios to onnxruntime (the default).
Results are also written to benchmarks/results/backends.json.
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
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CASES = [
    ("onnxruntime", "model.onnx", 1),
    ("onnxruntime", "model.onnx", 8),
    ("openvino", "model.onnx", 1),
    ("openvino", "model.onnx", 8),
    ("ultralytics", "model.pt", 1),
    ("ultralytics", "model.pt", 8),
]


def _images(folder: Path | None, count: int) -> list[Path]:
    if folder is not None:
        paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in {".jpg", ".png"})
        if paths:
            return paths[:count]
    from training.synth import generate_dataset

    out = REPO / "build" / "bench-images"
    if not out.exists():
        generate_dataset(out, count, seed=7, progress=False)
    return sorted((out / "images" / "train").glob("*.jpg"))[:count]


def _worker(args: argparse.Namespace) -> None:
    """Runs in its own process so memory and imports of one backend do not leak into another."""
    os.environ.setdefault("YOLO_OFFLINE", "1")
    from detector.image import load_image
    from detector.model import Detector

    images = [load_image(p) for p in args.image_list]
    detector = Detector.load(args.model_file, backend=args.backend, conf=0.25, threads=args.threads)
    batches = [images[i : i + args.batch] for i in range(0, len(images), args.batch)]
    detector.detect_batch(batches[0])  # warm-up: graph compile, allocations
    best = float("inf")
    for _ in range(args.runs):
        start = time.perf_counter()
        for batch in batches:
            detector.detect_batch(batch)
        best = min(best, time.perf_counter() - start)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": best, "images": len(images), "peak_rss_mb": peak_kb / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "current")
    parser.add_argument("--images", type=Path, help="folder of images (default: synthetic)")
    parser.add_argument("--count", type=int, default=48)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--out", type=Path, default=REPO / "benchmarks" / "results" / "backends.json"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--model-file", help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--image-list", nargs="*", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args)
        return

    from detector.model import resolve_model_path

    entry = resolve_model_path(args.model)
    entry = entry.parent if entry.is_file() else entry
    images = _images(args.images, args.count)
    rows: list[dict[str, Any]] = []
    for backend, filename, batch in CASES:
        model_file = entry / filename
        if not model_file.is_file():
            rows.append({"backend": backend, "batch": batch, "skipped": f"no {filename}"})
            continue
        cmd = [
            sys.executable, __file__, "--worker", "--backend", backend,
            "--model-file", str(model_file), "--batch", str(batch), "--runs", str(args.runs),
            "--threads", str(args.threads), "--image-list", *map(str, images),
        ]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            reason = proc.stderr.strip().splitlines()[-1:] or ["failed"]
            rows.append({"backend": backend, "batch": batch, "skipped": reason[0]})
            continue
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(
            {
                "backend": backend,
                "batch": batch,
                "images_per_s": result["images"] / result["seconds"],
                "ms_per_image": 1000 * result["seconds"] / result["images"],
                "peak_rss_mb": result["peak_rss_mb"],
            }
        )
    base = {r["batch"]: r for r in rows if r["backend"] == "onnxruntime" and "images_per_s" in r}
    print(f"model {entry.name}, {len(images)} images, best of {args.runs} runs, "
          f"{args.threads} threads, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs\n")  # fmt: skip
    print("| backend | batch | images/s | ms/image | vs onnxruntime | peak RSS MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        if "skipped" in r:
            print(f"| {r['backend']} | {r['batch']} | skipped: {r['skipped']} | | | |")
            continue
        ref = base.get(r["batch"])
        ratio = r["images_per_s"] / ref["images_per_s"] if ref else float("nan")
        r["ratio_to_onnxruntime"] = ratio
        print(f"| {r['backend']} | {r['batch']} | {r['images_per_s']:.1f} | "
              f"{r['ms_per_image']:.1f} | {ratio:.2f}x | {r['peak_rss_mb']:.0f} |")  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"model": entry.name, "images": len(images), "rows": rows}, indent=1)
    )


if __name__ == "__main__":
    main()
