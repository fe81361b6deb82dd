"""Backends by name; a backend's module is imported only when that backend is chosen."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from detector.backends.base import Backend
from detector.errors import DetectorError, ModelLoadError

# name -> "module:Class"; adding a backend adds a line here and a module, nothing else
BACKENDS: dict[str, str] = {
    "onnxruntime": "detector.backends.ort:OnnxRuntimeBackend",
    "openvino": "detector.backends.ov:OpenVinoBackend",
    "ultralytics": "detector.backends.ultralytics_pt:UltralyticsBackend",
}

# the backend "auto" picks for a model file suffix
BACKEND_FOR_SUFFIX: dict[str, str] = {
    ".onnx": "onnxruntime",
    ".xml": "openvino",
    ".pt": "ultralytics",
}


def backend_class(name: str) -> type[Backend]:
    """The ``Backend`` subclass registered as ``name``, importing its module now."""
    if name not in BACKENDS:
        raise DetectorError(f"unknown backend {name!r}; known backends: {sorted(BACKENDS)}")
    module_name, _, class_name = BACKENDS[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ModelLoadError(f"backend {name!r} is not available: {exc}") from exc
    cls = getattr(module, class_name)
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise TypeError(f"{BACKENDS[name]} is not a Backend subclass")
    return cls


def backend_for(path: Path) -> str:
    """The backend name "auto" means for a model file."""
    try:
        return BACKEND_FOR_SUFFIX[path.suffix.lower()]
    except KeyError:
        raise ModelLoadError(
            f"cannot tell which backend runs {path}: expected a model file ending in "
            f"{', '.join(BACKEND_FOR_SUFFIX)}"
        ) from None


def load_backend(name: str, path: str | Path, **options: Any) -> Backend:
    """Load ``path`` with the backend ``name`` ("auto" picks by file suffix).

    >>> load_backend("auto", "models/x.onnx")  # doctest: +SKIP
    OnnxRuntimeBackend('models/x.onnx')
    """
    path = Path(path)
    if name == "auto":
        name = backend_for(path)
    return backend_class(name)(path, **options)
