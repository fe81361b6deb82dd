"""Scaling out: the same camera load on one process and on 1, 2, ... Ray camera workers.

    python benchmarks/bench_cluster.py [--workers 1 2] [--cameras 16] [--seconds 60]
        [--warmup 20] [--concurrency 8] [--model models/current] [--database URL]

Each arm starts ``streetwatch serve`` (uvicorn) on one database — PostgreSQL (``--database``,
else a throwaway server started with the tests' helper, else SQLite) — with ``--cameras``
push cameras (bench_soak's: a no-parking and an ad-prohibited zone on 1280x720 frames of
real street photos), either in one process (``single``) or with ``--cluster local:N``.
``--concurrency`` clients then push frames as fast as the server answers, each camera's
frames in time order and every frame a different photo (the motion gate opens: the model
runs on every frame), for ``--warmup`` seconds not counted and ``--seconds`` counted.

Reported per arm: frames/s, request latency p50/p99, per-worker efficiency (frames/s per
worker over the 1-worker arm's), errors, and the machine's load; the arms run one after
the other on the same machine in one run. Results go to benchmarks/results/cluster.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import cv2
import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))

from bench_soak import camera, free_port, street_photos  # noqa: E402  (sibling scripts)

T0 = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)


@contextmanager
def databases(url: str | None) -> Iterator[tuple[Callable[[str], str | None], str]]:
    """(a fresh database per arm by name: a SQLAlchemy URL, None for SQLite; what it is)."""
    if url:
        yield (lambda name: url), "PostgreSQL (given)"
        return
    from tests.serve.store.postgres import find_pg_bin, running_postgres

    bin_dir = find_pg_bin()
    if bin_dir is None:
        yield (lambda name: None), "SQLite (no PostgreSQL binaries)"
        return
    with running_postgres(bin_dir) as server:
        yield server.create_database, "PostgreSQL (a throwaway local server)"


def start(data: Path, arm: str, cameras: int, model: Path, db: str | None, token: str) -> Any:
    import yaml

    config = data / "cameras.yaml"
    config.write_text(yaml.safe_dump([camera(i) for i in range(cameras)]), encoding="utf-8")
    port = free_port()
    env = {**os.environ, "STREETWATCH_ADMIN_TOKEN": token, "STREETWATCH_ADMIN_PASSWORD": token}
    env["STREETWATCH_PUSH_RATE"] = "1000"
    cmd = [str(Path(sys.executable).parent / "streetwatch"), "serve", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--data-dir", str(data), "--config", str(config)]
    cmd += ["--model", str(model), "--no-demo"]
    if db:
        cmd += ["--database", db]
    if arm != "single":
        cmd += ["--cluster", arm]
    log = (data / "server.log").open("w")
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(1500):
        with suppress(httpx.HTTPError):
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        if proc.poll() is not None:
            raise SystemExit(f"{arm}: server exited: see {data / 'server.log'}")
        time.sleep(0.2)
    raise SystemExit(f"{arm}: server did not start within 300 s")


def cpu_by_role(server: psutil.Process) -> dict[str, float]:
    """CPU seconds so far of the server (the API), its Ray camera workers and detector
    services, the rest of Ray (GCS, raylet, ...), and this load generator."""
    out = {"api": 0.0, "workers": 0.0, "ray": 0.0, "load generator": 0.0}
    procs = [server]
    with suppress(psutil.Error):
        procs += server.children(recursive=True)
    for p in procs:
        try:
            times = p.cpu_times()
            line = " ".join(p.cmdline())
        except psutil.Error:
            continue
        used = times.user + times.system
        if p.pid == server.pid:
            out["api"] += used
        elif "_RayWorker" in line or "DetectorService" in line:
            out["workers"] += used
        else:
            out["ray"] += used
    me = psutil.Process().cpu_times()
    out["load generator"] = me.user + me.system
    return out


def drive(
    base: str,
    token: str,
    cameras: int,
    jpegs: list[bytes],
    window: tuple[float, float],
    clients: int,
    server: psutil.Process,
) -> dict[str, Any]:
    """``clients`` threads push frames back to back, camera after camera (each camera's
    frames in time order: one thread owns it); only the counted window is measured."""
    warmup, seconds = window
    latencies: list[float] = []
    codes: dict[int, int] = {}
    lock = threading.Lock()
    began = time.monotonic()
    counted_from, until = began + warmup, began + warmup + seconds

    def client(k: int) -> None:
        mine = [c for c in range(cameras) if c % clients == k]
        http = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60.0
        )
        step = 0
        while time.monotonic() < until:
            for cam in mine:
                at = T0 + dt.timedelta(seconds=step)
                image = jpegs[(cam + step) % len(jpegs)]  # every frame a new photo
                started = time.monotonic()
                try:
                    r = http.post(
                        f"/v1/cameras/soak-{cam:03d}/frames",
                        files={"image": ("f.jpg", image, "image/jpeg")},
                        data={"timestamp": at.isoformat()},
                    )
                    code = r.status_code
                except httpx.HTTPError:
                    code = 0
                done = time.monotonic()
                if counted_from <= started and done <= until:
                    with lock:
                        latencies.append(done - started)
                        codes[code] = codes.get(code, 0) + 1
            step += 1
        http.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    time.sleep(max(0.0, counted_from - time.monotonic()))
    cpu_start = cpu_by_role(server)
    time.sleep(max(0.0, until - time.monotonic()))
    cpu_end = cpu_by_role(server)
    for t in threads:
        t.join()
    ok = codes.get(200, 0)
    latencies.sort()
    return {
        "frames": ok,
        "frames_per_s": round(ok / seconds, 2),
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 1)
        if latencies
        else None,
        "errors": {str(c): n for c, n in codes.items() if c != 200},
        # CPU ms a frame, by role, over the counted window
        "cpu_ms_per_frame": {
            role: round(1000 * (cpu_end[role] - cpu_start[role]) / max(ok, 1), 2)
            for role in cpu_end
        },
        "load_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--cameras", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--model", type=Path, default=REPO / "models" / "current")
    parser.add_argument("--database", default=None, help="PostgreSQL URL (default: throwaway)")
    parser.add_argument("--no-single", action="store_true", help="skip the one-process arm")
    args = parser.parse_args()

    images = street_photos(12)
    jpegs = [cv2.imencode(".jpg", im, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes() for im in images]
    arms = ([] if args.no_single else ["single"]) + [f"local:{n}" for n in args.workers]
    results: dict[str, dict[str, Any]] = {}
    with databases(args.database) as (fresh, db_kind):
        for n, arm in enumerate(arms):
            token = secrets.token_urlsafe(32)
            url = fresh(f"bench_{n}")
            with tempfile.TemporaryDirectory() as tmp:
                proc, base = start(Path(tmp), arm, args.cameras, args.model, url, token)
                try:
                    window = (args.warmup, args.seconds)
                    server = psutil.Process(proc.pid)
                    run = drive(base, token, args.cameras, jpegs, window, args.concurrency, server)
                finally:
                    proc.terminate()
                    proc.wait(timeout=120)
            workers = 1 if arm == "single" else int(arm.split(":")[1])
            run["workers"] = workers
            results[arm] = run
            print(f"{arm}: {run}", flush=True)
    one = results.get("local:1", {}).get("frames_per_s")
    for run in results.values():
        run["per_worker_efficiency"] = (
            round(run["frames_per_s"] / (run["workers"] * one), 2) if one else None
        )
    out = {
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
        },
        "database": db_kind,
        "args": {k: str(v) for k, v in vars(args).items()},
        "arms": results,
    }
    dest = REPO / "benchmarks" / "results" / "cluster.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(table(out))


def table(out: dict[str, Any]) -> str:
    roles = ("api", "workers", "ray", "load generator")
    rows = [
        "| arm | workers | frames/s | p50 ms | p99 ms | per-worker efficiency | errors | load 1m "
        "| CPU ms/frame: " + " / ".join(roles) + " |",
        "|---|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for arm, r in out["arms"].items():
        cpu = " / ".join(str(r["cpu_ms_per_frame"][k]) for k in roles)
        rows.append(
            f"| {arm} | {r['workers']} | {r['frames_per_s']} | {r['p50_ms']} | {r['p99_ms']} "
            f"| {r['per_worker_efficiency']} | {r['errors'] or '-'} | {r['load_1m']} | {cpu} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    main()
