"""Dependencies shared by the routes, declared once as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from detector.model import Detector
from serve.settings import Settings


def get_detector(request: Request) -> Detector:
    detector: Detector = request.app.state.detector
    return detector


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DetectorDep = Annotated[Detector, Depends(get_detector)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
