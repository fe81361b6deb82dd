from __future__ import annotations

import json
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest

from detector import ModelInfo, ModelLoadError
from detector.metadata import model_info, parse_imgsz, parse_names
from tests.detector.factories import NAMES, ultralytics_metadata

P = Path("m.onnx")


@pytest.mark.parametrize(
    ("value", "expectation"),
    [
        ("{0: 'car', 1: 'bus'}", nullcontext(["car", "bus"])),
        ("{1: 'bus', 0: 'car'}", nullcontext(["car", "bus"])),
        ("['car', 'bus']", nullcontext(["car", "bus"])),
        ({0: "car", 1: "bus"}, nullcontext(["car", "bus"])),  # metadata.yaml gives real dicts
        ({"0": "car", "1": "bus"}, nullcontext(["car", "bus"])),
        (
            "{0: 'car', 2: 'bus'}",
            pytest.raises(ModelLoadError, match=r"ids must be 0..1, got \[0, 2\]"),
        ),
        ("{'a': 'car'}", pytest.raises(ModelLoadError, match="keyed by class id")),
        ("{}", pytest.raises(ModelLoadError, match="non-empty dict or list")),
        ("car, bus", pytest.raises(ModelLoadError, match="'names' is not a Python literal")),
        ("__import__('os').system('x')", pytest.raises(ModelLoadError, match="not a Python lit")),
    ],
)
def test_parse_names(value: Any, expectation: AbstractContextManager[Any]) -> None:
    with expectation as expected:
        assert parse_names(value, P) == expected


@pytest.mark.parametrize(
    ("value", "expectation"),
    [
        ("[640, 640]", nullcontext((640, 640))),
        ("[384, 640]", nullcontext((384, 640))),
        ("640", nullcontext((640, 640))),
        ([320], nullcontext((320, 320))),
        (160, nullcontext((160, 160))),
        ("[0, 640]", pytest.raises(ModelLoadError, match=r"\[height, width\], got '\[0, 640\]'")),
        ("[1, 2, 3]", pytest.raises(ModelLoadError, match="imgsz")),
        ("'big'", pytest.raises(ModelLoadError, match="imgsz")),
    ],
)
def test_parse_imgsz(value: Any, expectation: AbstractContextManager[Any]) -> None:
    with expectation as expected:
        assert parse_imgsz(value, P) == expected


def test_from_ultralytics_metadata() -> None:
    info = model_info(ultralytics_metadata(imgsz=(64, 96)), Path("/x/yolo.onnx"), "onnx")
    assert info == ModelInfo(
        name="yolo",
        version="unversioned",
        names=NAMES,
        imgsz=(64, 96),
        stride=32,
        task="detect",
        format="onnx",
        path=Path("/x/yolo.onnx"),
        end2end=False,
        ultralytics_version="8.4.0",
        description="tiny hand-built test detector",
    )
    assert info.num_classes == 12


def test_static_input_shape_wins_over_imgsz() -> None:
    info = model_info(ultralytics_metadata(imgsz=(640, 640)), P, "onnx", input_hw=(64, 64))
    assert info.imgsz == (64, 64)


@pytest.mark.parametrize(
    ("meta", "card", "folder", "expected"),
    [
        ({}, None, "models/x", ("x", "unversioned")),
        ({}, None, "models/cars-1.2.0", ("cars", "1.2.0")),
        ({}, None, "models/street-watch-v3", ("street-watch", "v3")),
        ({"streetwatch_name": "sw", "streetwatch_version": "2"}, None, "models/a-1", ("sw", "2")),
        ({"streetwatch_name": "sw"}, {"name": "card", "version": 7}, "m", ("card", "7")),
        ({"streetwatch_version": "2"}, {"name": "card"}, "m", ("card", "2")),
    ],
)
def test_name_and_version_sources(
    tmp_path: Path,
    meta: dict[str, str],
    card: dict[str, Any] | None,
    folder: str,
    expected: tuple[str, str],
) -> None:
    directory = tmp_path / folder
    directory.mkdir(parents=True)
    if card is not None:
        (directory / "card.json").write_text(json.dumps(card))
    info = model_info({**ultralytics_metadata(), **meta}, directory / "model.onnx", "onnx")
    assert (info.name, info.version) == expected


@pytest.mark.parametrize(
    ("meta", "input_hw", "match"),
    [
        ({"names": None}, None, r"has no class names: its metadata has no 'names' \(keys found"),
        ({"task": "classify"}, None, "is a 'classify' model, expected a 'detect' model"),
        ({"imgsz": None}, None, "dynamic input size and no 'imgsz' metadata"),
        ({"stride": "'32'"}, None, "stride must be an int"),
    ],
)
def test_metadata_errors(meta: dict[str, Any], input_hw: Any, match: str) -> None:
    metadata = {**ultralytics_metadata(), **meta}
    metadata = {k: v for k, v in metadata.items() if v is not None}
    with pytest.raises(ModelLoadError, match=match):
        model_info(metadata, P, "onnx", input_hw)


@pytest.mark.parametrize(
    ("content", "match"),
    [("{not json", "cannot read model card .*card.json"), ("[1, 2]", "must hold a JSON object")],
)
def test_bad_card(tmp_path: Path, content: str, match: str) -> None:
    (tmp_path / "card.json").write_text(content)
    with pytest.raises(ModelLoadError, match=match):
        model_info(ultralytics_metadata(), tmp_path / "model.onnx", "onnx")


def test_model_info_is_frozen() -> None:
    info = model_info(ultralytics_metadata(), P, "onnx")
    with pytest.raises(ValueError, match="frozen"):
        info.name = "other"  # type: ignore[misc]
