"""Re-inspection (回头看): a dispatched case whose violation is gone is verified cleared."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from detector.frame import ScaledFrame
from detector.taxonomy import Taxonomy
from serve.config.cameras import Camera
from serve.evidence.files import EvidenceFiles
from serve.evidence.render import Annotation, annotate, encode_jpeg
from serve.store.cases import CaseRepo
from serve.store.records import CaseRecord, EvidenceIn
from serve.workflow import CaseStatus

logger = logging.getLogger(__name__)

DISPATCHED_REFRESH_S = 30.0


@dataclass
class _Absence:
    """How many checks in a row found a dispatched case's object gone, and the last one."""

    checks: int = 0
    last: dt.datetime | None = None


class Reinspector:
    """Checks one camera's dispatched cases against what each frame still shows."""

    def __init__(
        self,
        camera: Camera,
        *,
        taxonomy: Taxonomy,
        cases: CaseRepo,
        files: EvidenceFiles,
        checks: int = 3,
        interval_s: float = 60.0,
    ) -> None:
        self.camera = camera
        self.taxonomy = taxonomy
        self.cases = cases
        self.files = files
        self.checks = checks
        self.interval_s = interval_s
        self._dispatched: dict[int, CaseRecord] = {}
        self._fetched = -1e18
        self._absent: dict[int, _Absence] = {}

    def check(self, seen: set[int], frame: ScaledFrame, at: dt.datetime) -> None:
        """A dispatched case not in ``seen`` for ``checks`` checks, ``interval_s`` apart, is
        verified cleared with this frame of the cleared scene."""
        now = time.monotonic()
        if now - self._fetched > DISPATCHED_REFRESH_S:
            records, _ = self.cases.list(
                status=CaseStatus.DISPATCHED, camera_id=self.camera.id, limit=500
            )
            self._dispatched = {r.id: r for r in records}
            self._fetched = now
        for case_id, record in list(self._dispatched.items()):
            absence = self._absent.setdefault(case_id, _Absence())
            if case_id in seen:
                absence.checks, absence.last = 0, None
                continue
            last = absence.last
            if last is not None and (at - last).total_seconds() < self.interval_s:
                continue
            absence.checks += 1
            absence.last = at
            if absence.checks < self.checks:
                continue
            self._clear(record, frame, at, absence.checks)
            del self._dispatched[case_id]
            del self._absent[case_id]

    def forget(self) -> None:
        """Re-read the dispatched cases at the next frame (one was just dispatched)."""
        self._fetched = -1e18

    def _clear(self, record: CaseRecord, frame: ScaledFrame, at: dt.datetime, checks: int) -> None:
        violation = self.taxonomy.violation(record.violation)
        annotation = Annotation(
            box=record.box,
            label=f"已清除 · {violation.zh} (核查 {checks} 次)",
            fallback_label=f"cleared · {violation.en} ({checks} checks)",
            header=(
                f"{self.camera.name or self.camera.id}  {self.camera.address}".strip(),
                at.astimezone(self.camera.tz).isoformat(sep=" ", timespec="seconds"),
            ),
        )
        image = annotate(frame.full(), annotation).image
        key = record.evidence[0].path.split("/")[0] if record.evidence else f"case{record.id}"
        stored = self.files.write(key, "cleared", encode_jpeg(image))
        self.cases.update(
            record.id,
            last_seen=record.last_seen,
            evidence=[
                EvidenceIn(
                    kind="cleared",
                    path=stored.relpath,
                    sha256=stored.sha256,
                    size=stored.size,
                    width=image.shape[1],
                    height=image.shape[0],
                    taken_at=at,
                )
            ],
        )
        self.cases.transition(
            record.id,
            CaseStatus.VERIFIED_CLEARED,
            actor="system",
            reason="reinspection",
            detail={"checks": checks, "interval_s": self.interval_s},
        )
        logger.info("camera %s: case %d verified cleared", self.camera.id, record.id)
