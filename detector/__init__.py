"""streetwatch detector: the pure inference library (no torch, no ultralytics at import)."""

from detector.detections import Detections
from detector.errors import DetectorError, ImageDecodeError, ModelLoadError, TaxonomyMismatchError
from detector.taxonomy import Taxonomy, ViolationType, load_taxonomy

__all__ = [
    "Detections",
    "DetectorError",
    "ImageDecodeError",
    "ModelLoadError",
    "Taxonomy",
    "TaxonomyMismatchError",
    "ViolationType",
    "load_taxonomy",
]
