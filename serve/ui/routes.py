"""Routes of the reviewers' pages: the pages, their static files, taxonomy and font."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI, HTTPException
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from serve.auth.access import require_page_role, require_reviewer
from serve.auth.roles import Role
from serve.evidence.fonts import find_cjk_font
from serve.routes.deps import CamerasDep, RowId, SettingsDep, TaxonomyDep
from serve.store.records import EVIDENCE_KINDS, REJECT_REASONS

STATIC_DIR = Path(__file__).with_name("static")

# PAGE PROTECTION, in one place: reviewers and up may open every page (/review, /cases,
# /cameras, /map, /stats, /phones, /ledger); a browser without a session is sent to
# /login?next=<the page>. The API routes the pages call check the same role (and the CSRF
# token on POSTs) themselves.
PAGE_ACCESS = Depends(require_page_role(Role.reviewer))

# everything the pages load comes from this app: no CDN, no inline script or style
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data: blob:",
        "style-src 'self'",
        "script-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
_PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# browsers take fonts in these formats (not .ttc collections)
_FONT_MEDIA = {".otf": "font/otf", ".ttf": "font/ttf", ".woff2": "font/woff2"}

pages = APIRouter(include_in_schema=False, dependencies=[PAGE_ACCESS])
assets = APIRouter(prefix="/ui", tags=["ui"])


def _page(name: str) -> FileResponse:
    return FileResponse(
        STATIC_DIR / name, media_type="text/html; charset=utf-8", headers=_PAGE_HEADERS
    )


@pages.get("/review")
def review_page() -> FileResponse:
    """The queue of draft cases, worked by keyboard."""
    return _page("review.html")


@pages.get("/cases")
def cases_page() -> FileResponse:
    """Every case, any status: filtered, sorted, paged, selected cases exported."""
    return _page("cases.html")


@pages.get("/cases/{case_id}")
def case_page(case_id: RowId) -> FileResponse:
    """One case: evidence, timeline, deadline and the moves its status allows."""
    return _page("case.html")


@pages.get("/cameras")
def cameras_page() -> FileResponse:
    """The camera wall: every camera's latest frame, state, health and open cases."""
    return _page("cameras.html")


@pages.get("/cameras/{camera_id}")
def camera_page(camera_id: str) -> FileResponse:
    """One camera: its latest frame, health and open cases; for engineers the zone editor
    and the scene baseline's accept button."""
    return _page("camera.html")


@pages.get("/map")
def map_page(settings: SettingsDep) -> FileResponse:
    """The plan view: cameras and open cases on the uploaded plan, or on the in-house tile
    server's map (whose origin the page's policy then lets images come from)."""
    headers = dict(_PAGE_HEADERS)
    if settings.map_tile_url is not None:
        parts = urlsplit(settings.map_tile_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "img-src 'self' data: blob:", f"img-src 'self' data: blob: {origin}"
        )
    return FileResponse(
        STATIC_DIR / "map.html", media_type="text/html; charset=utf-8", headers=headers
    )


@pages.get("/stats")
def stats_page() -> FileResponse:
    """Charts of cases per day, camera and class, with the workflow rates."""
    return _page("stats.html")


@pages.get("/phones")
def phones_page() -> FileResponse:
    """The phone ledger: flyers' numbers from confirmed cases, handed to the carriers."""
    return _page("phones.html")


@pages.get("/ledger")
def ledger_page() -> FileResponse:
    """The weekly problem ledger (问题台账) per responsible unit, and the units."""
    return _page("ledger.html")


@assets.get("/taxonomy.json", dependencies=[Depends(require_reviewer)])
def taxonomy_json(taxonomy: TaxonomyDep) -> dict[str, Any]:
    """Class and violation names (zh/en), reject reasons and evidence kinds, for the pages."""
    return {
        "classes": [
            {"name": c.name, "zh": c.zh, "en": c.name.replace("_", " "), "group": c.group}
            for c in taxonomy.classes
        ],
        "violations": [
            {"key": v.key, "zh": v.zh, "en": v.en, "classes": list(v.classes)}
            for v in taxonomy.violations
        ],
        "reject_reasons": list(REJECT_REASONS),
        "evidence_kinds": list(EVIDENCE_KINDS),
    }


@assets.get("/cameras.json", dependencies=[Depends(require_reviewer)])
def cameras_json(cameras: CamerasDep) -> dict[str, Any]:
    """Camera names, places and zones, for the pages to name cameras and draw zones. Not
    their sources: stream URLs can hold camera passwords (``/v1/cameras`` is for engineers)."""
    data = [
        {
            "id": c.id,
            "name": c.name,
            "address": c.address,
            "timezone": c.timezone,
            "zones": [z.model_dump(mode="json") for z in c.zones],
        }
        for c in cameras.list()
    ]
    return {"data": data, "count": len(data)}


@assets.get("/fonts/cjk", response_class=FileResponse)
def cjk_font() -> FileResponse:
    """A Chinese font (Noto Sans SC, SIL OFL 1.1) for a browser that has none of its own;
    the stylesheet asks for the reviewer's local CJK fonts first. Public, like the static
    files: nothing in them is confidential."""
    path = find_cjk_font()
    media = _FONT_MEDIA.get(path.suffix.lower()) if path is not None else None
    if path is None or media is None:
        raise HTTPException(404, "this server has no Chinese font in a format browsers load")
    return FileResponse(path, media_type=media, headers={"Cache-Control": "max-age=604800"})


def mount(app: FastAPI) -> None:
    """Add the pages, ``/ui/taxonomy.json``, ``/ui/cameras.json``, the font and
    ``/ui/static`` to ``app``."""
    app.include_router(pages)
    app.include_router(assets)
    app.mount("/ui/static", StaticFiles(directory=STATIC_DIR), name="ui-static")
