"""The streetwatch HTTP service (app factory)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from detector.model import Detector
from serve.routes import detect, health
from serve.settings import Settings

logger = logging.getLogger(__name__)


def create_app(settings: Settings, detector: Detector | None = None) -> FastAPI:
    """Build the app; the detector is loaded at start-up unless one is given."""
    if settings.config is not None:
        # cameras, zones and rules arrive with the case pipeline; never ignore a file silently
        raise ValueError(
            f"--config {settings.config}: camera configuration is not supported yet; "
            "this service offers /healthz and /v1/detect"
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "detector", None) is None:
            app.state.detector = Detector.load(settings.model, conf=settings.conf, iou=settings.iou)
            logger.info(
                "loaded model %s %s", app.state.detector.info.name, app.state.detector.info.version
            )
        yield

    app = FastAPI(
        title="streetwatch",
        version="0.1.0",
        description="Street-scene violation detection for city camera feeds.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.detector = detector
    app.include_router(health.router)
    app.include_router(detect.router, prefix="/v1")
    return app
