"""A service data dir with reviewed cases: the store and evidence as the service writes them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from serve.evidence.files import EvidenceFiles
from serve.store import CaseRecord, CaseRepo, EvidenceIn, NewCase, open_database

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
FRAME = (320, 240)  # width, height of every original frame


def frame_jpeg(seed: int, size: tuple[int, int] = FRAME) -> bytes:
    w, h = size
    image = np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return buf.tobytes()


@dataclass
class ReviewWorld:
    """Opens cases with an original frame and reviews them, through the real store."""

    data_dir: Path
    repo: CaseRepo
    files: EvidenceFiles
    opened: int = 0

    def case(
        self,
        label: str,
        box: tuple[float, float, float, float],
        *,
        camera: str = "cam-01",
        seen_s: tuple[float, float] = (0, 60),
        taken_s: float | None = None,
        seed: int | None = None,
        frame: bytes | None = None,
        violation: str = "illegal_parking",
        signal: str = "detector",
    ) -> CaseRecord:
        first, last = (T0 + dt.timedelta(seconds=s) for s in seen_s)
        taken = T0 + dt.timedelta(seconds=seen_s[1] if taken_s is None else taken_s)
        self.opened += 1
        key = f"{camera}-{self.opened}"
        data = frame if frame is not None else frame_jpeg(self.opened if seed is None else seed)
        stored = self.files.write(key, "original", data)
        original = EvidenceIn(
            kind="original",
            path=stored.relpath,
            sha256=stored.sha256,
            size=stored.size,
            width=FRAME[0],
            height=FRAME[1],
            taken_at=taken,
        )
        new = NewCase(
            camera_id=camera,
            violation=violation,
            label=label,
            signal=signal,
            first_seen=first,
            last_seen=last,
            confidence=0.7,
            box=box,
            address="香港中路 1 号",
            timezone="Asia/Shanghai",
            model_name="tiny",
            model_version="1.0",
        )
        return self.repo.create(new, [original])

    def confirm(self, case: CaseRecord, **corrections: Any) -> CaseRecord:
        return self.repo.review(case.id, actor="alice", decision="confirm", **corrections)

    def reject(self, case: CaseRecord, reason: str, **extra: Any) -> CaseRecord:
        return self.repo.review(case.id, actor="bob", decision="reject", reason=reason, **extra)


@contextmanager
def review_world(data_dir: Path) -> Iterator[ReviewWorld]:
    db = open_database(f"sqlite:///{data_dir / 'streetwatch.db'}")
    try:
        yield ReviewWorld(data_dir, CaseRepo(db), EvidenceFiles(data_dir / "evidence"))
    finally:
        db.dispose()
