"""streetwatch detector: the pure inference library (no torch, no ultralytics at import)."""

from detector.detections import Detections
from detector.errors import DetectorError, ImageDecodeError, ModelLoadError, TaxonomyMismatchError
from detector.image import as_bgr, decode_image, load_image
from detector.metadata import ModelInfo
from detector.model import Detector, resolve_model_path
from detector.taxonomy import Taxonomy, ViolationType, load_taxonomy

__all__ = [
    "Detections",
    "Detector",
    "DetectorError",
    "ImageDecodeError",
    "ModelInfo",
    "ModelLoadError",
    "Taxonomy",
    "TaxonomyMismatchError",
    "ViolationType",
    "as_bgr",
    "decode_image",
    "load_image",
    "load_taxonomy",
    "resolve_model_path",
]
