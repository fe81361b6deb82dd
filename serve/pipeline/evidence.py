"""A case's evidence from a frame: the annotated frame, the original and the crop."""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt

from detector.geometry import Box
from detector.rules.engine import ViolationEvent
from detector.taxonomy import Taxonomy
from detector.zones import Zone
from serve.config.cameras import Camera
from serve.evidence.files import EvidenceFiles
from serve.evidence.render import Annotation, annotate, crop, encode_jpeg
from serve.store.records import EvidenceIn, EvidenceKind

Image = npt.NDArray[np.uint8]
# one evidence file to write: kind, JPEG bytes, (width, height), when it was taken
Item = tuple[EvidenceKind, bytes, tuple[int, int], dt.datetime]


class EvidenceMaker:
    """Annotates, encodes and writes one camera's evidence files."""

    def __init__(self, camera: Camera, taxonomy: Taxonomy, files: EvidenceFiles) -> None:
        self.camera = camera
        self.taxonomy = taxonomy
        self.files = files

    def zone(self, zone_id: str | None) -> Zone | None:
        return next((z for z in self.camera.zones if z.id == zone_id), None)

    def event_annotation(self, event: ViolationEvent, at: dt.datetime) -> Annotation:
        violation = self.taxonomy.violation(event.violation)
        cls = next(c for c in self.taxonomy.classes if c.name == event.label)
        return self.annotation(
            event.box,
            f"{violation.zh} · {cls.zh} {event.confidence:.2f}",
            f"{violation.en} · {event.label} {event.confidence:.2f}",
            self.zone(event.zone_id),
            at,
        )

    def annotation(
        self, box: Box, label: str, fallback: str, zone: Zone | None, at: dt.datetime
    ) -> Annotation:
        local = at.astimezone(self.camera.tz)
        cam = self.camera
        return Annotation(
            box=box,
            label=label,
            fallback_label=fallback,
            zone_polygon=zone.polygon if zone else None,
            zone_label=(zone.name or zone.id) if zone else None,
            header=tuple(
                line
                for line in (
                    f"{cam.name or cam.id}  {cam.address}".strip(),
                    local.isoformat(sep=" ", timespec="seconds"),
                )
                if line
            ),
        )

    def items(self, annotation: Annotation, box: Box, frame: Image, at: dt.datetime) -> list[Item]:
        """The annotated frame, the original and the object's crop, encoded."""
        h, w = frame.shape[:2]
        annotated = annotate(frame, annotation).image
        cropped = crop(frame, box)
        return [
            ("annotated", encode_jpeg(annotated), (annotated.shape[1], annotated.shape[0]), at),
            ("original", encode_jpeg(frame, quality=95), (w, h), at),
            ("crop", encode_jpeg(cropped), (cropped.shape[1], cropped.shape[0]), at),
        ]

    def write(self, key: str, items: list[Item]) -> list[EvidenceIn]:
        """Write the evidence files (atomically); returns the rows to record."""
        rows = []
        for kind, data, (ew, eh), taken in items:
            stored = self.files.write(key, kind, data)
            rows.append(
                EvidenceIn(
                    kind=kind,
                    path=stored.relpath,
                    sha256=stored.sha256,
                    size=stored.size,
                    width=ew,
                    height=eh,
                    taken_at=taken,
                )
            )
        return rows
