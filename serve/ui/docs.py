"""The API's reference pages, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), from the
copies vendored under ``static/vendor`` (see its ``VENDORED.md``): FastAPI's own pages load
both from a CDN, which leaves them blank on a city network without internet. Public, like
``/openapi.json`` they read."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from serve.ui.routes import STATIC_DIR

# the vendored bundles set styles inline and ReDoc searches in a worker it makes from a
# blob; nothing else is let in, and nothing goes out but to this server
DOCS_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self' 'unsafe-inline'",
        "script-src 'self'",
        "worker-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
_HEADERS = {"Content-Security-Policy": DOCS_POLICY, "X-Content-Type-Options": "nosniff"}

router = APIRouter(include_in_schema=False)


def _page(name: str) -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type="text/html; charset=utf-8", headers=_HEADERS)


@router.get("/docs")
def swagger_ui() -> FileResponse:
    """The API, to read and try (Swagger UI)."""
    return _page("docs.html")


@router.get("/redoc")
def redoc() -> FileResponse:
    """The API, to read (ReDoc)."""
    return _page("redoc.html")
