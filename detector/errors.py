"""Errors the detector library raises; each message says what was expected and what came."""


class DetectorError(ValueError):
    """Base class: bad input to the detector library."""


class ImageDecodeError(DetectorError):
    """Bytes or a file that is not a decodable image, or an image of the wrong shape."""


class ModelLoadError(DetectorError):
    """A model file that is missing, unreadable or not a YOLO detector."""


class TaxonomyMismatchError(DetectorError):
    """A model whose class names do not match the taxonomy."""
