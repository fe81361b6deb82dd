"""FastAPI dependencies that decide who may call a route.

A router is included with one of them (``dependencies=[Depends(require_reviewer)]``), or
a route takes one as a parameter (``ReviewerDep`` in ``serve.routes.deps``) when it needs
the principal. Unauthenticated API calls get 401, HTML pages a redirect to ``/login``, a
role too low 403; each says what is needed. The principal is also left in
``request.state.principal`` for the audit log.

A session cookie is only trusted for unsafe methods (POST, PUT, PATCH, DELETE) with the
session's CSRF token in the ``X-CSRF-Token`` header or the ``csrf_token`` form field;
the admin token and camera keys are not sent by browsers on their own, so they need none.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from serve.auth.records import Principal
from serve.auth.roles import Role, parse_role
from serve.auth.service import AuthService, InvalidCredentialsError
from serve.auth.tokens import same

logger = logging.getLogger(__name__)

SESSION_COOKIE = "sw_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
API_KEY_HEADER = "X-API-Key"
LOGIN_PAGE = "/login"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")

_bearer = HTTPBearer(
    scheme_name="Bearer",
    auto_error=False,
    description="the admin token (STREETWATCH_ADMIN_TOKEN), or a camera's API key",
)
_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    scheme_name="Session",
    auto_error=False,
    description="set by POST /v1/auth/login; unsafe methods also need X-CSRF-Token",
)
_api_key = APIKeyHeader(
    name=API_KEY_HEADER,
    scheme_name="CameraKey",
    auto_error=False,
    description="a camera's API key (frames only)",
)

Requirement = Callable[..., Awaitable[Principal]]


def get_auth(request: Request) -> AuthService:
    auth: AuthService = request.app.state.auth
    return auth


async def get_optional_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
    session_token: Annotated[str | None, Depends(_cookie)],
) -> Principal | None:
    """Who is calling, or ``None`` when no credentials came (or the session has ended).

    Wrong credentials are 401 and a cookie request without its CSRF token is 403, whatever
    the route needs."""
    auth = get_auth(request)
    principal: Principal | None = None
    if bearer is not None:
        principal = await _presented(auth.bearer, bearer.credentials)
    elif api_key is not None:
        principal = await _presented(auth.camera_key, api_key)
    elif session_token:
        principal = await run_in_threadpool(auth.session, session_token)
        if principal is not None and request.method not in SAFE_METHODS:
            await _check_csrf(request, principal)
    request.state.principal = principal
    return principal


async def _presented(check: Callable[[str], Principal], secret: str) -> Principal:
    try:
        return await run_in_threadpool(check, secret)
    except InvalidCredentialsError as e:
        raise HTTPException(401, str(e), headers={"WWW-Authenticate": "Bearer"}) from e


async def _check_csrf(request: Request, principal: Principal) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(_FORMS):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if sent is None or principal.csrf_token is None or not same(sent, principal.csrf_token):
        logger.warning(
            "refused %s %s from %s: missing or wrong CSRF token",
            request.method,
            request.url.path,
            principal.username,
        )
        raise HTTPException(
            403,
            f"missing or wrong CSRF token: a signed-in {request.method} needs the "
            f"{CSRF_HEADER} header (or form field {CSRF_FIELD!r}) set to the csrf_token "
            "from GET /v1/auth/me",
        )


OptionalPrincipal = Annotated[Principal | None, Depends(get_optional_principal)]
# the session cookie's token, for routes that end or replace the session
SessionToken = Annotated[str | None, Depends(_cookie)]


def check_role(principal: Principal | None, role: Role) -> Principal:
    """``principal`` if it has ``role`` (or higher), else the 401 or 403 that says why."""
    if principal is None:
        raise HTTPException(
            401,
            f"not signed in: this needs the {role.value} role; sign in at {LOGIN_PAGE} "
            "(POST /v1/auth/login) or send Authorization: Bearer <admin token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if principal.role is None:
        raise HTTPException(
            403,
            f"a camera API key can only push frames to its camera ({principal.camera_id}); "
            f"this needs the {role.value} role",
        )
    if not principal.allows(role):
        raise HTTPException(
            403,
            f"this needs the {role.value} role or higher; "
            f"{principal.username!r} is a {principal.role.value}",
        )
    return principal


@functools.cache
def require_role(role: Role | str) -> Requirement:
    """A dependency admitting principals with ``role`` or higher (one per role, cached).

    >>> router = APIRouter(dependencies=[Depends(require_role("engineer"))])  # doctest: +SKIP
    """
    needed = parse_role(role)

    async def dependency(principal: OptionalPrincipal) -> Principal:
        return check_role(principal, needed)

    dependency.__name__ = f"require_{needed.value}"
    return dependency


@functools.cache
def require_page_role(role: Role | str) -> Requirement:
    """Like :func:`require_role` for HTML pages: without a session the browser is sent
    to ``/login?next=<this page>`` (303) instead of getting a 401.

    >>> @router.get("/review", dependencies=[Depends(require_page_role("reviewer"))])
    ... def review_page() -> HTMLResponse: ...  # doctest: +SKIP
    """
    needed = parse_role(role)

    async def dependency(request: Request, principal: OptionalPrincipal) -> Principal:
        if principal is None:
            raise HTTPException(
                303,
                f"sign in first at {LOGIN_PAGE}",
                headers={"Location": login_url(request)},
            )
        return check_role(principal, needed)

    dependency.__name__ = f"require_page_{needed.value}"
    return dependency


def login_url(request: Request) -> str:
    """``/login?next=<path and query of request>``."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{LOGIN_PAGE}?next={quote(target, safe='')}"


require_reviewer = require_role(Role.reviewer)
require_engineer = require_role(Role.engineer)
require_admin = require_role(Role.admin)


async def require_metrics_access(request: Request, principal: OptionalPrincipal) -> None:
    """``/metrics``: engineers, or anyone when ``STREETWATCH_METRICS_PUBLIC`` is true."""
    if not get_auth(request).metrics_public:
        check_role(principal, Role.engineer)


async def require_frame_pusher(camera_id: str, principal: OptionalPrincipal) -> Principal:
    """Pushing frames to ``camera_id``: that camera's API key (``X-API-Key`` or Bearer), or
    an engineer."""
    if principal is None:
        raise HTTPException(
            401,
            f"not signed in: pushing frames to camera {camera_id!r} needs its API key "
            f"({API_KEY_HEADER}: swk_...) or the engineer role",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if principal.via == "camera_key":
        if principal.camera_id != camera_id:
            raise HTTPException(
                403,
                f"this API key belongs to camera {principal.camera_id!r}, not to {camera_id!r}",
            )
        return principal
    return check_role(principal, Role.engineer)
