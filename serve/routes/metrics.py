"""``GET /metrics``: Prometheus text exposition."""

from __future__ import annotations

from fastapi import APIRouter, Response

from serve.metrics import CONTENT_TYPE
from serve.routes.deps import MetricsDep, ModelsDep

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response)
def metrics(metrics: MetricsDep, models: ModelsDep) -> Response:
    """Frames in and processed per camera, inference latency, cases opened, the model."""
    detector = models.current  # the model now serving (a promoted one replaces it)
    metrics.model.info(
        {
            "name": detector.info.name,
            "version": detector.info.version,
            "runtime": detector.backend.runtime,
        }
    )
    return Response(metrics.render(), media_type=CONTENT_TYPE)
