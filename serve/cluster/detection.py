"""Detection as a service: a few model replicas that every camera worker sends frames to.

With ``cluster_detectors`` > 0 the cluster starts that many ``DetectorService`` actors
(each with ``cluster_detector_cpus`` CPUs and ``cluster_detector_gpus`` GPUs: on a GPU
node, one replica serves many CPU camera workers) and the workers detect through a
``RemoteBackend`` instead of a model of their own. A replica runs the frames its callers
send at the same moment as one batch (the service's ``InferenceBatcher``), follows the
model pointer on the shared path (a promotion swaps the model for every worker at once),
and answers each frame with the model that ran it, so a case records the model that saw
it. Replicas hold no state: Ray restarts one that dies and retries the frames it had.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from typing import Any

import ray
from ray.exceptions import RayActorError

from detector.backends.base import Backend
from detector.detections import Detections
from detector.image import Image
from detector.metadata import ModelInfo
from detector.model import Detector
from serve.config.settings import Settings
from serve.model_watch import start_model_watch
from serve.models import ModelHolder, load_detector, make_batcher

logger = logging.getLogger(__name__)


class DetectorService:
    """One model replica (a Ray actor with many concurrent calls)."""

    def __init__(
        self, settings: Settings, name: str, detector_factory: Callable[[], Detector] | None
    ) -> None:
        logging.basicConfig(level=logging.INFO)
        self.name = name
        detector = detector_factory() if detector_factory is not None else load_detector(settings)
        self.models = ModelHolder(detector, make_batcher(settings))
        self.watcher = (
            start_model_watch(settings, self.models) if detector_factory is None else None
        )
        self.frames = 0
        logger.info("detector service %s up: %s", name, detector)

    def info(self) -> ModelInfo:
        return self.models.current.info

    def detect(self, image: Image) -> tuple[ModelInfo, Detections]:
        """One frame's detections (batched with the frames other calls send meanwhile) and
        the model that found them."""
        detector = self.models.current
        found = self.models.detect(detector, image)
        self.frames += 1
        return detector.info, found

    def stats(self) -> dict[str, Any]:
        batcher = self.models.batcher
        stats = batcher.stats if batcher is not None else None
        info = self.models.current.info
        return {
            "name": self.name,
            "model": f"{info.name} {info.version}",
            "frames": self.frames,
            "batches": stats.batches if stats is not None else self.frames,
        }

    def stop(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        self.models.close()


class RemoteBackend(Backend):
    """A backend whose model runs in the cluster's detector services (round-robin). The
    thresholds are the services' (the same settings); ``info`` follows the model that ran
    the latest frame."""

    name = "remote"

    def __init__(self, handles: Sequence[Any], timeout_s: float = 120.0) -> None:
        if not handles:
            raise ValueError("no detector service to send frames to")
        self.handles = list(handles)
        self.timeout_s = timeout_s
        self._turn = itertools.count()
        self.info = ray.get(self.handles[0].info.remote(), timeout=timeout_s)

    @property
    def runtime(self) -> str:
        return f"remote ({len(self.handles)} detector services)"

    def detect(
        self, images: Sequence[Image], conf: float, iou: float, max_det: int
    ) -> list[Detections]:
        refs = [
            self.handles[next(self._turn) % len(self.handles)].detect.remote(image)
            for image in images
        ]
        try:
            results: list[tuple[ModelInfo, Detections]] = ray.get(refs, timeout=self.timeout_s)
        except RayActorError as e:  # restarts are retried by Ray; this one is gone for good
            raise RuntimeError(f"a detector service failed: {e}") from e
        if results:
            self.info = results[-1][0]
        return [found for _, found in results]


def remote_detector(handles: Sequence[Any], settings: Settings) -> Detector:
    """A camera worker's detector: frames go to the detector services."""
    return Detector(RemoteBackend(handles), conf=settings.conf, iou=settings.iou)


DetectorActor = ray.remote(DetectorService)
