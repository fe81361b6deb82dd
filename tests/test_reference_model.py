"""The committed reference model: its card, and what it detects in real photos."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from detector.image import load_image
from detector.model import Detector
from detector.taxonomy import load_taxonomy
from tests.conftest import SHARED
from training.metrics import box_iou

TAXONOMY = load_taxonomy()


@pytest.fixture(scope="module")
def card(reference_model: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((reference_model / "card.json").read_text())
    return data


def test_card_is_complete(reference_model: Path, card: dict[str, Any]) -> None:
    # trained before materials and garbage_bag were added: the taxonomy's first classes
    assert card["names"] == TAXONOMY.names[:12]
    TAXONOMY.check_model_names(card["names"])
    assert card["training"]["command"].startswith("streetwatch train ")
    assert card["training"]["epochs_completed"] >= 1
    assert set(card["data"]["classes_synthetic_only"]) >= {"stall", "goods", "flyer", "graffiti"}
    for name in ("facade-ads", "signboards", "vehicles", "garbage", "synth", "all"):
        assert name in card["metrics"], f"no metrics on validation set {name}"
    text = (reference_model / "card.md").read_text()
    assert "Synthetic data only" in text and "Reproduce with" in text
    manifest = json.loads((reference_model / "data_manifest.json").read_text())
    assert len(manifest["files"]) == sum(s["images"] for s in manifest["splits"].values())


def _val_images(
    shared: Path, reference_model: Path, cls: str, source: str
) -> list[tuple[Path, np.ndarray]]:
    """Every validation photo (never trained on) of ``source`` holding a ``cls`` object."""
    manifest = json.loads((reference_model / "data_manifest.json").read_text())
    src = next(s for s in manifest["sources"] if s["name"] == source)
    inverse = {k: v for k, v in src["class_map"].items() if v == cls}
    root = shared / source
    names = list(yaml.safe_load((root / "data.yaml").read_text())["names"].values())
    wanted = {names.index(k) for k in inverse}
    picked: list[tuple[Path, np.ndarray]] = []
    for f in manifest["files"]:
        if f["source"] != source or f["split"] != "val":
            continue
        image = root / "images" / f["source_path"]
        label = (root / "labels" / f["source_path"]).with_suffix(".txt")
        rows = np.loadtxt(label, ndmin=2) if label.stat().st_size else np.zeros((0, 5))
        rows = rows[np.isin(rows[:, 0].astype(int), list(wanted))]
        if len(rows):
            picked.append((image, rows[:, 1:]))
    return picked


@pytest.mark.real_data
def test_detect_cli_finds_what_the_card_promises(
    shared_datasets: Path, reference_model: Path, card: dict[str, Any]
) -> None:
    promised = {c: v for c, v in card["real_data_capabilities"].items() if v["reliable"]}
    assert promised, "the card promises no class on real photos"
    for cls, info in promised.items():
        samples = _val_images(shared_datasets, reference_model, cls, info["val_set"])
        assert samples, f"no validation photo of {cls} in {info['val_set']}"
        cmd = [
            sys.executable,
            "-m",
            "serve.cli",
            "detect",
            "--json",
            "--model",
            str(reference_model),
        ]
        proc = subprocess.run(
            [*cmd, *(str(p) for p, _ in samples)], capture_output=True, text=True, check=True
        )
        lines = [json.loads(line) for line in proc.stdout.splitlines()]
        found = 0
        for (path, cxcywh), line in zip(samples, lines, strict=True):
            assert line["image"] == str(path)
            h, w = load_image(path).shape[:2]
            gt = np.column_stack(
                [
                    (cxcywh[:, 0] - cxcywh[:, 2] / 2) * w,
                    (cxcywh[:, 1] - cxcywh[:, 3] / 2) * h,
                    (cxcywh[:, 0] + cxcywh[:, 2] / 2) * w,
                    (cxcywh[:, 1] + cxcywh[:, 3] / 2) * h,
                ]
            )
            boxes = np.array([d["box"] for d in line["detections"] if d["label"] == cls])
            if len(boxes) and (box_iou(gt, boxes.reshape(-1, 4)) >= 0.5).any():
                found += 1
        assert found >= 0.4 * len(samples), (
            f"{cls}: found in {found} of {len(samples)} photos, card says AP50 {info['ap50']:.2f}"
        )


@pytest.mark.train
def test_onnxruntime_agrees_with_ultralytics_predict(reference_model: Path, tmp_path: Path) -> None:
    """Same model, same images: our pre/post-processing equals ultralytics' own predict."""
    pytest.importorskip("ultralytics")
    images: list[np.ndarray] = []
    for source in ("vehicles", "garbage", "facade-ads"):  # real photos where ../shared exists
        paths = sorted((SHARED / "datasets" / source / "images").rglob("*.jpg"))[:2]
        images += [load_image(p) for p in paths]
    from training.synth import generate_dataset

    generate_dataset(tmp_path / "s", 12, seed=11, progress=False)
    images += [load_image(p) for p in sorted((tmp_path / "s" / "images" / "train").glob("*.jpg"))]

    ours = Detector.load(reference_model / "model.onnx", backend="onnxruntime", conf=0.25)
    theirs = Detector.load(reference_model / "model.pt", backend="ultralytics", conf=0.25)
    compared = 0
    for image in images:
        a, b = ours.detect(image), theirs.detect(image)
        # a box whose score is within 0.02 of the threshold may fall either side of it
        for x, y in ((a, b), (b, a)):
            for i in range(len(x)):
                if x.confidence[i] < 0.27:
                    continue
                ious = box_iou(x.xyxy[i : i + 1], y.xyxy)[0]
                ok = (ious >= 0.95) & (y.class_id == x.class_id[i])
                ok &= np.abs(y.confidence - x.confidence[i]) <= 0.02
                assert ok.any(), f"box {x.xyxy[i]} class {x.class_id[i]} has no counterpart"
                compared += 1
    assert compared >= 10, "too few detections to compare the two backends"


def test_batch_results_do_not_depend_on_the_batch(reference_model: Path, tmp_path: Path) -> None:
    from training.synth import generate_dataset

    generate_dataset(tmp_path / "s", 3, seed=5, progress=False)
    images = [load_image(p) for p in sorted((tmp_path / "s" / "images" / "train").glob("*.jpg"))]
    images += [images[0][:300, :500].copy(), images[1][:, :240].copy()]  # other shapes
    detector = Detector.load(reference_model, conf=0.1)
    batched = detector.detect_batch(images)
    assert sum(len(d) for d in batched) > 0
    for image, together in zip(images, batched, strict=True):
        alone = detector.detect(image)
        np.testing.assert_allclose(together.xyxy, alone.xyxy, atol=1e-3)
        np.testing.assert_array_equal(together.class_id, alone.class_id)
