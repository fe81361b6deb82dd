"""Hot reload: follow the model pointer (``models/current``) and swap in a promoted model.

A background thread resolves the pointer every ``poll_s`` seconds. When the model file it
leads to changes (another path, or the same path with other bytes), the new detector is
loaded and run once on a blank frame, off the request path, with the service's taxonomy
check; only then does `ModelHolder.swap` install it. Frames in flight keep the detector they
took, so none is dropped. A model that fails to load is logged and the old one keeps
serving; the watcher tries again only once the pointer or the file changes again.

>>> watcher = ModelWatcher(Path("models/current"), holder, load=Detector.load)  # doctest: +SKIP
>>> watcher.start()  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from detector.errors import DetectorError
from detector.model import Detector, resolve_model_path
from serve.config.settings import Settings
from serve.heap import refreeze
from serve.models import ModelHolder, load_detector

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelFile:
    """What identifies a model file's content without reading it all."""

    path: Path
    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> ModelFile:
        st = path.stat()
        return cls(path.resolve(), st.st_size, st.st_mtime_ns, st.st_ino)


class ModelWatcher:
    """Polls ``pointer`` and swaps the model in ``holder`` when the file it names changes."""

    def __init__(
        self,
        pointer: Path,
        holder: ModelHolder,
        *,
        load: Callable[[Path], Detector],
        poll_s: float = 5.0,
    ) -> None:
        if poll_s <= 0:
            raise ValueError(f"poll_s must be positive, got {poll_s}")
        self.pointer = pointer
        self.holder = holder
        self.poll_s = poll_s
        self._load = load
        self._serving = self._file_of(holder.current)
        self._failed: ModelFile | None = None
        self._last_error = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def _file_of(detector: Detector) -> ModelFile | None:
        try:
            return ModelFile.of(detector.info.path)
        except OSError:  # an injected detector with no file behind it
            return None

    def check(self) -> bool:
        """Poll once; True when a new model was swapped in."""
        try:
            found = ModelFile.of(resolve_model_path(self.pointer))
        except (DetectorError, OSError) as exc:
            self._report(f"cannot resolve the model pointer {self.pointer}: {exc}")
            return False
        if found in (self._serving, self._failed):
            return False
        info = self.holder.current.info
        logger.info("model pointer %s now leads to %s; loading it", self.pointer, found.path)
        try:
            detector = self._load(found.path)
            # one inference now, so a model that loads but cannot run never serves a frame
            h, w = detector.info.imgsz
            detector.detect(np.zeros((h, w, 3), np.uint8))
        except Exception as exc:  # whatever a new model fails with, the old one keeps serving
            self._failed = found
            logger.error(
                "could not load %s (%s: %s); still serving %s %s",
                found.path,
                type(exc).__name__,
                exc,
                info.name,
                info.version,
                exc_info=not isinstance(exc, DetectorError),
            )
            return False
        self.holder.swap(detector)
        refreeze()  # the replaced model's objects may be garbage kept frozen
        self._serving, self._failed, self._last_error = found, None, ""
        logger.info(
            "swapped model %s %s -> %s %s",
            info.name,
            info.version,
            detector.info.name,
            detector.info.version,
        )
        return True

    def _report(self, message: str) -> None:
        if message != self._last_error:  # once per distinct problem, not every poll
            logger.error("%s; still serving the current model", message)
            self._last_error = message

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the model watcher is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="model-watch", daemon=True)
        self._thread.start()
        logger.info("watching %s for new models every %.1f s", self.pointer, self.poll_s)

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.poll_s):
            self.check()


def start_model_watch(settings: Settings, holder: ModelHolder) -> ModelWatcher | None:
    """Start following ``settings.model`` (unless ``model_poll_s`` is 0); stop it on shutdown."""
    if settings.model_poll_s <= 0:
        return None

    def load(path: Path) -> Detector:
        return load_detector(settings, path)

    watcher = ModelWatcher(settings.model, holder, load=load, poll_s=settings.model_poll_s)
    watcher.start()
    return watcher
