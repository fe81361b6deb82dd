"""Small builders for store inputs."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from serve.config.cameras import Camera
from serve.store import EvidenceIn, EvidenceKind, NewCase

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def new_case(**overrides: Any) -> NewCase:
    fields: dict[str, Any] = {
        "camera_id": "cam-01",
        "violation": "illegal_parking",
        "label": "car",
        "first_seen": T0,
        "last_seen": T0 + timedelta(seconds=5),
        "confidence": 0.6,
        "box": (10.0, 20.0, 110.0, 90.0),
        "address": "人民路 12 号",
        "timezone": "Asia/Shanghai",
        "model_name": "streetwatch-yolo",
        "model_version": "0.1.0",
    }
    fields.update(overrides)
    return NewCase(**fields)


def evidence_in(kind: EvidenceKind, path: str | None = None, **overrides: Any) -> EvidenceIn:
    path = path or f"case-a/{kind}.jpg"
    fields: dict[str, Any] = {
        "kind": kind,
        "path": path,
        "sha256": hashlib.sha256(path.encode()).hexdigest(),
        "size": 1234,
        "width": 640,
        "height": 480,
        "taken_at": T0,
    }
    fields.update(overrides)
    return EvidenceIn(**fields)


def camera(camera_id: str = "cam-01", **overrides: Any) -> Camera:
    fields: dict[str, Any] = {"id": camera_id, "name": "North gate", "address": "人民路 12 号"}
    fields.update(overrides)
    return Camera.model_validate(fields)
