from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from detector import (
    Detector,
    ImageDecodeError,
    ModelLoadError,
    Taxonomy,
    TaxonomyMismatchError,
    resolve_model_path,
)
from tests.detector.factories import NAMES, make_onnx_detector, raw_tensor, ultralytics_metadata


@pytest.fixture
def registry(tmp_path: Path, tiny_onnx: Path) -> Path:
    """models/ with one registered model, a card, and a ``current`` pointer file."""
    models = tmp_path / "models"
    version_dir = models / "streetwatch-1.2.0"
    version_dir.mkdir(parents=True)
    shutil.copy(tiny_onnx, version_dir / "model.onnx")
    (version_dir / "card.json").write_text(json.dumps({"name": "streetwatch", "version": "1.2.0"}))
    (models / "current").write_text("streetwatch-1.2.0\n")
    return models


def test_resolve_model_path_forms(registry: Path) -> None:
    model = registry / "streetwatch-1.2.0" / "model.onnx"
    assert resolve_model_path(model) == model
    assert resolve_model_path(model.parent) == model
    assert resolve_model_path(registry / "current") == model
    (registry / "latest").symlink_to("streetwatch-1.2.0", target_is_directory=True)
    assert resolve_model_path(registry / "latest") == model.resolve()


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("nowhere", None, r"model path not found: .*nowhere"),
        ("current", "", r"must hold one directory name, got 0 words"),
        ("current", "a-1\nb-2\n", r"must hold one directory name, got 2 words: \['a-1', 'b-2'\]"),
        ("current", "../elsewhere", r"must name a directory in .*models, got '../elsewhere'"),
        ("current", "/etc", r"must name a directory in"),
        ("current", "gone-9", r"names .*gone-9, which is not a directory"),
        ("current", "x" * 2000, r"too large to be a pointer file"),
        ("empty-1", "dir", r"empty-1 holds none of \['model.onnx', 'model.xml', 'model.pt'\]"),
        ("weights.bin", "bytes", r"weights.bin is not a model: expected a model file \(.onnx"),
    ],
)
def test_resolve_model_path_errors(
    registry: Path, name: str, content: str | None, match: str
) -> None:
    path = registry / name
    path.unlink(missing_ok=True)
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_text(content)
    with pytest.raises(ModelLoadError, match=match):
        resolve_model_path(path)


def test_load_from_pointer_reads_card(registry: Path) -> None:
    detector = Detector.load(registry / "current", threads=1)
    assert detector.info.name == "streetwatch" and detector.info.version == "1.2.0"
    assert detector.names == NAMES
    assert detector.backend.name == "onnxruntime"
    assert "streetwatch 1.2.0" in repr(detector)


def test_detect_takes_arrays_bytes_and_grey(tiny_onnx: Path) -> None:
    detector = Detector.load(tiny_onnx, threads=1)
    image = np.zeros((64, 64, 3), np.uint8)
    from_array = detector.detect(image)
    assert from_array.class_id.tolist() == [0, 1, 4]
    _, png = cv2.imencode(".png", image)
    assert detector.detect(png.tobytes()).class_id.tolist() == [0, 1, 4]
    assert detector.detect(np.zeros((64, 64), np.uint8)).class_id.tolist() == [0, 1, 4]
    assert detector.detect(image, conf=0.65).class_id.tolist() == [0, 1]
    assert detector.detect(image, max_det=1).class_id.tolist() == [0]
    assert detector.detect_batch([]) == []
    assert len(detector.detect_batch([image, png.tobytes()])) == 2


@pytest.mark.parametrize(
    ("image", "match"),
    [
        (b"", "empty bytes"),
        (b"GIF89a-truncated", r"16 bytes are not a decodable image .*looks like GIF"),
        (np.zeros((4, 4, 2), np.uint8), "got 2 channels"),
        (np.zeros((4, 4, 3), np.float64), "got dtype float64"),
    ],
)
def test_detect_rejects_bad_images(tiny_onnx: Path, image: object, match: str) -> None:
    detector = Detector.load(tiny_onnx, threads=1)
    with pytest.raises(ImageDecodeError, match=match):
        detector.detect(image)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"conf": 1.5}, r"conf must be in \[0, 1\], got 1.5"),
        ({"iou": -0.1}, r"iou must be in \[0, 1\], got -0.1"),
        ({"max_det": 0}, "max_det must be at least 1, got 0"),
    ],
)
def test_bad_thresholds(tiny_onnx: Path, kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Detector.load(tiny_onnx, **kwargs)  # type: ignore[arg-type]
    detector = Detector.load(tiny_onnx)
    with pytest.raises(ValueError, match=match):
        detector.detect(np.zeros((8, 8, 3), np.uint8), **kwargs)  # type: ignore[arg-type]


def test_taxonomy_mismatch(tmp_path: Path) -> None:
    names = [*NAMES[:-1], "traffic_cone"]
    path = make_onnx_detector(
        tmp_path / "other.onnx", raw_tensor([]), metadata=ultralytics_metadata(names=names)
    )
    with pytest.raises(
        TaxonomyMismatchError,
        match=r"other.onnx: model classes do not match .*"
        r"missing \['garbage_bin', 'materials', 'garbage_bag'\], unexpected \['traffic_cone'\]",
    ):
        Detector.load(path)
    assert Detector.load(path, check_taxonomy=False).names == names


def test_explicit_taxonomy_is_used(tiny_onnx: Path) -> None:
    classes = [{"name": "car", "zh": "小汽车", "group": "vehicle"}]
    taxonomy = Taxonomy.model_validate(
        {"version": 1, "classes": classes, "zone_types": [], "violations": []}
    )
    with pytest.raises(TaxonomyMismatchError, match=r"expected \['car'\]"):
        Detector.load(tiny_onnx, taxonomy=taxonomy)


def test_unknown_backend(tiny_onnx: Path) -> None:
    with pytest.raises(ValueError, match="unknown backend 'tflite'"):
        Detector.load(tiny_onnx, backend="tflite")


def test_precision_reaches_openvino_and_no_other_backend(
    tiny_onnx: Path, reference_model: Path
) -> None:
    pytest.importorskip("openvino")
    with pytest.raises(ValueError, match="applies to the openvino backend, not onnxruntime"):
        Detector.load(tiny_onnx, precision="bf16", check_taxonomy=False)
    # bf16 on a real model: the same objects, scores within bf16's ~3 significant digits
    rng = np.random.default_rng(0)
    image = cv2.GaussianBlur(rng.integers(0, 256, (360, 640, 3), np.uint8), (0, 0), 3)
    f32 = Detector.load(reference_model, backend="openvino", precision="f32", conf=0.05)
    bf16 = Detector.load(reference_model, backend="openvino", precision="bf16", conf=0.05)
    for detector, runs in ((f32, "float32"), (bf16, "bfloat16")):
        compiled = detector.backend._compiled  # type: ignore[attr-defined]
        assert runs in str(compiled.get_property("INFERENCE_PRECISION_HINT"))
    a, b = f32.detect(image), bf16.detect(image)
    assert abs(len(a) - len(b)) <= max(1, len(a) // 10)


def test_fixed_shape_compiles_per_frame_shape_with_the_same_boxes(
    tiny_onnx: Path, reference_model: Path
) -> None:
    pytest.importorskip("openvino")
    with pytest.raises(ValueError, match="fixed_shape True applies to the openvino backend"):
        Detector.load(tiny_onnx, fixed_shape=True, check_taxonomy=False)
    rng = np.random.default_rng(1)
    wide = cv2.GaussianBlur(rng.integers(0, 256, (360, 640, 3), np.uint8), (0, 0), 3)
    tall = np.ascontiguousarray(wide[:, :270])
    dynamic = Detector.load(reference_model, backend="openvino", conf=0.05)
    fixed = Detector.load(reference_model, backend="openvino", conf=0.05, fixed_shape=True)
    backend = fixed.backend
    for image in (wide, tall, wide):
        a, b = dynamic.detect(image), fixed.detect(image)
        assert a.class_id.tolist() == b.class_id.tolist()
        assert np.allclose(a.xyxy, b.xyxy, atol=0.05)
        assert np.allclose(a.confidence, b.confidence, atol=1e-3)
    # 16:9 and 3:4 frames letterbox to two input shapes (h, w; the long side the model's
    # input size, the short one rounded up to the stride): one compiled model each, the
    # most recently used last
    size = fixed.backend.info.imgsz[0]

    def up(v: float) -> int:
        return -(-round(v) // 32) * 32

    expected = [(size, up(size * 270 / 360)), (up(size * 360 / 640), size)]
    assert list(backend._by_shape) == expected  # type: ignore[attr-defined]
    for i in range(backend.MAX_SHAPES + 1):  # type: ignore[attr-defined]
        fixed.detect(np.ascontiguousarray(wide[:, : 320 + 64 * i]))
    assert len(backend._by_shape) == backend.MAX_SHAPES  # type: ignore[attr-defined]
