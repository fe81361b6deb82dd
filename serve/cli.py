"""The `streetwatch` command line.

Serving commands (`serve`, `detect`) live here and never import torch or
ultralytics; training commands come from `training.cli` through its entry point
(`serve.plugins`), and their handlers import their heavy dependencies only when run.
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detector.errors import DetectorError
from serve.plugins import register_commands

if TYPE_CHECKING:
    from serve.config.settings import Settings

logger = logging.getLogger("streetwatch")

DEFAULT_MODEL = Path("models/current")


def _detect(args: argparse.Namespace) -> int:
    from detector.image import load_image
    from detector.model import Detector

    detector = Detector.load(args.model, backend=args.backend, conf=args.conf, iou=args.iou)
    model = {"name": detector.info.name, "version": detector.info.version}
    failed = 0
    for path in args.images:
        try:
            image = load_image(path)
        except DetectorError as exc:
            print(f"streetwatch detect: {exc}", file=sys.stderr)
            failed += 1
            continue
        detections = detector.detect(image)
        records = detections.to_records(detector.names)
        if args.json:
            line = {"image": str(path), "detections": records, "model": model}
            print(json.dumps(line, ensure_ascii=False), flush=True)
        else:
            print(f"{path}: {len(records)} detection(s)")
            for r in records:
                print(f"  {r['label']:<17} {r['confidence']:.2f}  {r['box']}")
    return 1 if failed else 0


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options: forwarded headers (``proxy_options``) and connection limits."""
    return {
        **proxy_options(settings),
        "limit_concurrency": settings.max_connections,
        "timeout_keep_alive": settings.keep_alive_s,
    }


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's forwarded-header options: only the configured proxies are believed
    (uvicorn alone would believe X-Forwarded-For from 127.0.0.1)."""
    if not settings.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": list(settings.trusted_proxies)}


def with_public_url(settings: Settings, host: str, port: int) -> Settings:
    """``settings`` with the address clients reach the server at: ``public_url`` as set
    (``STREETWATCH_PUBLIC_URL``), else the host and port it listens on (this machine's
    name for a wildcard host, which a LAN client can reach)."""
    if "public_url" in settings.model_fields_set:
        return settings
    if host in ("0.0.0.0", "::", ""):
        host = socket.getfqdn() or "127.0.0.1"
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return settings.model_copy(update={"public_url": f"http://{host}:{port}"})


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from serve import malloc_arenas
    from serve.app import create_app
    from serve.auth.bootstrap import first_start, first_start_note
    from serve.config.settings import Settings

    settings = Settings(
        data_dir=args.data_dir,
        model=args.model,
        config=args.config,
        demo=not args.no_demo,
        **({"database_url": args.database} if args.database else {}),
        **({"backend": args.backend} if args.backend else {}),
        **({"precision": args.precision} if args.precision else {}),
        **({"input_shape": args.input_shape} if args.input_shape else {}),
        **({"batch_frames": args.batch_frames} if args.batch_frames else {}),
        **({"cluster": args.cluster} if args.cluster else {}),
        **({"cluster_workers": args.workers} if args.workers else {}),
        cluster_ingress_only=bool(args.ingress_only),
    )
    settings = with_public_url(settings, args.host, args.port)
    malloc_arenas.limit(settings.malloc_arenas)  # before the service starts its threads
    app = create_app(settings)  # a bad cameras file fails here, naming the file and field
    base = f"http://{args.host}:{args.port}"
    first = first_start(settings, f"{base}/login")  # no admin yet: make one, with a password file
    print(
        f"streetwatch: serving on {base}\n"
        f"  sign in:      {base}/login{first_start_note(first)}\n"
        f"  draft cases:  {base}/v1/cases\n"
        f"  cameras:      {base}/v1/cameras  (health: {base}/v1/cameras/<id>/health)\n"
        f"  API docs:     {base}/docs\n"
        f"  data:         {settings.data_dir.resolve()} (database, evidence, demo clip)"
        + (
            "\n  the demo camera replays a street clip; its first cases appear within a minute"
            if settings.demo
            else ""
        ),
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", **server_options(settings))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="streetwatch",
        description="Spot street-scene violations in city camera feeds.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("detect", help="run the detector on images")
    p.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model file or registry dir")
    p.add_argument("--backend", default="auto", help="auto, onnxruntime, openvino, ultralytics")
    p.add_argument("--conf", type=float, default=0.25, help="confidence threshold")
    p.add_argument("--iou", type=float, default=0.45, help="NMS IoU threshold")
    p.add_argument("--json", action="store_true", help="one JSON object per image per line")
    p.set_defaults(func=_detect)

    p = sub.add_parser("serve", help="run the HTTP service")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--data-dir", type=Path, default=Path("data"))
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    p.add_argument("--config", type=Path, default=None, help="cameras YAML")
    p.add_argument("--no-demo", action="store_true", help="do not load the demo camera")
    p.add_argument(
        "--database", default=None, help="SQLAlchemy URL (default: SQLite in --data-dir)"
    )
    p.add_argument(
        "--backend",
        choices=["auto", "onnxruntime", "openvino"],
        default=None,
        help="inference runtime (default: $STREETWATCH_BACKEND or auto: onnxruntime)",
    )
    p.add_argument(
        "--precision",
        choices=["f32", "bf16"],
        default=None,
        help="OpenVINO's inference precision (bf16: faster on CPUs with AMX)",
    )
    p.add_argument(
        "--input-shape",
        choices=["dynamic", "fixed"],
        default=None,
        help="OpenVINO: compile the model for each frame shape it sees (fixed: a little faster)",
    )
    p.add_argument(
        "--batch-frames",
        type=int,
        default=None,
        help="most frames of different cameras run as one model call (1: no batching; default 8)",
    )
    p.add_argument(
        "--cluster",
        default=None,
        metavar="local:N|auto|ray://HOST:PORT",
        help="run the cameras on Ray: local:N starts a local cluster with N camera workers, "
        "auto or ray://HOST:PORT joins one (pip install 'streetwatch[cluster]')",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="camera workers to start on a joined cluster (default 2)",
    )
    p.add_argument(
        "--ingress-only",
        action="store_true",
        help="another API process for a cluster whose coordinator runs: forwards frames "
        "and calls to the workers, starts none",
    )
    p.set_defaults(func=_serve)

    from serve.auth.cli import register as register_users

    register_users(sub)
    register_commands(sub)  # training's commands, through its entry point
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # the command as typed, for the records that name it (run records, model cards)
    args.argv = ["streetwatch", *(sys.argv[1:] if argv is None else argv)]
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        code: int = args.func(args)
    except (DetectorError, ValueError, FileNotFoundError) as exc:
        print(f"streetwatch {args.command}: error: {exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    raise SystemExit(main())
