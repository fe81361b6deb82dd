"""The plan view's base: an uploaded plan image (a district map, a site plan) with the
cameras pinned on it, kept under ``<data_dir>/plan/`` so the map works with no tile server
and no internet. One plan per service; writes are atomic (a crash leaves the old plan).

``plan.json`` holds the image's facts and the pins, ``{camera id: [x, y]}`` in the image's
pixels (x from the left, y from the top). A new image of another size moves the pins with
it (a plan re-exported at another resolution keeps its cameras where they were).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detector.image import decode_image
from detector.image_header import ImageLimits
from serve.private_files import private_dir, write_atomic

# a plan may be larger than a camera frame, not without bound: the browser shows it whole
PLAN_LIMITS = ImageLimits(max_pixels=64_000_000, min_side=64, max_aspect=20.0)
_KINDS = {b"\xff\xd8\xff": ("jpg", "image/jpeg"), b"\x89PNG\r\n\x1a\n": ("png", "image/png")}


class PlanError(ValueError):
    """A plan image or pin that cannot be taken (HTTP 422), saying why."""


@dataclass(frozen=True)
class PlanImage:
    file: str
    media_type: str
    width: int
    height: int
    sha256: str
    uploaded_at: str
    uploaded_by: str


@dataclass
class Plan:
    image: PlanImage | None = None
    pins: dict[str, tuple[float, float]] = field(default_factory=dict)


class PlanStore:
    """The plan image and pins under ``folder``; safe from many threads."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()

    def load(self) -> Plan:
        path = self.folder / "plan.json"
        if not path.is_file():
            return Plan()
        raw = json.loads(path.read_text(encoding="utf-8"))
        image = PlanImage(**raw["image"]) if raw.get("image") else None
        pins = {k: (float(v[0]), float(v[1])) for k, v in raw.get("pins", {}).items()}
        return Plan(image, pins)

    def image_path(self) -> tuple[Path, PlanImage] | None:
        image = self.load().image
        if image is None:
            return None
        return self.folder / image.file, image

    def set_image(self, data: bytes, actor: str) -> Plan:
        """Take ``data`` (JPEG or PNG) as the plan; PlanError if it is not one."""
        kind = next((k for magic, k in _KINDS.items() if data.startswith(magic)), None)
        if kind is None:
            raise PlanError("a plan image must be a JPEG or PNG file")
        try:
            decoded = decode_image(data, limits=PLAN_LIMITS)
        except ValueError as e:  # ImageDecodeError, ImageRejectedError
            raise PlanError(f"plan image: {e}") from e
        height, width = decoded.shape[:2]
        digest = hashlib.sha256(data).hexdigest()
        name = f"plan-{digest[:16]}.{kind[0]}"
        with self._lock:
            plan = self.load()
            private_dir(self.folder)
            write_atomic(self.folder / name, data)
            old = plan.image
            if old is not None and (old.width, old.height) != (width, height):
                sx, sy = width / old.width, height / old.height
                plan.pins = {k: (x * sx, y * sy) for k, (x, y) in plan.pins.items()}
            plan.image = PlanImage(
                name,
                kind[1],
                width,
                height,
                digest,
                dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                actor,
            )
            self._save(plan)
            if old is not None and old.file != name:
                (self.folder / old.file).unlink(missing_ok=True)
            return plan

    def pin(self, camera_id: str, x: float, y: float) -> Plan:
        """Put ``camera_id`` at (x, y) on the plan; PlanError without a plan or off it."""
        with self._lock:
            plan = self.load()
            if plan.image is None:
                raise PlanError("upload a plan image before pinning cameras on it")
            if not (0 <= x <= plan.image.width and 0 <= y <= plan.image.height):
                raise PlanError(
                    f"({x:g}, {y:g}) is off the plan, which is "
                    f"{plan.image.width}x{plan.image.height} px"
                )
            plan.pins[camera_id] = (round(x, 1), round(y, 1))
            self._save(plan)
            return plan

    def unpin(self, camera_id: str) -> Plan:
        with self._lock:
            plan = self.load()
            if plan.pins.pop(camera_id, None) is not None:
                self._save(plan)
            return plan

    def _save(self, plan: Plan) -> None:
        body: dict[str, Any] = {
            "image": None if plan.image is None else plan.image.__dict__,
            "pins": {k: list(v) for k, v in sorted(plan.pins.items())},
        }
        write_atomic(self.folder / "plan.json", json.dumps(body, ensure_ascii=False).encode())
