"""Dependencies shared by the routes, declared once as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from detector.taxonomy import Taxonomy
from serve.auth.access import (
    get_auth,
    require_admin,
    require_engineer,
    require_page_role,
    require_reviewer,
)
from serve.auth.records import Principal
from serve.auth.roles import Role
from serve.auth.service import AuthService
from serve.cameras.service import CameraService
from serve.config.settings import Settings
from serve.decoding import ImageDecoder
from serve.evidence.files import EvidenceFiles
from serve.metrics import Metrics
from serve.models import ModelHolder
from serve.store.cameras import CameraAudit
from serve.store.cases import CaseRepo
from serve.store.suppressions import SuppressionRepo


def get_models(request: Request) -> ModelHolder:
    models: ModelHolder = request.app.state.models
    return models


def get_decoder(request: Request) -> ImageDecoder:
    decoder: ImageDecoder = request.app.state.decoder
    return decoder


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_cameras(request: Request) -> CameraService:
    cameras: CameraService = request.app.state.cameras
    return cameras


def get_cases(request: Request) -> CaseRepo:
    cases: CaseRepo = request.app.state.cases
    return cases


def get_evidence(request: Request) -> EvidenceFiles:
    evidence: EvidenceFiles = request.app.state.evidence
    return evidence


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


def get_taxonomy(request: Request) -> Taxonomy:
    taxonomy: Taxonomy = request.app.state.taxonomy
    return taxonomy


def get_suppressions(request: Request) -> SuppressionRepo:
    repo: SuppressionRepo = request.app.state.suppressions
    return repo


def get_camera_audit(request: Request) -> CameraAudit:
    audit: CameraAudit = request.app.state.camera_audit
    return audit


def get_actor(request: Request) -> str:
    """Who is acting, for the audit log: the signed-in user, else the API client."""
    principal = getattr(request.state, "principal", None)
    name = getattr(principal, "username", None)
    return str(name) if name else "api"


# a row id in a path: bounded so that no database sees an integer it cannot hold
MAX_ROW_ID = 2**63 - 1
MAX_OFFSET = 2**31 - 1  # paging past this is no list anyone reads
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="a positive row id")]
ModelsDep = Annotated[ModelHolder, Depends(get_models)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
DecoderDep = Annotated[ImageDecoder, Depends(get_decoder)]
CamerasDep = Annotated[CameraService, Depends(get_cameras)]
CasesDep = Annotated[CaseRepo, Depends(get_cases)]
EvidenceDep = Annotated[EvidenceFiles, Depends(get_evidence)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
TaxonomyDep = Annotated[Taxonomy, Depends(get_taxonomy)]
SuppressionsDep = Annotated[SuppressionRepo, Depends(get_suppressions)]
ActorDep = Annotated[str, Depends(get_actor)]
CameraAuditDep = Annotated[CameraAudit, Depends(get_camera_audit)]

# access: a route that needs the caller takes one of these; a router whose routes all need
# a role is included with dependencies=[Depends(require_...)] from serve.auth.access instead
AuthDep = Annotated[AuthService, Depends(get_auth)]
ReviewerDep = Annotated[Principal, Depends(require_reviewer)]
EngineerDep = Annotated[Principal, Depends(require_engineer)]
AdminDep = Annotated[Principal, Depends(require_admin)]
# HTML pages: without a session the browser is sent to /login?next=<the page>
ReviewerPageDep = Annotated[Principal, Depends(require_page_role(Role.reviewer))]
EngineerPageDep = Annotated[Principal, Depends(require_page_role(Role.engineer))]
