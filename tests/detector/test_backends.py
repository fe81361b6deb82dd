from __future__ import annotations

import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import Literal

import numpy as np
import pytest

from detector import Detections, DetectorError, ModelLoadError
from detector.backends import (
    BACKENDS,
    Backend,
    TensorBackend,
    backend_class,
    backend_for,
    load_backend,
)
from tests.detector.factories import (
    NAMES,
    NC,
    TINY_BOXES,
    end2end_tensor,
    make_onnx_detector,
    raw_tensor,
    tiny_gain,
    ultralytics_metadata,
)

needs_openvino = pytest.mark.skipif(find_spec("openvino") is None, reason="needs openvino")
TENSOR_BACKENDS = ["onnxruntime", pytest.param("openvino", marks=needs_openvino)]

BLACK = np.zeros((64, 64, 3), np.uint8)
WHITE = np.full((64, 64, 3), 255, np.uint8)


def detect(backend: Backend, images: list[np.ndarray]) -> list[Detections]:
    return backend.detect(images, conf=0.25, iou=0.45, max_det=300)


def assert_same(a: list[Detections], b: list[Detections]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.class_id.tolist() == y.class_id.tolist()
        np.testing.assert_allclose(x.xyxy, y.xyxy, atol=1e-4)
        np.testing.assert_allclose(x.confidence, y.confidence, atol=1e-5)


@pytest.mark.parametrize("name", TENSOR_BACKENDS)
def test_detects_hand_built_boxes(tiny_onnx: Path, name: str) -> None:
    backend = load_backend(name, tiny_onnx, threads=1)
    assert backend.info.names == NAMES and backend.info.imgsz == (64, 64)
    black, white, big = detect(backend, [BLACK, WHITE, np.zeros((128, 256, 3), np.uint8)])
    # the second car is suppressed, the bus at the same place kept, the garbage under conf
    assert black.class_id.tolist() == [0, 1, 4]
    np.testing.assert_allclose(black.confidence, [0.9, 0.7, 0.6], rtol=1e-6)
    np.testing.assert_allclose(black.xyxy, [[12, 12, 28, 28], [13, 13, 29, 29], [43, 30, 53, 50]])
    assert white.class_id.tolist() == [0, 3, 1, 4]  # brightness lifts the two_wheeler to 0.85
    # 128 x 256 is scaled by 1/4 and padded 16 px top: boxes map back to its pixels, clipped
    np.testing.assert_allclose(big.xyxy, [[48, 0, 112, 48], [52, 0, 116, 52], [172, 56, 212, 128]])


@pytest.mark.parametrize("name", TENSOR_BACKENDS)
@pytest.mark.parametrize("batch", [1, 2, "dynamic"])
def test_batching_matches_single_images(
    tmp_path: Path, name: str, batch: int | Literal["dynamic"]
) -> None:
    path = make_onnx_detector(
        tmp_path / "m.onnx",
        raw_tensor(TINY_BOXES),
        batch=batch,
        brightness_gain=tiny_gain(),
    )
    backend = load_backend(name, path)
    assert isinstance(backend, TensorBackend)
    assert backend.batch_size == (None if batch == "dynamic" else batch)
    images = [BLACK, np.full((32, 64, 3), 255, np.uint8), WHITE]
    batched = detect(backend, images)
    assert_same(batched, [detect(backend, [image])[0] for image in images])
    assert [len(d) for d in batched] == [3, 4, 4]


@needs_openvino
def test_openvino_agrees_with_onnxruntime_on_onnx_and_ir(tiny_onnx: Path, tmp_path: Path) -> None:
    import openvino

    xml = tmp_path / "ir" / "model.xml"
    model = openvino.Core().read_model(str(tiny_onnx))
    openvino.save_model(model, str(xml), compress_to_fp16=False)  # fp16 would shift scores
    images = [BLACK, WHITE, np.random.default_rng(0).integers(0, 256, (50, 90, 3), np.uint8)]
    expected = detect(load_backend("onnxruntime", tiny_onnx), images)
    assert_same(detect(load_backend("openvino", tiny_onnx), images), expected)
    ir_backend = load_backend("auto", xml)
    assert ir_backend.name == "openvino" and ir_backend.info.names == NAMES
    assert_same(detect(ir_backend, images), expected)


@needs_openvino
def test_openvino_ir_reads_ultralytics_metadata_yaml(tmp_path: Path) -> None:
    import openvino

    # ultralytics' OpenVINO export keeps its metadata in a metadata.yaml beside the .xml
    onnx_path = make_onnx_detector(tmp_path / "bare.onnx", raw_tensor(TINY_BOXES), metadata={})
    xml = tmp_path / "yolo_openvino_model" / "yolo.xml"
    openvino.save_model(openvino.Core().read_model(str(onnx_path)), str(xml))
    names_yaml = "\n".join(f"  {i}: {name}" for i, name in enumerate(NAMES))
    (xml.parent / "metadata.yaml").write_text(
        f"task: detect\nstride: 32\nimgsz:\n- 64\n- 64\nnames:\n{names_yaml}\n"
    )
    backend = load_backend("auto", xml)
    assert backend.info.names == NAMES and backend.info.format == "openvino"
    (dets,) = detect(backend, [BLACK])
    assert dets.class_id.tolist() == [0, 1, 4]


@pytest.mark.parametrize("name", TENSOR_BACKENDS)
def test_end2end_model(tmp_path: Path, name: str) -> None:
    output = end2end_tensor([[8, 8, 24, 40, 0.8, 11], [0, 0, 4, 4, 0.1, 2]], k=300)
    path = make_onnx_detector(
        tmp_path / "e2e.onnx", output, metadata=ultralytics_metadata(end2end=True)
    )
    backend = load_backend(name, path)
    assert backend.info.end2end
    (dets,) = detect(backend, [np.zeros((32, 32, 3), np.uint8)])  # scale 2
    assert dets.class_id.tolist() == [11]
    np.testing.assert_allclose(dets.xyxy, [[4, 4, 12, 20]])


def _bad_model(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.onnx"
    if kind == "not_onnx":
        path.write_text("this is not a model\n")
    elif kind == "classifier":
        make_onnx_detector(path, np.zeros((1, 1000), np.float32))
    elif kind == "grey_input":
        make_onnx_detector(path, raw_tensor([]), channels=1)
    elif kind == "no_names":
        meta = {k: v for k, v in ultralytics_metadata().items() if k != "names"}
        make_onnx_detector(path, raw_tensor([]), metadata=meta)
    elif kind == "wrong_class_count":
        make_onnx_detector(path, raw_tensor([], nc=13))
    elif kind == "segmenter":
        make_onnx_detector(path, raw_tensor([], nc=NC + 32))
    return path


@pytest.mark.parametrize("name", TENSOR_BACKENDS)
@pytest.mark.parametrize(
    ("kind", "match"),
    [
        ("missing", r"not found: .*missing.onnx"),
        ("not_onnx", r"not_onnx.onnx is not a loadable ONNX"),
        (
            "classifier",
            r"classifier.onnx is not a YOLO detector: input \(\?, 3, 64, 64\), output \(\?, 1000\)",
        ),
        ("grey_input", r"not a YOLO detector: input \(\?, 1, 64, 64\)"),
        ("no_names", r"no_names.onnx has no class names"),
        ("wrong_class_count", r"input \(\?, 3, 64, 64\), output \(\?, 17, 8\) is not a YOLO det"),
        ("segmenter", r"output \(\?, 48, 8\) is not a YOLO detector output for 12 classes"),
    ],
)
def test_bad_models(tmp_path: Path, name: str, kind: str, match: str) -> None:
    pytest.importorskip("onnx")
    path = _bad_model(tmp_path, kind)
    with pytest.raises(ModelLoadError, match=match):
        load_backend(name, path)


@needs_openvino
def test_openvino_rejects_other_suffixes(tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    path.write_bytes(b"x")
    with pytest.raises(
        ModelLoadError, match=r"OpenVINO reads .onnx or .xml models, got .*model.pt"
    ):
        load_backend("openvino", path)


@pytest.mark.parametrize(
    ("suffix", "expected"),
    [
        (".onnx", "onnxruntime"),
        (".ONNX", "onnxruntime"),
        (".xml", "openvino"),
        (".pt", "ultralytics"),
    ],
)
def test_backend_for_suffix(suffix: str, expected: str) -> None:
    assert backend_for(Path(f"m{suffix}")) == expected


def test_registry_errors() -> None:
    with pytest.raises(DetectorError, match=r"unknown backend 'tensorrt'; known backends: \["):
        backend_class("tensorrt")
    with pytest.raises(ModelLoadError, match=r"cannot tell which backend runs m.engine"):
        load_backend("auto", "m.engine")


def test_registry_classes_are_backends() -> None:
    for name in ("onnxruntime", "openvino", "ultralytics"):  # importing them loads no runtime
        cls = backend_class(name)
        assert issubclass(cls, Backend) and cls.name == name
    assert set(BACKENDS) == {"onnxruntime", "openvino", "ultralytics"}


def test_heavy_runtimes_are_not_imported(tiny_onnx: Path) -> None:
    code = (
        "import sys, numpy as np, detector\n"
        "import detector.backends.ov, detector.backends.ultralytics_pt\n"
        "from detector import Detector\n"
        f"d = Detector.load({str(tiny_onnx)!r}, threads=1)\n"
        "d.detect(np.zeros((8, 8, 3), np.uint8))\n"
        "heavy = ('torch', 'ultralytics', 'openvino', 'onnx')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
