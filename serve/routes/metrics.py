"""``GET /metrics``: Prometheus text exposition."""

from __future__ import annotations

from fastapi import APIRouter, Response

from serve.metrics import CONTENT_TYPE
from serve.routes.deps import MetricsDep

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response)
def metrics(metrics: MetricsDep) -> Response:
    """Frames in and processed per camera, inference latency, cases opened."""
    return Response(metrics.render(), media_type=CONTENT_TYPE)
