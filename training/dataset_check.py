"""`streetwatch data check`: walk a YOLO dataset and collect every problem, not the first.

Bad label lines (file and line number), undecodable images, labels without an
image, and copies of one photo in two splits (train/val leakage: identical files,
Roboflow ``.rf.`` copies, near-identical images by perceptual hash; see
`training.photos`) are problems; images without a label file are background images
and only counted.
"""

from __future__ import annotations

import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from training.photos import (
    MAX_DISTANCE,
    RF_MARK,
    PhotoItem,
    group_photos,
    is_flat,
    perceptual_hash,
)
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


@dataclass(frozen=True)
class _Digest:
    sha256: str | None  # None: the file cannot be read
    decodes: bool
    phash: tuple[int, int] | None  # None: undecodable or flat


def _digest_and_decode(path: Path) -> _Digest:
    try:
        data = path.read_bytes()
    except OSError:
        return _Digest(None, False, None)
    # A reduced decode still fails on anything cv2.imread would reject, and is much faster.
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_4)
    phash = None
    if image is not None:
        grey: npt.NDArray[np.uint8] = np.asarray(image, dtype=np.uint8)
        phash = None if is_flat(grey) else perceptual_hash(grey)
    return _Digest(hashlib.sha256(data).hexdigest(), image is not None, phash)


def _cross_split_photos(
    photos: list[tuple[str, Path, tuple[int, int] | None]], max_distance: int
) -> list[Problem]:
    """One problem per photo with copies in more than one split (beyond identical files,
    which the sha256 pass reports): same ``.rf.`` stem in one folder, or near hashes."""
    # Roboflow copies share their ``.rf.`` stem wherever they lie; other names are only
    # the same photo within one folder (``images/train/0.jpg`` and ``images/val/0.jpg`` differ)
    items = [
        PhotoItem("" if RF_MARK in image.name else str(image.parent), image.name, *(h or (0, 0)))
        for _, image, h in photos
    ]
    groups = group_photos(
        items, max_distance=max_distance, compare=[h is not None for *_, h in photos]
    )
    members: dict[int, list[tuple[str, Path]]] = {}
    for g, (split, image, _) in zip(groups, photos, strict=True):
        members.setdefault(g, []).append((split, image))
    problems = []
    for group in members.values():
        by_split: dict[str, list[Path]] = {}
        for split, image in group:
            by_split.setdefault(split, []).append(image)
        if len(by_split) < 2:
            continue
        first, *rest = sorted(by_split)
        for split in rest:
            others = ", ".join(str(p) for p in by_split[first][:3])
            more = len(by_split[first]) - 3
            problems.append(
                Problem(
                    by_split[split][0],
                    None,
                    f"the same photo as {len(by_split[first])} {first} image(s) ({others}"
                    f"{f' and {more} more' if more > 0 else ''}): {len(by_split[split])} "
                    f"{split} image(s) of it ({first}/{split} leakage by photo)",
                )
            )
    return problems


def check_dataset(
    spec: DatasetSpec,
    *,
    workers: int = 4,
    progress: bool = True,
    max_distance: int = MAX_DISTANCE,
) -> CheckReport:
    """Walk every split of ``spec`` and collect every problem found."""
    problems: list[Problem] = []
    stats: dict[str, SplitStats] = {}
    expected_labels: set[Path] = set()
    seen: dict[str, tuple[str, Path]] = {}  # sha256 -> (split, first image)
    photos: list[tuple[str, Path, tuple[int, int] | None]] = []  # one per distinct file
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
            for image, d in zip(images, bar, strict=True):
                if not d.decodes:
                    problems.append(Problem(image, None, "image cannot be decoded"))
                if d.sha256 is None:
                    continue
                digest = d.sha256
                if digest not in seen:
                    seen[digest] = (split, image)
                    photos.append((split, image, d.phash))
                    continue
                first_split, first = seen[digest]
                if first_split == split:
                    st.duplicates += 1
                else:
                    message = f"identical to {first} in the {first_split} split"
                    problems.append(
                        Problem(image, None, f"{message} ({first_split}/{split} leakage)")
                    )
    problems += _cross_split_photos(photos, max_distance)
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
