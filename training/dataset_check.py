"""`streetwatch data check`: walk a YOLO dataset and collect every problem, not the first.

Bad label lines (file and line number), undecodable images, labels without an
image, and identical images in two splits (train/val leakage) are problems;
images without a label file are background images and only counted.
"""

from __future__ import annotations

import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from training.yolo_dataset import (
    DatasetError,
    DatasetSpec,
    images_of,
    label_path_for,
    read_label_file,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.message}"


@dataclass
class SplitStats:
    """Counts for one split; ``boxes_per_class`` is indexed by class id."""

    split: str
    images: int = 0
    background: int = 0  # images with no boxes (no label file, or an empty one)
    no_label_file: int = 0
    duplicates: int = 0  # images identical to an earlier one in the same split
    boxes_per_class: list[int] = field(default_factory=list)

    @property
    def boxes(self) -> int:
        return sum(self.boxes_per_class)


@dataclass
class CheckReport:
    spec: DatasetSpec
    splits: dict[str, SplitStats]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems

    def format(self, max_problems: int | None = None) -> str:
        """Readable report: per-class box counts by split, then every problem."""
        s = self.spec
        lines = [f"dataset {s.yaml_path} (root {s.root}, {s.nc} classes)"]
        stats = list(self.splits.values())
        rows = [
            (name, *(str(st.boxes_per_class[i]) for st in stats)) for i, name in enumerate(s.names)
        ]
        rows += [
            ("boxes", *(str(st.boxes) for st in stats)),
            ("images", *(str(st.images) for st in stats)),
            ("background images", *(str(st.background) for st in stats)),
            ("  without label file", *(str(st.no_label_file) for st in stats)),
            ("duplicates in split", *(str(st.duplicates) for st in stats)),
        ]
        header = ("class", *(st.split for st in stats))
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
        for row in (header, *rows):
            cells = [
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ]
            lines.append("  ".join(cells))
        if self.ok:
            lines.append("no problems found")
            return "\n".join(lines)
        lines.append(f"{len(self.problems)} problem(s):")
        shown = self.problems if max_problems is None else self.problems[:max_problems]
        lines += [f"  {p}" for p in shown]
        if len(shown) < len(self.problems):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more")
        return "\n".join(lines)


def _digest_and_decode(path: Path) -> tuple[str | None, bool]:
    """(sha256, decodes) of an image file; sha256 is None when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError:
        return None, False
    # A reduced decode still fails on anything cv2.imread would reject, and is much faster.
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_4)
    return hashlib.sha256(data).hexdigest(), image is not None


def check_dataset(spec: DatasetSpec, *, workers: int = 4, progress: bool = True) -> CheckReport:
    """Walk every split of ``spec`` and collect every problem found."""
    problems: list[Problem] = []
    stats: dict[str, SplitStats] = {}
    expected_labels: set[Path] = set()
    seen: dict[str, tuple[str, Path]] = {}  # sha256 -> (split, first image)
    with ThreadPoolExecutor(max(1, workers)) as pool:
        for split in spec.splits:
            st = stats[split] = SplitStats(split, boxes_per_class=[0] * spec.nc)
            images = _present_images(spec, split, problems)
            st.images = len(images)
            for image in images:
                label = label_path_for(image)
                expected_labels.add(label)
                _count_labels(label, spec.nc, st, problems)
            results = pool.map(_digest_and_decode, images)
            bar = tqdm(results, total=len(images), desc=f"check {split}", disable=not progress)
            for image, (digest, decodes) in zip(images, bar, strict=True):
                if not decodes:
                    problems.append(Problem(image, None, "image cannot be decoded"))
                if digest is None:
                    continue
                if digest not in seen:
                    seen[digest] = (split, image)
                    continue
                first_split, first = seen[digest]
                if first_split == split:
                    st.duplicates += 1
                else:
                    message = f"identical to {first} in the {first_split} split"
                    problems.append(
                        Problem(image, None, f"{message} ({first_split}/{split} leakage)")
                    )
    list_files = {src for sources in spec.splits.values() for src in sources}
    for label_dir in sorted({p.parent for p in expected_labels}):
        if label_dir.is_dir():
            for orphan in sorted(set(label_dir.glob("*.txt")) - expected_labels - list_files):
                problems.append(Problem(orphan, None, "label file has no image in any split"))
    logger.info("checked %s: %d problem(s)", spec.yaml_path, len(problems))
    return CheckReport(spec, stats, problems)


def _present_images(spec: DatasetSpec, split: str, problems: list[Problem]) -> list[Path]:
    images: list[Path] = []
    for src in spec.sources(split):
        try:
            images += images_of(src, spec.root)
        except (DatasetError, OSError) as exc:
            problems.append(Problem(src, None, f"{split} split: {exc}"))
    missing = [p for p in images if not p.is_file()]
    problems += [Problem(p, None, f"{split} split lists a missing image") for p in missing]
    gone = set(missing)
    return [p for p in images if p not in gone]


def _count_labels(label: Path, nc: int, st: SplitStats, problems: list[Problem]) -> None:
    if not label.is_file():
        st.no_label_file += 1
        st.background += 1
        return
    try:
        classes, _, errors = read_label_file(label, nc)
    except OSError as exc:
        problems.append(Problem(label, None, f"cannot read label file: {exc}"))
        return
    problems += [Problem(e.path, e.line, e.message) for e in errors]
    st.background += len(classes) == 0
    for c, n in zip(*np.unique(classes, return_counts=True), strict=True):
        st.boxes_per_class[int(c)] += int(n)
