"""`streetwatch data from-reviews`: reviewed cases -> a YOLO dataset for the next model.

Every reviewed case contributes its ``original`` evidence frame (checked against the
SHA-256 its case records):

- a confirmed case (confirmed, dispatched, verified_cleared, closed) is a positive labelled
  with its current ``label`` and ``box`` (the reviewer's correction when one was made);
- a ``wrong_class`` rejection whose reviewer gave the right class is a positive with it;
- a ``false_positive`` rejection of something the detector reported is a hard negative:
  its frame is kept, labelled only with the other known objects of that camera whose case
  was open ([first_seen, last_seen]) when the frame was taken (empty where there are none);
- a new static object (found by the scene baseline, not the detector) that a reviewer
  named is a positive with that name: confirmed as a violation, or rejected as
  ``no_violation`` with the class it is. This is how the first real labels for classes
  without training data (stalls, goods, flyers, graffiti) come about. Unnamed ones and
  scene false positives (the detector reported nothing there) are counted, not used;
- other rejections (permitted, duplicate, other) and unreviewed drafts are counted, not used.

Every frame also carries the other known objects of its camera at that time, so a true
object is never taught as background. Cases that share one frame become one image.
Output is deterministic (names from case id + image hash, train/val by a hash of the case
id, no timestamps), so exporting the same reviews twice gives byte-identical files.

>>> cases = load_cases("sqlite:///data/streetwatch.db")  # doctest: +SKIP
>>> manifest = export_reviews(cases, Path("data/evidence"), Path("build/reviews"))  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from PIL import Image, UnidentifiedImageError

from detector.taxonomy import Taxonomy, load_taxonomy
from serve.evidence.files import EvidenceFiles
from serve.store.records import CaseRecord, EvidenceRecord
from serve.workflow import ACCEPTED, CaseStatus
from training.splits import is_val

logger = logging.getLogger(__name__)

KIND = "streetwatch-reviews"
MANIFEST = "manifest.json"
SET_NAME = "reviews"
_PAGE = 1000


class ReviewExportError(ValueError):
    """A reviewed case that cannot be exported (missing or altered evidence, bad box)."""


class NothingToExportError(ValueError):
    """No reviewed case gives a training image."""


def load_cases(database_url: str) -> list[CaseRecord]:
    """Every case in the database, by id (reads only; migrates an older schema first)."""
    from serve.store.cases import CaseRepo
    from serve.store.database import open_database

    db = open_database(database_url)
    try:
        repo = CaseRepo(db)
        by_id: dict[int, CaseRecord] = {}
        offset = 0
        while True:
            # newest first: a case opened meanwhile shifts the pages, so ids repeat, none is missed
            page, total = repo.list(limit=_PAGE, offset=offset)
            by_id.update((c.id, c) for c in page)
            offset += _PAGE
            if not page or offset >= total:
                break
    finally:
        db.dispose()
    return [by_id[i] for i in sorted(by_id)]


def decision_of(case: CaseRecord) -> str:
    """``positive``, ``corrected``, ``hard_negative`` or why the case is skipped."""
    if case.status in ACCEPTED:
        return "positive"
    if case.status != CaseStatus.REJECTED:
        return case.status
    reason = case.reject_reason or "unknown"
    if reason == "false_positive":
        # the scene baseline's mistake teaches the detector nothing
        return "rejected/scene_false_positive" if case.signal == "scene" else "hard_negative"
    if reason == "no_violation":
        named = case.label in _taxonomy_names() and case.label != case.detected_label
        return "named" if named else "rejected/no_violation_unnamed"
    if reason == "wrong_class":
        corrected = case.detected_label and case.label != case.detected_label
        return "corrected" if corrected else "rejected/wrong_class_uncorrected"
    return f"rejected/{reason}"


_USED = frozenset({"positive", "corrected", "named", "hard_negative"})
# a true object of a known class and place
_KNOWN = frozenset({"positive", "corrected", "named"})


@functools.cache
def _taxonomy_names() -> frozenset[str]:
    return frozenset(load_taxonomy().names)


@dataclass
class _Frame:
    """One image file and everything known to be in it."""

    sha256: str
    data: bytes
    suffix: str
    width: int
    height: int
    case_ids: list[int] = field(default_factory=list)
    lines: set[str] = field(default_factory=set)


def _yolo_line(case: CaseRecord, width: int, height: int, taxonomy: Taxonomy) -> str:
    if case.label not in taxonomy.names:
        raise ReviewExportError(
            f"case {case.id}: label {case.label!r} is not a taxonomy class {taxonomy.names}"
        )
    x1, y1, x2, y2 = case.box
    x1, x2 = sorted((min(max(x1, 0.0), width), min(max(x2, 0.0), width)))
    y1, y2 = sorted((min(max(y1, 0.0), height), min(max(y2, 0.0), height)))
    if x2 - x1 < 1 or y2 - y1 < 1:
        raise ReviewExportError(
            f"case {case.id}: box {list(case.box)} has no area inside its {width}x{height} frame"
        )
    return (
        f"{taxonomy.class_id(case.label)} {(x1 + x2) / 2 / width:.6f} "
        f"{(y1 + y2) / 2 / height:.6f} {(x2 - x1) / width:.6f} {(y2 - y1) / height:.6f}"
    )


def _read_original(case: CaseRecord, evidence: EvidenceFiles) -> tuple[_Frame, EvidenceRecord]:
    original = case.evidence_of("original")
    if original is None:
        raise ReviewExportError(f"case {case.id} has no original frame among its evidence")
    try:
        data = evidence.path(original.path).read_bytes()
    except (OSError, ValueError) as exc:
        raise ReviewExportError(
            f"case {case.id}: cannot read its original frame {original.path}: {exc}"
        ) from exc
    sha = hashlib.sha256(data).hexdigest()
    if sha != original.sha256:
        raise ReviewExportError(
            f"case {case.id}: original frame {original.path} has sha256 {sha}, but the case "
            f"records {original.sha256}: the evidence was altered or replaced"
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            size = image.size
    except (UnidentifiedImageError, OSError) as exc:
        raise ReviewExportError(
            f"case {case.id}: original frame {original.path} is not an image: {exc}"
        ) from exc
    if size != (original.width, original.height):
        raise ReviewExportError(
            f"case {case.id}: original frame {original.path} is {size[0]}x{size[1]}, the case "
            f"records {original.width}x{original.height}"
        )
    suffix = PurePosixPath(original.path).suffix.lower() or ".jpg"
    return _Frame(sha, data, suffix, original.width, original.height), original


def _co_visible(
    case: CaseRecord, known: Sequence[CaseRecord], taken_at: datetime
) -> list[CaseRecord]:
    return [
        k
        for k in known
        if k.id != case.id
        and k.camera_id == case.camera_id
        and k.first_seen <= taken_at <= k.last_seen
    ]


def _write(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _frame_after_review(case: CaseRecord) -> bool:
    """Whether a later sighting replaced the frame the reviewer judged (the box kept is theirs,
    so on a moved object it may be off in this frame)."""
    original = case.evidence_of("original")
    return bool(original and case.reviewed_at and original.created_at > case.reviewed_at)


def _case_entry(case: CaseRecord, decision: str) -> dict[str, Any]:
    original = case.evidence_of("original")
    return {
        "id": case.id,
        "camera_id": case.camera_id,
        "violation": case.violation,
        "status": case.status,
        "reject_reason": case.reject_reason,
        "decision": decision,
        "detected_label": case.detected_label,
        "detected_box": list(case.detected_box),
        "label": case.label,
        "box": list(case.box),
        "reviewed_by": case.reviewed_by,
        "reviewed_at": case.reviewed_at.isoformat() if case.reviewed_at else None,
        "model": {"name": case.model_name, "version": case.model_version},
        "original_sha256": original.sha256 if original else None,
        "frame_after_review": _frame_after_review(case),
    }


def _check_out(out: Path) -> None:
    """Refuse to replace a folder that is not an earlier review export."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ReviewExportError(f"--out {out} exists and is not a folder")
    manifest = out / MANIFEST
    if any(out.iterdir()):
        try:
            kind = json.loads(manifest.read_text(encoding="utf-8")).get("kind")
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            kind = None
        if kind != KIND:
            raise ReviewExportError(
                f"--out {out} holds other files; give an empty folder or an earlier review export"
            )


def export_reviews(
    cases: Sequence[CaseRecord],
    evidence_root: Path,
    out: Path,
    *,
    val_fraction: float = 0.2,
    since: datetime | None = None,
    taxonomy: Taxonomy | None = None,
    source: str = "",
) -> dict[str, Any]:
    """Write the YOLO dataset of ``cases``' reviews to ``out``; returns its manifest.

    ``since`` keeps only cases reviewed at or after it (all confirmed cases still label the
    objects they saw in other frames). ``source`` (the database) is recorded in the manifest.
    """
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    if since is not None and since.tzinfo is None:
        raise ValueError(f"since must be timezone-aware, got {since.isoformat()}")
    taxonomy = taxonomy or load_taxonomy()
    _check_out(out)
    evidence = EvidenceFiles(evidence_root)
    ordered = sorted(cases, key=lambda c: c.id)
    decisions = {c.id: decision_of(c) for c in ordered}
    known = [c for c in ordered if decisions[c.id] in _KNOWN]
    selected = [
        c
        for c in ordered
        if since is None or (c.reviewed_at is not None and c.reviewed_at >= since)
    ]
    skipped = Counter(decisions[c.id] for c in selected if decisions[c.id] not in _USED)
    frames: dict[str, _Frame] = {}
    entries = []
    for case in selected:
        decision = decisions[case.id]
        if decision not in _USED:
            if case.reviewed_at is not None:  # drafts are only counted
                entries.append(_case_entry(case, decision))
            continue
        read, original = _read_original(case, evidence)
        frame = frames.setdefault(read.sha256, read)
        frame.case_ids.append(case.id)
        objects = _co_visible(case, known, original.taken_at)
        if decision != "hard_negative":
            objects.append(case)
        frame.lines.update(_yolo_line(o, frame.width, frame.height, taxonomy) for o in objects)
        entries.append(_case_entry(case, decision))
    if not frames:
        found = ", ".join(f"{n} {k}" for k, n in sorted(skipped.items())) or "no cases"
        raise NothingToExportError(
            f"nothing to export: no confirmed case, corrected wrong_class or false_positive "
            f"rejection{' reviewed since ' + since.isoformat() if since else ''} ({found})"
        )
    used = Counter(e["decision"] for e in entries if e["decision"] in _USED)
    late = [e["id"] for e in entries if e["decision"] in _USED and e["frame_after_review"]]
    if late:
        logger.warning(
            "%d case(s) have an original frame taken after their review (a later sighting "
            "replaced it); their reviewed box is used on it: %s",
            len(late),
            late[:20],
        )
    manifest = _write_dataset(
        out, frames, entries, val_fraction=val_fraction, taxonomy=taxonomy, source=source
    )
    manifest["counts"] |= {
        "cases": len(selected),
        "positives": used["positive"],
        "corrected": used["corrected"],
        "hard_negatives": used["hard_negative"],
        "frames_after_review": len(late),
        "skipped": dict(sorted(skipped.items())),
    }
    manifest["since"] = since.isoformat() if since else None
    staging = _staging(out)
    (staging / MANIFEST).write_text(
        json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    logger.info(
        "exported %d images from %d reviewed cases to %s (%s)",
        len(frames),
        len(selected),
        out,
        manifest["counts"],
    )
    return manifest


def _staging(out: Path) -> Path:
    return out.parent / f".{out.name}.staging"


def _write_dataset(
    out: Path,
    frames: dict[str, _Frame],
    entries: list[dict[str, Any]],
    *,
    val_fraction: float,
    taxonomy: Taxonomy,
    source: str,
) -> dict[str, Any]:
    staging = _staging(out)
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    lists: dict[str, list[str]] = {"train": [], "val": []}
    boxes: dict[str, Counter[str]] = {"train": Counter(), "val": Counter()}
    files = []
    split_of_case: dict[int, str] = {}
    for frame in sorted(frames.values(), key=lambda f: min(f.case_ids)):
        first = min(frame.case_ids)
        split = "val" if is_val("case", str(first), val_fraction) else "train"
        stem = f"case{first:07d}-{frame.sha256[:12]}"
        image = f"images/{split}/{stem}{frame.suffix}"
        label = f"labels/{split}/{stem}.txt"
        lines = sorted(frame.lines)
        label_bytes = "".join(f"{line}\n" for line in lines).encode()
        _write(staging / image, frame.data)
        label_sha = _write(staging / label, label_bytes)
        lists[split].append(f"./{image}")
        boxes[split].update(taxonomy.names[int(line.split()[0])] for line in lines)
        split_of_case.update(dict.fromkeys(frame.case_ids, split))
        files.append(
            {
                "image": image,
                "sha256": frame.sha256,
                "label": label,
                "label_sha256": label_sha,
                "split": split,
                "case_ids": sorted(frame.case_ids),
                "boxes": len(lines),
            }
        )
    for split, items in lists.items():
        (staging / f"{split}.txt").write_text("".join(f"{i}\n" for i in items), encoding="utf-8")
    if not lists["val"]:
        logger.warning("no reviewed case fell into val (val_fraction %.2f)", val_fraction)
    data_yaml: dict[str, Any] = {
        "train": "train.txt",
        "val": "val.txt",
        "names": dict(enumerate(taxonomy.names)),
        "val_sets": {SET_NAME: "val.txt"} if lists["val"] else {},
    }
    (staging / "data.yaml").write_text(yaml.safe_dump(data_yaml, sort_keys=False), "utf-8")
    for entry in entries:
        entry["split"] = split_of_case.get(entry["id"])
    by_split = {s: dict(sorted(c.items())) for s, c in boxes.items()}
    total = sum(boxes.values(), Counter())
    with_boxes = [n for n in taxonomy.names if total[n]]
    return {
        "name": SET_NAME,
        "kind": KIND,
        "database": source,
        "taxonomy_version": taxonomy.version,
        "names": list(taxonomy.names),
        "val_fraction": val_fraction,
        "counts": {
            "images": {s: len(items) for s, items in lists.items()},
            "boxes": by_split,
        },
        # as `streetwatch data import` writes them, for the model card
        "sources": [
            {
                "name": SET_NAME,
                "path": source,
                "format": "streetwatch-cases",
                "licence": "own camera footage (reviewed cases)",
                "synthetic": False,
                "images": {s: len(items) for s, items in lists.items()},
                "boxes": dict(sorted(total.items())),
                "boxes_by_split": by_split,
                "dropped_boxes": {},
            }
        ],
        "splits": {s: {"images": len(lists[s]), "boxes": by_split[s]} for s in lists},
        "classes_with_real_data": with_boxes,
        "classes_synthetic_only": [n for n in taxonomy.names if n not in with_boxes],
        "cases": entries,
        "files": files,
    }
