"""Write a synthetic YOLO dataset (and optional clips) to disk."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import cv2
import numpy as np
import yaml
from tqdm import tqdm

from detector.detections import Detections
from detector.taxonomy import load_taxonomy
from training.synth.backgrounds import BackgroundSet
from training.synth.pixels import U8
from training.synth.sample import render_sample
from training.synth.sequences import FPS, render_clip

logger = logging.getLogger(__name__)

DRAWN_CLASSES = (
    "car", "bus", "truck", "two_wheeler", "stall", "goods", "flyer", "outdoor_ad", "graffiti",
    "garbage", "garbage_overflow", "garbage_bin",
)  # fmt: skip
_CLIP_QUALITY = 90


@dataclass(frozen=True)
class SynthReport:
    """What ``generate_dataset`` wrote."""

    out: Path
    images: int
    boxes: dict[str, int]  # per taxonomy class name, zeros included
    sequences: int


def generate_dataset(
    out: Path,
    count: int,
    seed: int = 0,
    *,
    image_size: tuple[int, int] = (640, 480),
    backgrounds: Path | None = None,
    background_ratio: float = 0.3,
    sequences: int = 0,
    sequence_length: int = 12,
    progress: bool = True,
) -> SynthReport:
    """Render ``count`` labelled street scenes (and ``sequences`` clips) into ``out``.

    Image i depends only on (seed, i, image_size, backgrounds, background_ratio), so a
    larger ``count`` adds images without changing the earlier ones, and two runs give
    identical files.

    >>> report = generate_dataset(Path("/tmp/synth_demo"), 4, seed=1, progress=False)
    >>> report.images
    4
    """
    out = Path(out)
    _check_args(count, seed, image_size, background_ratio, sequences, sequence_length)
    taxonomy = load_taxonomy()
    names = taxonomy.names
    if missing := [c for c in DRAWN_CLASSES if c not in names]:
        raise ValueError(
            f"the synthetic generator draws classes {missing} that the taxonomy lacks ({names})"
        )
    bg = BackgroundSet.load(Path(backgrounds)) if backgrounds is not None else None
    images_dir, labels_dir = out / "images" / "train", out / "labels" / "train"
    images_dir.mkdir(parents=True, exist_ok=True)
    labels_dir.mkdir(parents=True, exist_ok=True)
    boxes: Counter[str] = Counter()
    on_photos = 0
    for i in tqdm(range(count), desc="synth images", unit="img", disable=not progress):
        sample = render_sample(
            np.random.default_rng([seed, i]),
            image_size,
            names,
            backgrounds=bg,
            background_ratio=background_ratio,
        )
        stem = f"synth_{seed}_{i:05d}"
        atomic_write(images_dir / f"{stem}.jpg", encode_jpeg(sample.image, sample.quality))
        atomic_write(labels_dir / f"{stem}.txt", yolo_lines(sample.labels, image_size).encode())
        boxes.update(names[int(c)] for c in sample.labels.class_id)
        on_photos += sample.background
    _remove_stale(images_dir, labels_dir, seed, count)
    for k in tqdm(
        range(sequences), desc="synth clips", unit="clip", disable=not progress or sequences == 0
    ):
        write_clip(out / "sequences" / f"seq_{k:03d}", seed, k, image_size, sequence_length, names)
    _remove_stale_clips(out / "sequences", sequences)
    atomic_write(out / "data.yaml", data_yaml(names).encode())
    params = {
        "count": count,
        "seed": seed,
        "image_size": list(image_size),
        "backgrounds": str(backgrounds) if backgrounds is not None else None,
        "background_ratio": background_ratio,
        "sequences": sequences,
        "sequence_length": sequence_length,
    }
    atomic_write(out / "SOURCE.md", source_md(params, on_photos, bg).encode())
    report = SynthReport(out, count, {n: boxes.get(n, 0) for n in names}, sequences)
    logger.info(
        "wrote %d synthetic images (%d on photos) and %d clips to %s",
        count,
        on_photos,
        sequences,
        out,
    )
    return report


def _check_args(
    count: int, seed: int, size: tuple[int, int], ratio: float, sequences: int, length: int
) -> None:
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0 (it seeds numpy's SeedSequence), got {seed}")
    if len(size) != 2 or min(size) < 64:
        raise ValueError(f"image_size must be (width, height), each at least 64, got {size}")
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f"background_ratio must be in [0, 1], got {ratio}")
    if sequences < 0:
        raise ValueError(f"sequences must be >= 0, got {sequences}")
    if sequences and length < 2:
        raise ValueError(f"sequence_length must be >= 2, got {length}")


def encode_jpeg(image: U8, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f"JPEG encoding failed for an image of shape {image.shape}")
    return buf.tobytes()


def yolo_lines(labels: Detections, size: tuple[int, int]) -> str:
    """``cls cx cy w h`` per box, normalised to [0, 1], six decimals."""
    w, h = size
    xyxy = np.clip(labels.xyxy.astype(np.float64), 0, [w, h, w, h])
    lines = []
    for (x0, y0, x1, y1), cls in zip(xyxy, labels.class_id, strict=True):
        if x1 <= x0 or y1 <= y0:
            continue
        cx, cy, bw, bh = (x0 + x1) / 2 / w, (y0 + y1) / 2 / h, (x1 - x0) / w, (y1 - y0) / h
        lines.append(f"{int(cls)} {cx:.6f} {cy:.6f} {bw:.6f} {bh:.6f}")
    return "".join(f"{line}\n" for line in lines)


def data_yaml(names: Sequence[str]) -> str:
    body = {"path": ".", "train": "images/train", "names": dict(enumerate(names))}
    return (
        "# streetwatch synthetic street scenes; class ids follow detector/taxonomy.yaml\n"
        + yaml.safe_dump(body, sort_keys=False)
    )


def source_md(params: dict[str, object], on_photos: int, bg: BackgroundSet | None) -> str:
    try:
        version = metadata.version("streetwatch")
        licence = metadata.metadata("streetwatch")["License"] or "same as the streetwatch project"
    except metadata.PackageNotFoundError:
        version, licence = "unknown", "same as the streetwatch project"
    rows = "\n".join(f"| {k} | {v} |" for k, v in params.items())
    text = (
        "# streetwatch synthetic street scenes\n\n"
        "Synthetic images: procedurally drawn street scenes (facades, shops, signboards, flyers,\n"
        "graffiti, vehicles, stalls, goods, garbage and bins) with exact labels, generated by\n"
        "streetwatch "
        f"{version} (`training.synth.generate_dataset`, the `streetwatch data synth` command).\n\n"
        f"- Seed: {params['seed']}\n"
        f"- Licence: {licence}, the same as the streetwatch project; no third-party content,\n"
        "  except in images composed on background photos (below).\n\n"
        "## Parameters\n\n| parameter | value |\n| --- | --- |\n" + rows + "\n"
    )
    if bg is not None:
        text += (
            f"\n## Background photos\n\n{on_photos} images are composed on photos from\n"
            f"`{bg.root}`; those images also fall under that dataset's licence and attribution\n"
            "terms:\n\n"
        )
        source = bg.root / "SOURCE.md"
        if source.exists():
            text += "".join(
                f"> {line}\n" for line in source.read_text(encoding="utf-8").splitlines()
            )
        else:
            text += "> (no SOURCE.md found next to the background dataset)\n"
    return text


def write_clip(
    folder: Path, seed: int, index: int, size: tuple[int, int], length: int, names: Sequence[str]
) -> None:
    """frame_XXXX.jpg, labels/frame_XXXX.txt and meta.json for one clip."""
    frames = render_clip(seed, index, size, length, names)
    if folder.exists():
        shutil.rmtree(folder)  # a clip is rewritten whole, never mixed with an older one
    (folder / "labels").mkdir(parents=True)
    index_of = {n: k for k, n in enumerate(names)}
    meta_frames = []
    for t, frame in enumerate(frames):
        stem = f"frame_{t:04d}"
        atomic_write(folder / f"{stem}.jpg", encode_jpeg(frame.image, _CLIP_QUALITY))
        labels = Detections(
            xyxy=np.array([o.box for o in frame.objects], np.float32).reshape(-1, 4),
            confidence=np.ones(len(frame.objects), np.float32),
            class_id=np.array([index_of[o.class_name] for o in frame.objects], np.int64),
        )
        atomic_write(folder / "labels" / f"{stem}.txt", yolo_lines(labels, size).encode())
        objects = [
            {
                "track_id": o.track_id,
                "class": o.class_name,
                "box_xyxy_px": [round(v, 2) for v in o.box],
                "motion": o.motion,
            }
            for o in frame.objects
        ]
        meta_frames.append({"file": f"{stem}.jpg", "t_s": frame.t_s, "objects": objects})
    meta = {
        "seed": seed,
        "sequence": index,
        "fps": FPS,
        "image_size": list(size),
        "frames": meta_frames,
    }
    atomic_write(folder / "meta.json", (json.dumps(meta, indent=1) + "\n").encode())


def atomic_write(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, then rename over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        Path(tmp).replace(path)  # atomic rename (os.replace)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove_stale(images: Path, labels: Path, seed: int, count: int) -> None:
    """Drop this seed's files from an earlier, larger run so the folder holds exactly ``count``."""
    pattern = re.compile(rf"synth_{seed}_(\d+)\.(jpg|txt)$")
    for folder in (images, labels):
        for p in folder.iterdir():
            m = pattern.match(p.name)
            if m and int(m.group(1)) >= count:
                p.unlink()


def _remove_stale_clips(folder: Path, sequences: int) -> None:
    if not folder.is_dir():
        return
    for p in folder.iterdir():
        m = re.fullmatch(r"seq_(\d+)", p.name)
        if m and p.is_dir() and int(m.group(1)) >= sequences:
            shutil.rmtree(p)
