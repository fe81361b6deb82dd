"""Real photos as backgrounds: keep their labels, paste synthetic trading, ads and garbage on them.

Pasted objects go where they hide no more than ~20% of any labelled box; they get
soft edges and are brought to the brightness and colour of the spot they land on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from training.synth import printed, sprites, trading, waste
from training.synth.camera import F64, Camera
from training.synth.canvas import Canvas
from training.synth.lighting import paste_lighting
from training.synth.things import Prop

logger = logging.getLogger(__name__)

MAX_COVER = 0.2  # the most of an existing labelled box a pasted object may hide
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
GroundBuilder = Callable[[np.random.Generator, F64, float, Camera], Prop]
_GROUND: tuple[tuple[str, GroundBuilder, float], ...] = (
    ("stall", trading.stall, 0.25),
    ("goods", trading.goods, 0.3),
    ("garbage", waste.garbage, 0.3),
    ("garbage_overflow", waste.overflow, 0.15),
)


@dataclass(frozen=True)
class Background:
    image: Path
    labels: Path


@dataclass(frozen=True)
class BackgroundSet:
    """A YOLO dataset (images/train, labels/train) whose class ids are taxonomy ids."""

    root: Path
    items: tuple[Background, ...]

    @classmethod
    def load(cls, root: Path) -> BackgroundSet:
        images = root / "images" / "train"
        if not images.is_dir():
            raise ValueError(f"backgrounds must be a YOLO dataset with images/train, got {root}")
        files = sorted(p for p in images.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
        if not files:
            raise ValueError(f"backgrounds dataset {root} has no images in {images}")
        labels = root / "labels" / "train"
        return cls(root, tuple(Background(f, labels / f"{f.stem}.txt") for f in files))

    def pick(self, rng: np.random.Generator) -> Background:
        return self.items[int(rng.integers(len(self.items)))]


def read_boxes(path: Path, width: int, height: int, n_classes: int) -> list[tuple[int, F64]]:
    """YOLO boxes (or polygons, reduced to their boxes) in pixels; a missing file is no boxes."""
    if not path.exists():
        return []
    boxes = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        try:
            cls, values = int(parts[0]), [float(v) for v in parts[1:]]
        except ValueError:
            raise ValueError(
                f"{path}:{line_no}: expected 'class cx cy w h', got {line!r}"
            ) from None
        if not 0 <= cls < n_classes or len(values) < 4 or (len(values) > 4 and len(values) % 2):
            raise ValueError(
                f"{path}:{line_no}: expected a class id in [0, {n_classes}) and 4 box values "
                f"(or polygon pairs), got {line!r}"
            )
        if len(values) == 4:
            cx, cy, w, h = values
            box = np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
        else:
            xy = np.array(values).reshape(-1, 2)
            box = np.concatenate([xy.min(axis=0), xy.max(axis=0)])
        boxes.append((cls, box * (width, height, width, height)))
    return boxes


def compose(
    rng: np.random.Generator, bg: Background, size: tuple[int, int], names: Sequence[str]
) -> Canvas:
    """The background photo cropped to ``size`` with its labels, plus pasted synthetic objects."""
    photo = cv2.imread(str(bg.image), cv2.IMREAD_COLOR)
    if photo is None:
        raise ValueError(f"cannot read background image {bg.image}")
    h0, w0 = photo.shape[:2]
    width, height = size
    scale = max(width / w0, height / h0) * rng.uniform(1.0, 1.15)
    rw, rh = max(width, round(w0 * scale)), max(height, round(h0 * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = np.asarray(cv2.resize(photo, (rw, rh), interpolation=interp), np.uint8)
    ox, oy = int(rng.integers(rw - width + 1)), int(rng.integers(rh - height + 1))
    canvas = Canvas(
        width, height, image=np.ascontiguousarray(resized[oy : oy + height, ox : ox + width])
    )
    for cls, box in read_boxes(bg.labels, w0, h0, len(names)):
        canvas.add_box(names[cls], box * (rw / w0, rh / h0, rw / w0, rh / h0) - (ox, oy, ox, oy))
    taken = [inst.full for inst in canvas.instances]
    _paste_ground(rng, canvas, taken)
    _paste_wall(rng, canvas, taken)
    return canvas


def _paste_ground(rng: np.random.Generator, canvas: Canvas, taken: list[F64]) -> None:
    """Stalls, goods and garbage stood on the pavement along the bottom of the photo.

    The photo's geometry is unknown; most backdrops are street-level views of facades,
    so a camera at eye height looking nearly level sizes the objects, and they are kept
    only where they stand low in the frame and are not taller than half of it.
    """
    width, height = canvas.width, canvas.height
    cam = Camera.look(
        (width, height),
        np.array([0.0, rng.uniform(1.4, 2.4), 0.0]),
        yaw=0.0,
        pitch=float(np.deg2rad(rng.uniform(0, 10))),
        hfov=float(np.deg2rad(rng.uniform(55, 80))),
    )
    light = paste_lighting()
    weights = np.array([w for _, _, w in _GROUND])
    for _ in range(int(rng.integers(1, 4))):
        name, build, _ = _GROUND[int(rng.choice(len(_GROUND), p=weights / weights.sum()))]
        for _ in range(6):
            base = cam.ground_point(
                rng.uniform(0.08, 0.92) * width, rng.uniform(0.84, 0.99) * height
            )
            if base is None:
                continue
            prop = build(rng, base, rng.uniform(0, 2 * np.pi), cam)
            layer = Canvas(width, height, transparent=True)
            prop.draw(layer, cam, light)
            ys = np.flatnonzero(layer.owner.any(axis=1))
            if len(ys) == 0 or ys[-1] - ys[0] > 0.5 * height or ys[-1] < 0.8 * height:
                continue

            def shadow(target: Canvas, prop: Prop = prop) -> None:
                prop.shadow(target, cam, light)

            if _composite(rng, canvas, layer, name, taken, shadow=shadow):
                break


def _paste_wall(rng: np.random.Generator, canvas: Canvas, taken: list[F64]) -> None:
    """Flyers and graffiti flat on whatever wall fills the upper-middle of the photo."""
    width, height = canvas.width, canvas.height
    jobs: list[str] = []
    if rng.random() < 0.6:
        jobs += ["flyer"] * int(rng.integers(1, 5))
    if rng.random() < 0.45:
        jobs.append("graffiti")
    for name in jobs:
        for _ in range(6):
            if name == "flyer":
                w = rng.uniform(0.025, 0.06) * width
                sprite, tight = printed.flyer(
                    rng, max(8, round(w)), max(10, round(w * rng.uniform(1.1, 1.5)))
                )
            else:
                w = rng.uniform(0.12, 0.35) * width
                sprite, tight = sprites.graffiti(
                    rng, max(16, round(w)), max(8, round(w * rng.uniform(0.3, 0.6)))
                )
            sh, sw = sprite.shape[:2]
            x, y = (
                rng.uniform(0.02, 0.98) * width - sw / 2,
                rng.uniform(0.15, 0.7) * height - sh / 2,
            )
            hom = np.array(
                [[1.0, rng.normal(0, 0.05), x], [rng.normal(0, 0.03), 1.0, y], [0.0, 0.0, 1.0]]
            )
            layer = Canvas(width, height, transparent=True)
            with layer.instance(name):
                layer.paste(sprite, hom, tight=tight)
            if _composite(rng, canvas, layer, name, taken):
                break


def _composite(
    rng: np.random.Generator,
    canvas: Canvas,
    layer: Canvas,
    name: str,
    taken: list[F64],
    *,
    shadow: Callable[[Canvas], None] | None = None,
) -> bool:
    """Blend ``layer`` (one transparent instance) into ``canvas`` unless it hides labelled boxes."""
    ys, xs = np.nonzero(layer.owner)
    if len(xs) < 36:
        return False
    box = np.array([xs.min(), ys.min(), xs.max() + 1.0, ys.max() + 1.0])
    if min(box[2] - box[0], box[3] - box[1]) < 6:
        return False
    mask = layer.owner > 0
    for other in taken:
        o = np.clip(
            np.round(other).astype(int),
            0,
            [canvas.width, canvas.height, canvas.width, canvas.height],
        )
        area = max((o[2] - o[0]) * (o[3] - o[1]), 1)
        hidden = np.count_nonzero(mask[o[1] : o[3], o[0] : o[2]])
        if hidden / area > MAX_COVER:
            return False
    x0, y0, x1, y1 = box.astype(int)
    assert layer.alpha is not None
    obj = layer.image[y0:y1, x0:x1].astype(np.float32)
    alpha = (
        np.asarray(
            cv2.GaussianBlur(layer.alpha[y0:y1, x0:x1], (0, 0), rng.uniform(0.6, 1.2)), np.float32
        )
        / 255.0
    )
    roi = canvas.image[y0:y1, x0:x1]
    inside = mask[y0:y1, x0:x1]
    bg_mean = roi.reshape(-1, 3).mean(axis=0) + 1.0
    obj_mean = obj[inside].mean(axis=0) + 1.0
    luma = np.array([0.114, 0.587, 0.299])
    gain = float(np.clip((bg_mean @ luma) / (obj_mean @ luma), 0.45, 1.6)) ** 0.6
    tint = (bg_mean / (bg_mean @ luma)) ** 0.3
    obj = np.clip(obj * (gain * tint), 0, 255)
    if shadow is not None:
        shadow(canvas)
        canvas.flush_shadows(soften=max(1.0, 0.004 * canvas.width))
    a = alpha[..., None]
    roi[:] = np.clip(roi * (1 - a) + obj * a, 0, 255).astype(np.uint8)
    ident = canvas.register(name, box)
    canvas.owner[y0:y1, x0:x1][inside] = ident
    canvas.settle([ident])
    taken.append(box)
    return True
