"""The streetwatch HTTP service (app factory)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial

from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError

from detector.model import Detector
from detector.taxonomy import load_taxonomy
from serve.auth.access import (
    require_engineer,
    require_frame_pusher,
    require_metrics_access,
    require_reviewer,
)
from serve.auth.bootstrap import start_auth
from serve.cameras.build import camera_service_args
from serve.cameras.service import CameraService
from serve.config.cameras import load_cameras
from serve.config.settings import Settings
from serve.config.units import load_units
from serve.decoding import ImageDecoder
from serve.dispatch import WebhookDispatcher
from serve.dispatch_profile import load_profile
from serve.heap import freeze_startup, thaw
from serve.limits import BodyLimit
from serve.metrics import Metrics
from serve.model_watch import start_model_watch
from serve.models import load_detector
from serve.overdue import OverdueWatcher
from serve.plan import PlanStore
from serve.routes import (
    auth,
    camera_keys,
    cameras,
    cases,
    cluster,
    detect,
    frames,
    health,
    live,
    metrics,
    phones,
    plan,
    review,
    stats,
    users,
    workflow,
)
from serve.routes import ledger as ledger_routes
from serve.routes import taxonomy as taxonomy_routes
from serve.routes import units as unit_routes
from serve.routes.workflow import dispatch_payload
from serve.store.cameras import CameraAudit
from serve.store.database import open_database
from serve.store.ledger import LedgerRepo
from serve.store.stats import StatsRepo
from serve.store.units import UnitRepo
from serve.ui import docs as api_docs
from serve.ui import routes as ui
from serve.validation import validation_error

logger = logging.getLogger(__name__)


def check_cluster(settings: Settings) -> None:
    """ValueError for cluster settings that cannot work, before anything starts."""
    if settings.cluster is None:
        return
    from serve.cluster.placement import parse_cluster

    address = parse_cluster(settings.cluster)
    if settings.database.startswith("sqlite") and address is not None:
        raise ValueError(
            f"--cluster {settings.cluster}: workers on other hosts cannot share a SQLite "
            "file; give the cluster's PostgreSQL with --database postgresql+psycopg://..."
        )
    if settings.cluster_ingress_only and address is None:
        raise ValueError("--ingress-only joins a running cluster: --cluster auto or ray://")


def camera_service(
    settings: Settings, worker_detector: Callable[[], Detector] | None
) -> Callable[..., CameraService]:
    """What runs the cameras: this process, or (``settings.cluster``) a Ray cluster's
    workers, whose module (and Ray) is imported only then."""
    if settings.cluster is None:
        return CameraService
    from serve.cluster.cameras import ClusterCameras
    from serve.cluster.ray_cluster import ClusterSpec, RayCluster

    spec = ClusterSpec.parse(settings.cluster, settings.cluster_workers)
    if settings.database.startswith("sqlite"):
        logger.warning("cluster on SQLite: fine for trying it on one host; use PostgreSQL")
    if settings.cluster_ingress_only:
        from serve.cluster.directory import IngressCluster

        return partial(ClusterCameras, IngressCluster(spec.address))
    return partial(ClusterCameras, RayCluster(settings, spec, worker_detector))


def create_app(
    settings: Settings,
    detector: Detector | None = None,
    *,
    worker_detector: Callable[[], Detector] | None = None,
) -> FastAPI:
    """Build the app. The cameras file is read now, so a bad file fails before serving;
    the model, database, evidence store and camera streams start with the app. On a
    cluster, ``worker_detector`` makes each worker's detector (default: the model the
    settings name), as ``detector`` is this process's."""
    file_cameras = load_cameras(settings.config) if settings.config is not None else []
    file_units = load_units(settings.units) if settings.units is not None else []
    profile = load_profile(settings.dispatch_profile, [v.key for v in load_taxonomy().violations])
    check_cluster(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = detector
        if loaded is None:
            loaded = load_detector(settings)
        logger.info("loaded model %s %s", loaded.info.name, loaded.info.version)
        db = open_database(settings.database)
        app.state.auth = start_auth(db, settings)  # no admin yet: make one
        args = camera_service_args(settings, db, loaded, app.state.metrics)
        evidence, taxonomy = args["evidence"], args["taxonomy"]
        evidence.sweep_temp()
        service = camera_service(settings, worker_detector)(**args)
        app.state.models = service.models
        app.state.taxonomy = taxonomy
        app.state.cases = service.cases
        app.state.evidence = evidence
        app.state.cameras = service
        app.state.suppressions = service.suppressions
        app.state.stats = StatsRepo(db)
        app.state.units = UnitRepo(db)
        app.state.ledger = LedgerRepo(db)
        app.state.units.put_all(file_units, source="file")
        app.state.camera_audit = CameraAudit(db)
        app.state.plan = PlanStore(settings.data_dir / "plan")
        cams = list(file_cameras)
        if settings.demo and not any(c.id == "demo" for c in cams):
            from serve.demo import demo_camera

            cams.append(await run_in_threadpool(demo_camera, settings.data_dir))
        service.start(cams)
        if settings.gc_freeze:  # what lives as long as the service: out of full collections
            freeze_startup()
        # an injected detector is the caller's to manage; a loaded one follows its pointer
        watcher = start_model_watch(settings, service.models) if detector is None else None
        # on a cluster, one API process (the coordinator) watches deadlines and dispatches
        overdue = None if settings.cluster_ingress_only else OverdueWatcher(service.cases)
        if overdue is not None:
            overdue.start()
        dispatcher = None
        if settings.dispatch_url and not settings.cluster_ingress_only:
            dispatcher = WebhookDispatcher(
                service.cases,
                settings.dispatch_url,
                lambda case_id: dispatch_payload(
                    service.cases, taxonomy, settings, case_id, profile, evidence
                ),
                secret=(
                    settings.dispatch_secret.get_secret_value()
                    if settings.dispatch_secret
                    else None
                ),
            )
            dispatcher.start()
        app.state.dispatcher = dispatcher
        try:
            yield
        finally:
            if dispatcher is not None:
                dispatcher.stop()
            if overdue is not None:
                overdue.stop()
            if watcher is not None:
                watcher.stop()
            service.stop()
            service.models.close()
            db.dispose()
            if settings.gc_freeze:
                thaw()

    app = FastAPI(
        title="streetwatch",
        version="0.2.0",
        description=(
            "Street-scene violation detection for city camera feeds: cameras stream frames, "
            "the service detects, tracks and applies per-violation rules over zones and time, "
            "and opens one draft case per violation with an evidence pack."
        ),
        lifespan=lifespan,
        docs_url=None,  # served from vendored assets: serve/ui/docs.py
        redoc_url=None,
    )
    app.add_exception_handler(RequestValidationError, validation_error)
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.state.decoder = ImageDecoder(settings.image_limits, settings.decode_slots)
    app.add_middleware(
        BodyLimit, limit=settings.max_upload_bytes, timeout_s=settings.body_timeout_s
    )
    # who may call what: each router is included with its rule (the accounts' routers and
    # the pages carry their own); tests/serve/auth/test_route_walk.py holds every route to it
    reviewer, engineer = [Depends(require_reviewer)], [Depends(require_engineer)]
    app.include_router(health.router)  # public
    app.include_router(api_docs.router)  # public, like /openapi.json
    app.include_router(auth.pages)  # public: the sign-in form
    app.include_router(metrics.router, dependencies=[Depends(require_metrics_access)])
    app.include_router(auth.router, prefix="/v1")
    app.include_router(users.router, prefix="/v1")  # admins
    app.include_router(detect.router, prefix="/v1", dependencies=engineer)
    app.include_router(cameras.router, prefix="/v1", dependencies=engineer)
    app.include_router(cluster.router, prefix="/v1", dependencies=engineer)
    app.include_router(camera_keys.router, prefix="/v1")  # engineers
    pushers = [Depends(require_frame_pusher)]  # the camera's API key, or engineers
    app.include_router(frames.router, prefix="/v1", dependencies=pushers)
    app.include_router(cases.router, prefix="/v1", dependencies=reviewer)
    app.include_router(review.router, prefix="/v1", dependencies=reviewer)
    app.include_router(stats.router, prefix="/v1", dependencies=reviewer)
    app.include_router(taxonomy_routes.router, prefix="/v1", dependencies=reviewer)
    app.include_router(unit_routes.router, prefix="/v1")  # reviewers read, engineers write
    app.include_router(ledger_routes.router, prefix="/v1", dependencies=reviewer)
    app.include_router(phones.router, prefix="/v1", dependencies=reviewer)
    app.include_router(live.router, prefix="/v1", dependencies=reviewer)
    app.include_router(plan.router, prefix="/v1")  # reviewers read, engineers write
    ui.mount(app)  # pages: reviewers, else a redirect to /login
    app.include_router(workflow.router, prefix="/v1", dependencies=reviewer)
    return app
