"""The one detection container every stage passes around."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

BoolMask = npt.NDArray[np.bool_]
Index = int | slice | list[int] | npt.NDArray[np.int64] | BoolMask


def _check_length(name: str, array: npt.NDArray[Any] | None, n: int) -> None:
    if array is not None and len(array) != n:
        raise ValueError(f"Detections.{name} must have {n} rows to match xyxy, got {len(array)}")


@dataclass
class Detections:
    """Boxes in image pixels with their scores and classes.

    ``xyxy`` is (N, 4) float32, ``confidence`` (N,) float32, ``class_id`` (N,) int64,
    ``tracker_id`` optional (N,) int64, and ``data`` holds any further per-box arrays.

    >>> d = Detections(xyxy=np.array([[0, 0, 10, 10]], np.float32),
    ...                confidence=np.array([0.9], np.float32), class_id=np.array([3]))
    >>> len(d[d.confidence > 0.5])
    1
    """

    xyxy: npt.NDArray[np.float32]
    confidence: npt.NDArray[np.float32]
    class_id: npt.NDArray[np.int64]
    tracker_id: npt.NDArray[np.int64] | None = None
    data: dict[str, npt.NDArray[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.xyxy = np.asarray(self.xyxy, dtype=np.float32).reshape(-1, 4)
        n = len(self.xyxy)
        self.confidence = np.asarray(self.confidence, dtype=np.float32).reshape(-1)
        self.class_id = np.asarray(self.class_id, dtype=np.int64).reshape(-1)
        _check_length("confidence", self.confidence, n)
        _check_length("class_id", self.class_id, n)
        if self.tracker_id is not None:
            self.tracker_id = np.asarray(self.tracker_id, dtype=np.int64).reshape(-1)
            _check_length("tracker_id", self.tracker_id, n)
        for key, value in self.data.items():
            self.data[key] = np.asarray(value)
            _check_length(f"data[{key!r}]", self.data[key], n)

    @classmethod
    def empty(cls) -> Detections:
        return cls(
            xyxy=np.zeros((0, 4), np.float32),
            confidence=np.zeros(0, np.float32),
            class_id=np.zeros(0, np.int64),
        )

    @classmethod
    def merge(cls, parts: list[Detections]) -> Detections:
        """Concatenate detections; ``tracker_id`` and ``data`` keys must agree."""
        if not parts:
            return cls.empty()
        has_tracker = {p.tracker_id is not None for p in parts}
        keys = {frozenset(p.data) for p in parts}
        if len(has_tracker) > 1 or len(keys) > 1:
            raise ValueError("cannot merge Detections with different tracker_id / data fields")
        return cls(
            xyxy=np.concatenate([p.xyxy for p in parts]),
            confidence=np.concatenate([p.confidence for p in parts]),
            class_id=np.concatenate([p.class_id for p in parts]),
            tracker_id=(
                np.concatenate([p.tracker_id for p in parts if p.tracker_id is not None])
                if True in has_tracker
                else None
            ),
            data={k: np.concatenate([p.data[k] for p in parts]) for k in parts[0].data},
        )

    def __len__(self) -> int:
        return len(self.xyxy)

    def __iter__(self) -> Iterator[Detections]:
        for i in range(len(self)):
            yield self[i]

    def __getitem__(self, index: Index) -> Detections:
        if isinstance(index, int):
            index = [index]
        return Detections(
            xyxy=self.xyxy[index],
            confidence=self.confidence[index],
            class_id=self.class_id[index],
            tracker_id=None if self.tracker_id is None else self.tracker_id[index],
            data={k: v[index] for k, v in self.data.items()},
        )

    @property
    def area(self) -> npt.NDArray[np.float32]:
        wh = np.clip(self.xyxy[:, 2:] - self.xyxy[:, :2], 0, None)
        area: npt.NDArray[np.float32] = (wh[:, 0] * wh[:, 1]).astype(np.float32)
        return area

    def to_records(self, names: Mapping[int, str] | list[str]) -> list[dict[str, Any]]:
        """JSON-ready dicts ``{label, class_id, confidence, box}``, boxes rounded to 0.1 px."""
        return [
            {
                "label": names[int(c)],
                "class_id": int(c),
                "confidence": round(float(s), 4),
                "box": [round(float(v), 1) for v in box],
            }
            for box, s, c in zip(self.xyxy, self.confidence, self.class_id, strict=True)
        ]
