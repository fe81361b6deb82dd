"""Scenarios on real photographs from ``../shared/datasets``: facades and traffic cameras."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from detector.zones import Zone
from training.synth import printed, sprites
from training.synth.scenario import Scenario
from training.synth.scenario_parts import (
    DWELL_S,
    F32,
    SIZE,
    TAG,
    Layer,
    Static,
    TruthObject,
    clash,
    inside,
)
from training.synth.synthetic_scenarios import movers


def shared_datasets() -> Path | None:
    """``../shared/datasets`` (or ``$STREETWATCH_SHARED/datasets``) if it is there."""
    repo = Path(__file__).resolve().parents[2]
    root = Path(os.environ.get("STREETWATCH_SHARED", repo.parent / "shared")) / "datasets"
    return root if (root / "README.md").is_file() else None


def _photo(path: Path) -> F32:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"cannot read image {path}")
    w, h = SIZE
    scale = max(w / img.shape[1], h / img.shape[0])
    img = cv2.resize(img, (round(img.shape[1] * scale + 0.5), round(img.shape[0] * scale + 0.5)))
    y0, x0 = (img.shape[0] - h) // 2, (img.shape[1] - w) // 2
    return img[y0 : y0 + h, x0 : x0 + w].astype(np.float32)


def _images(folder: Path) -> list[Path]:
    return sorted((folder / "images" / "train").glob("*.jpg"))


def _car_crop(rng: np.random.Generator, root: Path) -> Layer:
    """A real car cut from a traffic-camera photo (its label box, with feathered edges)."""
    images = _images(root / "vehicles")
    for _ in range(50):
        path = images[int(rng.integers(len(images)))]
        label = root / "vehicles" / "labels" / "train" / (path.stem + ".txt")
        if not label.is_file():
            continue
        rows = [r.split() for r in label.read_text().splitlines() if r.strip()]
        cars = [[float(v) for v in r[1:5]] for r in rows if r[0] == "2"]
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None or not cars:
            continue
        ih, iw = img.shape[:2]
        cx, cy, bw, bh = cars[int(rng.integers(len(cars)))]
        if bw * iw < 50 or bh * ih < 40:
            continue
        x0, y0 = int((cx - bw / 2) * iw), int((cy - bh / 2) * ih)
        crop = img[max(0, y0) : y0 + int(bh * ih), max(0, x0) : x0 + int(bw * iw)]
        target = rng.uniform(90, 150) / crop.shape[1]
        crop = cv2.resize(crop, None, fx=target, fy=target, interpolation=cv2.INTER_AREA)
        ch, cw = crop.shape[:2]
        alpha = np.zeros((ch, cw), np.float32)
        cv2.ellipse(alpha, (cw // 2, ch // 2), (int(cw * 0.48), int(ch * 0.48)), 0, 0, 360, 1.0, -1)
        alpha = np.asarray(cv2.GaussianBlur(alpha, (0, 0), 2.0), np.float32)[..., None]
        return Layer(crop.astype(np.float32), alpha, 0, 0)
    raise ValueError(f"no usable car label found under {root / 'vehicles'}")


def real_scenario(name: str, seed: int) -> Scenario | None:
    """A scenario on a real photograph, or None when ``../shared/datasets`` is absent.

    ``real_facade``: a facade photo, a poster and a graffiti appear on it;
    ``real_road``: a traffic-camera photo, a (real) car stops in the road;
    ``real_facade_nuisance`` / ``real_road_nuisance``: the same photos, nothing appears.
    """
    root = shared_datasets()
    if root is None:
        return None
    if name not in REAL:
        raise ValueError(f"unknown real scenario {name!r}; expected one of {sorted(REAL)}")
    folder, kinds, noise = REAL[name]
    rng = np.random.default_rng([seed, TAG, 2, *(ord(c) for c in name)])
    images = _images(root / folder)
    background = _photo(images[int(rng.integers(len(images)))])
    w, h = SIZE
    if folder == "facade-ads":
        zone = Zone(
            id="facade",
            type="wall",
            polygon=((0, 0.1 * h), (w, 0.1 * h), (w, 0.95 * h), (0, 0.95 * h)),
            static_dwell_s=DWELL_S["wall"],
        )
    else:
        zone = Zone(
            id="road",
            type="roadway",
            polygon=((0, 0.35 * h), (w, 0.35 * h), (w, h), (0, h)),
            static_dwell_s=DWELL_S["roadway"],
        )
    truths: list[TruthObject] = []
    statics: list[Static] = []
    for i, kind in enumerate(kinds):
        layer, class_name = _real_object(rng, root, kind)
        lh, lw = layer.alpha.shape[:2]
        for _ in range(20):
            if kind == "car":
                x, y = rng.uniform(0.05, 0.95) * w - lw, rng.uniform(0.5, 0.95) * h - lh
            else:
                x, y = rng.uniform(0.05, 0.95 * w - lw), rng.uniform(0.15 * h, 0.85 * h - lh)
            x, y = int(max(0, x)), int(max(0, y))
            box = (float(x), float(y), float(x + lw), float(y + lh))
            if not any(clash(box, t.box) for t in truths) and inside([zone], zone.id, box):
                break
        placed = Layer(layer.image, layer.alpha, x, y)
        appear = float(rng.uniform(25.0, 40.0))
        drift = (float(rng.choice([-30.0, 30.0])), 0.0) if kind == "car" else (0.0, 0.0)
        truths.append(TruthObject(f"{kind}-{i}", class_name, box, zone.id, appear))
        statics.append(Static(placed, appear, None, drift))
    total = max([t.appear_s for t in truths], default=40.0) + DWELL_S[zone.type] + 25.0
    if not truths:
        total = 150.0
    return Scenario(
        name=name,
        seed=seed,
        seconds=float(round(total)),
        zones=(zone,),
        objects=tuple(truths),
        nuisances=noise,
        real=True,
        background=background,
        statics=tuple(statics),
        movers=movers(rng, total, SIZE) if "traffic" in noise else (),
    )


def _real_object(rng: np.random.Generator, root: Path, kind: str) -> tuple[Layer, str]:
    if kind == "car":
        return _car_crop(rng, root), "car"
    if kind == "poster":
        pw, ph = int(rng.uniform(60, 110)), int(rng.uniform(80, 130))
        img = printed.poster(rng, pw, ph).astype(np.float32)
        return Layer(img, np.ones((ph, pw, 1), np.float32), 0, 0), "outdoor_ad"
    gw = int(rng.uniform(100, 180))
    sprite, _ = sprites.graffiti(rng, gw, int(gw * rng.uniform(0.35, 0.6)))
    alpha = sprite[..., 3:4].astype(np.float32) / 255.0
    layer = Layer.cut(sprite[..., :3].astype(np.float32), alpha)
    return Layer(layer.image, layer.alpha, 0, 0), "graffiti"


# folder, objects, nuisances
REAL: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "real_facade": ("facade-ads", ("poster", "graffiti"), ("lighting", "shake", "jpeg")),
    "real_road": ("vehicles", ("car",), ("traffic", "shake", "jpeg")),
    "real_facade_nuisance": ("facade-ads", (), ("lighting", "rain", "shake", "jpeg")),
    "real_road_nuisance": ("vehicles", (), ("traffic", "shadows", "shake", "jpeg")),
}
