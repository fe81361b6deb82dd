"""What a ``CameraService`` is built from, in one place: the single-process service and
every cluster worker (``serve/cluster/worker.py``) build theirs the same way."""

from __future__ import annotations

from typing import Any

from detector.model import Detector
from detector.taxonomy import load_taxonomy
from detector.text.reader import TextReader
from serve.config.settings import Settings
from serve.evidence.files import EvidenceFiles
from serve.metrics import Metrics
from serve.models import ModelHolder, make_batcher
from serve.pipeline.text_worker import TextWorker
from serve.store.cameras import CameraRepo
from serve.store.cases import CaseRepo
from serve.store.checkpoints import CheckpointRepo
from serve.store.database import Database
from serve.store.suppressions import SuppressionRepo


def camera_service_args(
    settings: Settings, db: Database, detector: Detector, metrics: Metrics
) -> dict[str, Any]:
    """The keyword arguments of ``CameraService`` for these settings, store and model."""
    return {
        "models": ModelHolder(detector, make_batcher(settings, metrics.batch_frames.observe)),
        "taxonomy": load_taxonomy(),
        "cameras": CameraRepo(db, settings.secret_box()),
        "cases": CaseRepo(db),
        "evidence": EvidenceFiles(settings.evidence_root),
        "metrics": metrics,
        "suppressions": SuppressionRepo(db),
        "reinspect_checks": settings.reinspect_checks,
        "reinspect_interval_s": settings.reinspect_interval_s,
        "checkpoints": CheckpointRepo(db),
        "checkpoint_interval_s": settings.checkpoint_interval_s,
        "max_clock_ahead_s": settings.max_clock_ahead_s,
        "push_limit": settings.push_limit,
        "scene_dir": settings.data_dir / "scene",
        "text_worker": TextWorker(
            TextReader(threads=settings.ocr_threads),
            queue_size=settings.ocr_queue,
            observe=lambda kind, s: metrics.ocr_seconds.labels(kind).observe(s),
        ),
    }
