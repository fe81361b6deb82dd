"""Soak: many push cameras at 1 fps against a real server for a long time.

    python benchmarks/bench_soak.py [--cameras 50] [--minutes 30] [--model models/current]

Starts ``streetwatch serve`` (uvicorn, SQLite, the model, no demo) with ``--cameras``
push cameras, each with a no-parking zone over the lower 60% of its 1280x720 frame
and an ad-prohibited zone over the upper half (parking: dwell 20 s; parking, ads and
garbage clear after 30 s), and pushes one JPEG a second to every camera over HTTP with
camera timestamps. Each camera shows one real street photo (12: 4 each of cars, garbage
and shop-front ads from ../shared/datasets; synthetic scenes where ../shared is absent)
and moves to
the next photo every ``--switch-s`` seconds, so cases open and their violations end all
the time. It samples the server's RSS every 10 s and reports:

- RSS when the cameras are configured but idle, after the warm-up (``--warmup-min``),
  at the end, and its slope after the warm-up (MiB per 10 minutes; flat memory means a
  slope near 0);
- memory per camera = (RSS after warm-up - idle RSS) / cameras;
- request latency p50/p99, errors by status, frames processed, cases opened;
- the machine's load average.

Prints a Markdown table; results (with the RSS series) go to benchmarks/results/soak.json.
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
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import psutil
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
from bench_cameras import fit, photos  # noqa: E402  (a sibling script, not a package)

T0 = dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC)
LOWER = [[0, 288], [1280, 288], [1280, 720], [0, 720]]
UPPER = [[0, 0], [1280, 0], [1280, 360], [0, 360]]
SOURCES = ("vehicles", "garbage", "facade-ads")


def camera(i: int) -> dict[str, Any]:
    return {
        "id": f"soak-{i:03d}",
        "source": {"kind": "push"},
        "sample_fps": 1.0,
        "zones": [
            {"id": "np", "type": "no_parking", "polygon": LOWER},
            {"id": "ads", "type": "ad_prohibited", "polygon": UPPER},
        ],
        "rules": {
            "illegal_parking": {"dwell_s": 20, "clear_after_s": 30},
            "illegal_ad": {"clear_after_s": 30},
            "exposed_garbage": {"clear_after_s": 30},
        },
    }


def street_photos(count: int) -> list[Any]:
    """``count`` real photos at 1280x720, the same number from each ../shared source
    (cars, garbage, shop-front ads: each opens cases under ``camera``'s rules);
    synthetic scenes where ../shared is absent."""
    shared = REPO.parent / "shared" / "datasets"
    rng = np.random.default_rng(0)
    picked: list[Path] = []
    for name in SOURCES:
        paths = sorted((shared / name).rglob("*.jpg"))
        picked += [paths[i] for i in rng.permutation(len(paths))[: count // len(SOURCES)]]
    if len(picked) < count:
        return photos(count)  # synthetic scenes
    return [fit(cv2.imread(str(p), cv2.IMREAD_COLOR)) for p in picked]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    data: Path, cameras: int, model: Path, token: str, extra_env: dict[str, str]
) -> tuple[Any, str]:
    config = data / "cameras.yaml"
    config.write_text(yaml.safe_dump([camera(i) for i in range(cameras)]), encoding="utf-8")
    port = free_port()
    env = {**os.environ, "STREETWATCH_ADMIN_TOKEN": token, "STREETWATCH_ADMIN_PASSWORD": token}
    env.update(extra_env)
    cmd = [str(Path(sys.executable).parent / "streetwatch"), "serve", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--data-dir", str(data), "--config", str(config)]
    cmd += ["--model", str(model), "--no-demo"]
    log = (data / "server.log").open("w")
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"server exited: see {data / 'server.log'}")
        time.sleep(0.2)
    raise SystemExit("server did not start within 120 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cameras", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--warmup-min", type=float, default=5.0)
    parser.add_argument("--switch-s", type=int, default=60)
    parser.add_argument("--model", type=Path, default=REPO / "models" / "current")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the server (e.g. MALLOC_ARENA_MAX=2); repeatable",
    )
    args = parser.parse_args()
    extra_env = dict(item.split("=", 1) for item in args.server_env)

    images = street_photos(12)
    jpegs = [cv2.imencode(".jpg", im, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes() for im in images]
    token = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_server(Path(tmp), args.cameras, args.model, token, extra_env)
        server = psutil.Process(proc.pid)
        time.sleep(5)
        idle = server.memory_info().rss
        rss: list[tuple[float, int]] = []
        latencies: list[float] = []
        codes: dict[int, int] = {}
        events = {"cases_opened": 0, "violations_ended": 0}
        lock = threading.Lock()
        headers = {"Authorization": f"Bearer {token}"}
        client = httpx.Client(base_url=base, headers=headers, timeout=30.0)

        def push(cam: int, second: int) -> None:
            photo = (cam + second // args.switch_s) % len(jpegs)
            at = T0 + dt.timedelta(seconds=second)
            started = time.perf_counter()
            try:
                r = client.post(
                    f"/v1/cameras/soak-{cam:03d}/frames",
                    files={"image": ("f.jpg", jpegs[photo], "image/jpeg")},
                    data={"timestamp": at.isoformat()},
                )
                code = r.status_code
                body = r.json() if code == 200 else {}
            except httpx.HTTPError:
                code, body = 0, {}
            opened = len(body.get("cases_opened", []))
            ended = sum(v["state"] == "ended" for v in body.get("violations", []))
            with lock:
                events["cases_opened"] += opened
                events["violations_ended"] += ended
                latencies.append(time.perf_counter() - started)
                codes[code] = codes.get(code, 0) + 1

        began = time.monotonic()
        total_s = int(args.minutes * 60)
        with ThreadPoolExecutor(max_workers=16) as pool:
            for second in range(total_s):
                tick = began + second
                time.sleep(max(0.0, tick - time.monotonic()))
                for cam in range(args.cameras):
                    pool.submit(push, cam, second)
                if second % 10 == 0:
                    rss.append((time.monotonic() - began, server.memory_info().rss))
        rss.append((time.monotonic() - began, server.memory_info().rss))
        opened = client.get("/v1/cases", params={"limit": 1}).json()["count"]
        client.close()
        proc.terminate()
        proc.wait(timeout=60)
    load = os.getloadavg()
    after = [(t, r) for t, r in rss if t >= args.warmup_min * 60]
    warm = after[0][1] if after else rss[-1][1]
    slope = 0.0
    if len(after) >= 2:
        ts, rs = [t for t, _ in after], [r for _, r in after]
        mt, mr = statistics.fmean(ts), statistics.fmean(rs)
        var = sum((t - mt) ** 2 for t in ts) or 1.0
        slope = sum((t - mt) * (r - mr) for t, r in zip(ts, rs, strict=True)) / var
    ordered = sorted(latencies)
    mib = 2**20
    out = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "load_avg": [round(v, 2) for v in load],
        "cameras": args.cameras,
        "minutes": args.minutes,
        "rss_idle_mib": round(idle / mib, 1),
        "rss_after_warmup_mib": round(warm / mib, 1),
        "rss_end_mib": round(rss[-1][1] / mib, 1),
        "rss_max_mib": round(max(r for _, r in rss) / mib, 1),
        "rss_slope_mib_per_10min": round(slope * 600 / mib, 2),
        "mib_per_camera": round((warm - idle) / mib / args.cameras, 2),
        "requests": len(latencies),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
        "status": {str(k): v for k, v in sorted(codes.items())},
        "cases": opened,
        **events,
        "server_env": extra_env,
        "rss_series_mib": [(round(t), round(r / mib, 1)) for t, r in rss],
    }
    results = REPO / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "soak.json").write_text(json.dumps(out, indent=1))
    keys = [k for k in out if k != "rss_series_mib"]
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    print("| " + " | ".join(str(out[k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
