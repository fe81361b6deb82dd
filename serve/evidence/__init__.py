"""Evidence packs: annotated frames and crops, and the content-addressed files that hold them."""

from serve.evidence.files import EvidenceFiles, StoredFile
from serve.evidence.render import Annotation, RenderResult, annotate, crop, encode_jpeg

__all__ = [
    "Annotation",
    "EvidenceFiles",
    "RenderResult",
    "StoredFile",
    "annotate",
    "crop",
    "encode_jpeg",
]
