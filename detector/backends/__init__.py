"""Inference backends behind one interface; see ``registry`` for how one is chosen."""

from detector.backends.base import Backend, TensorBackend
from detector.backends.registry import BACKENDS, backend_class, backend_for, load_backend

__all__ = ["BACKENDS", "Backend", "TensorBackend", "backend_class", "backend_for", "load_backend"]
