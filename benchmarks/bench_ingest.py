"""Ingestion throughput of the service: frames/s from a camera into draft cases, side by side.

    python benchmarks/bench_ingest.py [--model models/current] [--frames 120] [--runs 3]

On the demo camera's clip (a fixed street camera at 2 fps: a taxi parks in a no-parking
bay, a stall is laid out, a banner goes up, cars drive through; 640x480), with its zones
and rules and the reference model, frames timestamped 0.5 s apart, it measures:

- ``detector``: ``Detector.detect`` alone, the floor every other row builds on;
- ``pipeline, no gate``: detect + track + rules + cases + evidence on every frame;
- ``pipeline, motion gate``: the same with the default motion gating (inference only on
  changed frames and a re-check every 10 s of clip time);
- ``HTTP push, no gate``: frames POSTed one at a time to ``/v1/cameras/{id}/frames`` on a
  real uvicorn server over localhost (multipart encode, decode, the pipeline, JSON).

and prints a Markdown table (frames/s, ms per frame p50/p95, ratio to ``detector``).
Results are also written to benchmarks/results/ingest.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)

Frame = npt.NDArray[np.uint8]


def demo(count: int) -> tuple[list[Frame], dict[str, Any]]:
    """The demo camera's clip (taxi parks, stall, banner) and its camera as a push camera."""
    from serve.demo import demo_camera

    cam = demo_camera(REPO / "build" / "bench-ingest")
    assert cam.source.kind == "file"
    cap = cv2.VideoCapture(str(cam.source.path))
    frames: list[Frame] = []
    while len(frames) < count:
        ok, frame = cap.read()
        if not ok:
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            continue
        frames.append(frame)
    cap.release()
    config = cam.model_dump(mode="json") | {"id": "bench", "source": {"kind": "push"}}
    return frames, config


def camera(config: dict[str, Any], gate: bool) -> dict[str, Any]:
    return config | {"motion": config["motion"] | {"enabled": gate}}


def timed(frames: list[Frame], step: Callable[[int, Frame], None]) -> list[float]:
    times = []
    for i, frame in enumerate(frames):
        start = time.perf_counter()
        step(i, frame)
        times.append(time.perf_counter() - start)
    return times


def run_detector(model: Path, frames: list[Frame]) -> list[float]:
    from detector.model import Detector

    det = Detector.load(model)
    det.detect(frames[0])
    return timed(frames, lambda i, f: det.detect(f))


def run_pipeline(
    model: Path, frames: list[Frame], config: dict[str, Any], gate: bool
) -> tuple[list[float], int]:
    from detector.model import Detector
    from detector.taxonomy import load_taxonomy
    from serve.cameras.service import CameraService
    from serve.config.cameras import Camera
    from serve.evidence.files import EvidenceFiles
    from serve.metrics import Metrics
    from serve.models import ModelHolder
    from serve.store import CameraRepo, CaseRepo, open_database

    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{tmp}/bench.db")
        det = Detector.load(model)
        det.detect(frames[0])
        service = CameraService(
            models=ModelHolder(det),
            taxonomy=load_taxonomy(),
            cameras=CameraRepo(db),
            cases=CaseRepo(db),
            evidence=EvidenceFiles(Path(tmp) / "evidence"),
            metrics=Metrics(),
        )
        service.start([Camera.model_validate(camera(config, gate))])
        pipe = service.pipeline("bench")
        times = timed(frames, lambda i, f: pipe.process(f, T0 + dt.timedelta(seconds=i / 2)))
        opened = CaseRepo(db).list()[1]
        service.stop()
        db.dispose()
    return times, opened


def run_http(model: Path, frames: list[Frame], config: dict[str, Any]) -> list[float]:
    import httpx
    import uvicorn
    import yaml

    from detector.model import Detector
    from serve.app import create_app
    from serve.config.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "cameras.yaml"
        cfg.write_text(yaml.safe_dump([camera(config, False)], allow_unicode=True))
        admin = secrets.token_urlsafe(32)
        settings = Settings(
            data_dir=Path(tmp), config=cfg, demo=False, admin_token=admin, push_rate=None
        )
        app = create_app(settings, detector=Detector.load(model))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        payloads = [
            cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes() for f in frames
        ]
        url = f"http://127.0.0.1:{port}/v1/cameras/bench/frames"
        with httpx.Client(timeout=30) as client:
            # the camera's own key, as a pushing camera or gateway sends it
            issued = client.post(
                f"http://127.0.0.1:{port}/v1/cameras/bench/keys",
                headers={"Authorization": f"Bearer {admin}"},
            )
            issued.raise_for_status()
            client.headers["X-API-Key"] = issued.json()["key"]

            def post(i: int, _: Frame) -> None:
                at = (T0 + dt.timedelta(seconds=i / 2)).isoformat()
                r = client.post(
                    url,
                    files={"image": ("f.jpg", payloads[i], "image/jpeg")},
                    data={"timestamp": at},
                )
                r.raise_for_status()

            times = timed(frames, post)
        server.should_exit = True
        thread.join(10)
    return times


def summary(name: str, times: list[float], base: float | None, extra: str = "") -> dict[str, Any]:
    fps = len(times) / sum(times)
    ms = sorted(t * 1000 for t in times)
    return {
        "name": name,
        "frames": len(times),
        "fps": round(fps, 1),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1),
        "ratio": round(fps / base, 2) if base else 1.0,
        "note": extra,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "current")
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--runs", type=int, default=3, help="best of N runs per row")
    args = parser.parse_args()
    frames, config = demo(args.frames)

    def best(fn: Callable[[], list[float]]) -> list[float]:
        return min((fn() for _ in range(args.runs)), key=sum)

    rows = []
    det = best(lambda: run_detector(args.model, frames))
    base = len(det) / sum(det)
    rows.append(summary("detector", det, None))
    opened: dict[bool, int] = {}

    def pipe(gate: bool) -> list[float]:
        times, opened[gate] = run_pipeline(args.model, frames, config, gate)
        return times

    rows.append(
        summary("pipeline, no gate", best(lambda: pipe(False)), base, f"{opened[False]} cases")
    )
    rows.append(
        summary("pipeline, motion gate", best(lambda: pipe(True)), base, f"{opened[True]} cases")
    )
    rows.append(
        summary("HTTP push, no gate", best(lambda: run_http(args.model, frames, config)), base)
    )
    out = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "frames": args.frames,
        "size": "640x480",
        "rows": rows,
    }
    (REPO / "benchmarks" / "results").mkdir(exist_ok=True)
    (REPO / "benchmarks" / "results" / "ingest.json").write_text(json.dumps(out, indent=2))
    print("| path | frames/s | p50 ms | p95 ms | vs detector | note |")
    print("|---|---:|---:|---:|---:|---|")
    for r in rows:
        cells = [r["name"], r["fps"], r["p50_ms"], r["p95_ms"], f"{r['ratio']:.2f}x", r["note"]]
        print("| " + " | ".join(str(c) for c in cells) + " |")


if __name__ == "__main__":
    main()
