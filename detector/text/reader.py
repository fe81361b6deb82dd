"""Reading text in a crop of a camera frame: PP-OCRv4 Chinese text detection and
recognition on onnxruntime (``rapidocr-onnxruntime``, Apache-2.0; its models ship inside
the wheel, so nothing is downloaded at run time).

The reader is built on first use (about 16 MB of models, ~0.5 s) and is safe to share:
calls are serialised, each runs on ``threads`` cores. A crop is read at a size that
makes small print legible: its shorter side is brought to ``min_side`` (within
``max_side`` for the longer one), which is what the detector's input, a whole frame
shrunk to 640 px, cannot give a flyer 60 px wide.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from detector.errors import DetectorError
from detector.geometry import Box
from detector.image import Image


@dataclass(frozen=True)
class TextLine:
    """One line of text: what it says, how sure the recogniser is (0..1), and its box
    (x1, y1, x2, y2) in the pixels of the image that was read."""

    text: str
    confidence: float
    box: Box
    # other readings of the same line, (text, confidence), e.g. before a re-read
    others: tuple[tuple[str, float], ...] = ()


class OcrUnavailableError(DetectorError):
    """The OCR package is not installed; the message says which one."""


class TextReader:
    """Reads the text lines in an image (BGR, any size: it is resized within bounds)."""

    def __init__(
        self, *, threads: int = 1, min_side: int = 320, max_side: int = 1280, min_score: float = 0.5
    ) -> None:
        if not 16 <= min_side <= max_side <= 4096:
            raise ValueError(f"need 16 <= min_side <= max_side <= 4096, got {min_side}, {max_side}")
        self.threads = threads
        self.min_side = min_side
        self.max_side = max_side
        self.min_score = min_score
        self._engine: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise OcrUnavailableError(
                "reading text needs rapidocr-onnxruntime: pip install rapidocr-onnxruntime"
            ) from exc
        return RapidOCR(
            intra_op_num_threads=self.threads,
            inter_op_num_threads=1,
            text_score=self.min_score,
            det_limit_type="max",
            det_limit_side_len=self.max_side,
        )

    def scale_for(self, width: int, height: int) -> float:
        """How much a ``width`` x ``height`` crop is enlarged (or shrunk) before reading."""
        scale = max(1.0, self.min_side / max(1, min(width, height)))
        return min(scale, self.max_side / max(1, width, height))

    def read(self, image: Image) -> list[TextLine]:
        """The lines of text in ``image``, top to bottom, boxes in ``image``'s pixels."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"need a BGR uint8 image, got {image.dtype} {image.shape}")
        h, w = image.shape[:2]
        if min(h, w) < 4:
            return []
        scale = self.scale_for(w, h)
        big = (
            image
            if abs(scale - 1.0) < 1e-3
            else cv2.resize(
                image,
                (max(1, round(w * scale)), max(1, round(h * scale))),
                interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA,
            )
        )
        with self._lock:
            if self._engine is None:
                self._engine = self._load()
            found, _ = self._engine(np.ascontiguousarray(big))
        lines = []
        for quad, text, score in found or []:
            pts = np.asarray(quad, dtype=np.float64) / scale
            box = (
                float(pts[:, 0].min()),
                float(pts[:, 1].min()),
                float(pts[:, 0].max()),
                float(pts[:, 1].max()),
            )
            lines.append(TextLine(str(text), float(score), box))
        if scale >= ZOOMED:
            lines = self._reread_numbers(image, lines)
        return sorted(lines, key=lambda line: (line.box[1], line.box[0]))

    def _reread_numbers(self, image: Image, lines: list[TextLine]) -> list[TextLine]:
        """Lines printing a number read again on their own, cut tight from ``image`` at
        its own resolution and brought to the recogniser's height (``REREAD_HEIGHT``).

        The first reading recognises a line cut from the enlarged crop along the
        detector's outline; small, blurred digits come out better (5 vs 3, 9 vs 4) from
        the original pixels with a quarter-line margin: on 200 rendered flyers this turned
        16 of 21 misread numbers right. The second reading replaces the first when it
        prints at least as many digits."""
        numeric = [i for i, ln in enumerate(lines) if digits(ln.text) >= MIN_NUMBER_DIGITS]
        if not numeric:
            return lines
        h, w = image.shape[:2]
        cuts = []
        for i in numeric:
            x1, y1, x2, y2 = lines[i].box
            pad = REREAD_MARGIN * (y2 - y1)
            cut = image[
                max(0, int(y1 - pad)) : min(h, int(np.ceil(y2 + pad))),
                max(0, int(x1 - pad)) : min(w, int(np.ceil(x2 + pad))),
            ]
            scale = REREAD_HEIGHT / max(1, cut.shape[0])
            size = (max(1, round(cut.shape[1] * scale)), REREAD_HEIGHT)
            interp = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
            cuts.append(np.ascontiguousarray(cv2.resize(cut, size, interpolation=interp)))
        with self._lock:
            reread, _ = self._engine.text_rec(cuts)
        out = list(lines)
        for i, (text, score) in zip(numeric, reread, strict=True):
            first = lines[i]
            if digits(str(text)) >= digits(first.text):
                out[i] = TextLine(
                    str(text), float(score), first.box, ((first.text, first.confidence),)
                )
        return out


# a line with at least this many digits is read a second time, on its own
MIN_NUMBER_DIGITS = 6
# an image enlarged at least this much is outlined tightly enough to re-read its lines
# there (one read nearer its own size is zoomed into instead: detector.text.zoom)
ZOOMED = 1.5
# the height (px) the recogniser takes its lines at (PP-OCRv4 rec: 48)
REREAD_HEIGHT = 48
# the margin around a line cut for its second reading, in line heights
REREAD_MARGIN = 0.25


def digits(text: str) -> int:
    """How many digits ``text`` prints."""
    return sum(ch.isdigit() for ch in text)


def _iou(a: Box, b: tuple[float, float, float, float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def tiles(
    width: int, height: int, tile: int, overlap: float = 0.15
) -> list[tuple[int, int, int, int]]:
    """Windows (x1, y1, x2, y2) of at most ``tile`` px a side covering the image, each
    overlapping the next by ``overlap`` so a line cut by one edge is whole in the next.

    >>> tiles(1000, 500, 1280)
    [(0, 0, 1000, 500)]
    >>> len(tiles(3840, 2160, 1280))
    8
    """

    def starts(size: int) -> list[int]:
        if size <= tile:
            return [0]
        step = int(tile * (1 - overlap))
        count = -(-(size - tile) // step) + 1
        return [round(i * (size - tile) / (count - 1)) for i in range(count)]

    return [
        (x, y, min(width, x + tile), min(height, y + tile))
        for y in starts(height)
        for x in starts(width)
    ]


def sweep(reader: TextReader, image: Image, tile: int = 1280) -> list[TextLine]:
    """Every line of text in ``image`` at its own resolution: read tile by tile (no
    shrinking of a 4K frame to 1280 px), lines found twice in overlaps kept once."""
    h, w = image.shape[:2]
    found: list[TextLine] = []
    for x1, y1, x2, y2 in tiles(w, h, tile):
        for line in reader.read(image[y1:y2, x1:x2]):
            b = line.box
            moved = TextLine(
                line.text, line.confidence, (b[0] + x1, b[1] + y1, b[2] + x1, b[3] + y1)
            )
            twin = next((i for i, f in enumerate(found) if _iou(f.box, moved.box) > 0.5), None)
            if twin is None:
                found.append(moved)
            elif found[twin].confidence < moved.confidence:
                found[twin] = moved
    return sorted(found, key=lambda line: (line.box[1], line.box[0]))
