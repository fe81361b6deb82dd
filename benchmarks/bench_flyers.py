"""Flyers on real facades: the text signal (OCR + phone numbers + the flyer rule) side by
side with the detector alone.

    python benchmarks/bench_flyers.py [--scenes 200] [--model models/current]

Each scene is a real street photo from ../shared/datasets (facade-ads: Saint Petersburg
shop fronts; signboards: shop signs, many printing phone numbers) with one rendered
flyer pasted on it
(``training.synth.text_flyers``: real Chinese text, a known number, rotation, blur,
JPEG); the same photos without the flyer are the negatives. Three arms:

- ``sweep``: the text signal reading the whole frame as the service does
  (``detector.text.zoom.read_closer``: a sweep, small numbered blocks read again closer),
  grouping lines into blocks and judging each with ``FlyerRule`` (a block inside an
  ``outdoor_ad`` the model finds with conf >= 0.4 is a sign's);
- ``candidate``: the text signal reading only a crop around the flyer, as when the scene
  baseline or the detector points at it (the flyer's box + 30 px);
- ``detector``: the model's ``flyer`` boxes (conf >= 0.25), which read no number.

Reports exact-number recall (the flyer's number among the phones of a block judged a
flyer that overlaps it), flyer precision (flyer verdicts that are the pasted flyer, over
all flyer verdicts, negatives included), flyer calls on the photos without a flyer, and
OCR time per frame and per crop. Results go to benchmarks/results/flyers.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from detector import Detector  # noqa: E402
from detector.text.flyer import FlyerRule, group_lines  # noqa: E402
from detector.text.reader import TextReader  # noqa: E402
from detector.text.zoom import read_closer  # noqa: E402
from training.synth.text_flyers import paste_flyer  # noqa: E402

FACADES = REPO.parent / "shared" / "datasets" / "facade-ads"
SIGNBOARDS = REPO.parent / "shared" / "datasets" / "signboards"
SIGN_CONF = 0.4
Box = tuple[float, float, float, float]


def overlaps(a: Box, b: Box) -> bool:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return smaller > 0 and ix * iy >= 0.5 * smaller


def in_sign(block: Box, signs: list[Box]) -> bool:
    """The block's centre is inside a detected outdoor ad at least twice its size."""
    cx, cy = (block[0] + block[2]) / 2, (block[1] + block[3]) / 2
    area = (block[2] - block[0]) * (block[3] - block[1])
    return any(
        s[0] <= cx <= s[2] and s[1] <= cy <= s[3] and (s[2] - s[0]) * (s[3] - s[1]) >= 2 * area
        for s in signs
    )


def text_arm(
    reader: TextReader,
    rule: FlyerRule,
    image: Any,
    offset: tuple[int, int],
    frame: tuple[int, int],
    signs: list[Box],
) -> list[tuple[Box, list[str]]]:
    """The blocks judged flyers: (box in frame pixels, their numbers)."""
    lines = read_closer(reader, image)
    calls = []
    for block in group_lines(lines):
        b = block.box
        moved = (b[0] + offset[0], b[1] + offset[1], b[2] + offset[0], b[3] + offset[1])
        shifted = type(block)(block.lines, moved, block.phones)
        verdict = rule.judge(shifted, frame, in_sign=in_sign(moved, signs))
        if verdict.flyer:
            calls.append((moved, [p.number for p in verdict.phones]))
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenes", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", type=Path, default=REPO / "models" / "current")
    args = parser.parse_args()
    photos = sorted(FACADES.rglob("*.jpg")) + sorted(SIGNBOARDS.rglob("*.jpg"))
    if not photos:
        raise SystemExit(f"no facade photos under {FACADES}: the benchmark needs ../shared")
    rng = np.random.default_rng(args.seed)
    picked = [photos[i] for i in rng.permutation(len(photos))[: args.scenes]]
    reader, rule = TextReader(), FlyerRule()
    detector = Detector.load(args.model)
    flyer_id = detector.names.index("flyer")
    sign_id = detector.names.index("outdoor_ad")
    counts = {k: 0 for k in ("sweep_hit", "sweep_calls", "sweep_true", "sweep_neg_calls")}
    counts |= {k: 0 for k in ("crop_hit", "crop_calls", "crop_true")}
    counts |= {k: 0 for k in ("det_hit", "det_calls", "det_true", "det_neg_calls")}
    sweep_ms: list[float] = []
    crop_ms: list[float] = []
    misses: list[dict[str, Any]] = []
    began = time.perf_counter()
    for path in picked:
        photo = cv2.imread(str(path), cv2.IMREAD_COLOR)
        scene = paste_flyer(photo, rng)
        h, w = scene.image.shape[:2]
        truth: Box = tuple(float(v) for v in scene.box)  # type: ignore[assignment]
        for image, positive in ((scene.image, True), (photo, False)):
            det = detector.detect(image)
            found = list(zip(det.xyxy, det.class_id, det.confidence, strict=True))
            flyers = [tuple(map(float, b)) for b, c, _ in found if c == flyer_id]
            signs = [
                (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
                for b, c, p in found
                if c == sign_id and p >= SIGN_CONF
            ]
            started = time.perf_counter()
            calls = text_arm(reader, rule, image, (0, 0), (w, h), signs)
            sweep_ms.append((time.perf_counter() - started) * 1000)
            if not positive:
                counts["sweep_neg_calls"] += len(calls)
                counts["det_neg_calls"] += len(flyers)
                counts["sweep_calls"] += len(calls)
                counts["det_calls"] += len(flyers)
                continue
            true_calls = [c for c in calls if overlaps(c[0], truth)]
            counts["sweep_calls"] += len(calls)
            counts["sweep_true"] += len(true_calls)
            hit = any(scene.number in numbers for _, numbers in true_calls)
            counts["sweep_hit"] += hit
            det_true = [b for b in flyers if overlaps(b, truth)]  # type: ignore[arg-type]
            counts["det_calls"] += len(flyers)
            counts["det_true"] += len(det_true)
            counts["det_hit"] += bool(det_true)
            x1, y1, x2, y2 = scene.box
            m = 30
            ox, oy = max(0, x1 - m), max(0, y1 - m)
            crop = scene.image[oy : y2 + m, ox : x2 + m]
            started = time.perf_counter()
            crop_calls = text_arm(reader, rule, crop, (ox, oy), (w, h), signs)
            crop_ms.append((time.perf_counter() - started) * 1000)
            crop_true = [c for c in crop_calls if overlaps(c[0], truth)]
            counts["crop_calls"] += len(crop_calls)
            counts["crop_true"] += len(crop_true)
            crop_hit = any(scene.number in numbers for _, numbers in crop_true)
            counts["crop_hit"] += crop_hit
            if not hit or not crop_hit:
                misses.append({"photo": path.name, "printed": scene.printed, "box": scene.box})
    n = len(picked)

    def ratio(a: int, b: int) -> float | None:
        return round(a / b, 3) if b else None

    out = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "load_avg": [round(v, 2) for v in os.getloadavg()],
        "scenes": n,
        "seconds": round(time.perf_counter() - began, 1),
        "sweep": {
            "number_recall": ratio(counts["sweep_hit"], n),
            "flyer_precision": ratio(counts["sweep_true"], counts["sweep_calls"]),
            "calls_on_facades_alone": counts["sweep_neg_calls"],
            "ms_per_frame_median": round(statistics.median(sweep_ms), 1),
        },
        "candidate": {
            "number_recall": ratio(counts["crop_hit"], n),
            "flyer_precision": ratio(counts["crop_true"], counts["crop_calls"]),
            "ms_per_crop_median": round(statistics.median(crop_ms), 1),
        },
        "detector": {
            "number_recall": 0.0,
            "flyer_recall": ratio(counts["det_hit"], n),
            "flyer_precision": ratio(counts["det_true"], counts["det_calls"]),
            "calls_on_facades_alone": counts["det_neg_calls"],
            "model": f"{detector.info.name} {detector.info.version}",
        },
        "misses": misses[:50],
    }
    results = REPO / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "flyers.json").write_text(json.dumps(out, indent=1, ensure_ascii=False))
    print(json.dumps({k: v for k, v in out.items() if k != "misses"}, indent=1))


if __name__ == "__main__":
    main()
