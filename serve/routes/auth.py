"""Signing in and out: ``/login`` (the form), ``/v1/auth/login``, ``/logout``, ``/me``,
``/password``."""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import ValidationError

from serve.auth.access import SESSION_COOKIE, OptionalPrincipal, SessionToken
from serve.auth.pages import PAGE_HEADERS, login_page, safe_next
from serve.auth.passwords import WeakPasswordError
from serve.auth.records import User
from serve.auth.service import AuthService
from serve.routes.deps import AuthDep, ReviewerDep
from serve.schemas.auth import LoginRequest, MePublic, PasswordChange

logger = logging.getLogger(__name__)

pages = APIRouter(include_in_schema=False)
router = APIRouter(prefix="/auth", tags=["auth"])

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_LOCAL = {"localhost", "127.0.0.1", "::1"}
NextQuery = Annotated[str | None, Query(alias="next", description="where to go after")]


@pages.get("/login", response_class=HTMLResponse)
def login_form(next_path: NextQuery = None) -> HTMLResponse:
    """The sign-in form (登录); it posts to ``/v1/auth/login``."""
    return HTMLResponse(login_page(next_path), headers=PAGE_HEADERS)


class _LoginRefusedError(Exception):
    """A sign-in refused with ``status`` and a message for the person signing in."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


_LOGIN_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": LoginRequest.model_json_schema()},
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["username", "password"],
                "properties": {
                    "username": {"type": "string"},
                    "password": {"type": "string", "format": "password"},
                    "next": {"type": "string", "description": "where to go; a path here"},
                },
            }
        },
    },
}


@router.post(
    "/login",
    response_model=MePublic,
    openapi_extra={"requestBody": _LOGIN_BODY},
    responses={
        303: {"description": "form sign-in: on to the form's next"},
        401: {"description": "wrong user name or password"},
        403: {"description": "account disabled"},
        429: {"description": "too many failed sign-ins; see Retry-After"},
    },
)
async def login(request: Request, auth: AuthDep) -> Response:
    """Sign in with JSON ``{username, password}`` (answers like ``/me``) or the form of
    ``/login`` (redirects to its ``next``); either way sets the ``sw_session`` cookie.
    Needs no CSRF token: there is no session yet to ride on."""
    content_type = request.headers.get("content-type", "")
    from_form = content_type.startswith(_FORMS)
    fields, next_path = await _login_fields(request, from_form)
    try:
        body = LoginRequest.model_validate(fields)
    except ValidationError as e:
        if from_form:
            refused = _LoginRefusedError(422, "请填写用户名和密码 / enter user name and password")
            return _form_refused(refused, next_path)
        raise RequestValidationError(e.errors(include_url=False)) from e
    try:
        user = await _authenticate(request, auth, body)
    except _LoginRefusedError as refused:
        if from_form:
            return _form_refused(refused, next_path, body.username)
        raise HTTPException(refused.status, refused.message, refused.headers) from refused
    old_token = request.cookies.get(SESSION_COOKIE)
    if old_token:  # a new sign-in never reuses a session id someone may have planted
        await run_in_threadpool(auth.sessions.delete, old_token)
    new = await run_in_threadpool(auth.sessions.create, user)
    logger.info("%s signed in (%s) from %s", user.username, user.role.value, _client(request))
    _warn_if_cookie_dropped(request, auth)
    response: Response
    if from_form:
        response = RedirectResponse(safe_next(next_path), status_code=303)
    else:
        me = MePublic(
            username=user.username, role=user.role, via="session", csrf_token=new.csrf_token
        )
        response = JSONResponse(me.model_dump(mode="json"))
    set_session_cookie(response, new.token, secure=auth.secure_cookies)
    return response


async def _login_fields(request: Request, from_form: bool) -> tuple[dict[str, Any], str | None]:
    if from_form:
        form = await request.form()
        fields = {k: v for k in ("username", "password") if isinstance(v := form.get(k), str)}
        next_value = form.get("next")
        return fields, next_value if isinstance(next_value, str) else None
    try:
        parsed = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise HTTPException(
            422, 'expected JSON {"username": ..., "password": ...} or the /login form'
        ) from e
    if not isinstance(parsed, dict):
        raise HTTPException(422, f"expected a JSON object, got {type(parsed).__name__}")
    return parsed, None


async def _authenticate(request: Request, auth: AuthService, body: LoginRequest) -> User:
    # a user's failures count per address: a stranger's guesses cannot lock the user out
    # from their own address; the address's own limit caps guessing across user names
    by_user = f"user:{body.username.lower()}@{_client(request)}"
    by_client = f"client:{_client(request)}"
    wait = max(auth.throttle_user.retry_after(by_user), auth.throttle_client.retry_after(by_client))
    if wait > 0:
        seconds = int(wait) + 1
        logger.warning("sign-in for %r from %s throttled", body.username, _client(request))
        raise _LoginRefusedError(
            429,
            f"too many failed sign-ins; try again in {seconds} s",
            {"Retry-After": str(seconds)},
        )
    user = await run_in_threadpool(auth.users.authenticate, body.username, body.password)
    if user is None:
        auth.throttle_user.failed(by_user)
        auth.throttle_client.failed(by_client)
        logger.warning("failed sign-in for %r from %s", body.username, _client(request))
        raise _LoginRefusedError(401, "wrong user name or password")
    auth.throttle_user.succeeded(by_user)
    if user.disabled:
        raise _LoginRefusedError(403, f"account {user.username!r} is disabled; ask an admin")
    return user


def _form_refused(
    refused: _LoginRefusedError, next_path: str | None = None, username: str = ""
) -> Response:
    messages = {401: "用户名或密码错误", 403: "账号已停用", 429: "登录失败次数过多，请稍后再试"}
    text = (
        f"{messages[refused.status]} / {refused.message}"
        if refused.status in messages
        else refused.message
    )
    return HTMLResponse(
        login_page(next_path, error=text, username=username),
        status_code=refused.status,
        headers={**PAGE_HEADERS, **refused.headers},
    )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _warn_if_cookie_dropped(request: Request, auth: AuthService) -> None:
    if auth.secure_cookies and request.url.scheme == "http" and request.url.hostname not in _LOCAL:
        logger.warning(
            "session cookie is Secure but this sign-in came over plain HTTP to %s: browsers "
            "will drop it. Serve over HTTPS, or set STREETWATCH_SECURE_COOKIES=false",
            request.url.hostname,
        )


def set_session_cookie(response: Response, token: str, *, secure: bool) -> None:
    # no max-age: the browser forgets it on exit, the server ends it when idle
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, secure=secure, samesite="lax", path="/"
    )


@router.post("/logout", status_code=204, responses={303: {"description": "form: to /login"}})
async def logout(
    request: Request, auth: AuthDep, principal: OptionalPrincipal, token: SessionToken
) -> Response:
    """End this session (the cookie's; it needs the CSRF token like any signed-in POST)."""
    if token and principal is not None and principal.via == "session":
        await run_in_threadpool(auth.sessions.delete, token)
        logger.info("%s signed out", principal.username)
    from_form = request.headers.get("content-type", "").startswith(_FORMS)
    response = RedirectResponse("/login", 303) if from_form else Response(status_code=204)
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, secure=auth.secure_cookies, samesite="lax", path="/"
    )
    return response


@router.get("/me", response_model=MePublic)
def me(principal: ReviewerDep) -> MePublic:
    """Who is signed in, and the CSRF token a page sends as ``X-CSRF-Token``."""
    assert principal.role is not None  # ReviewerDep admits only principals with a role
    return MePublic(
        username=principal.username,
        role=principal.role,
        via=principal.via,
        csrf_token=principal.csrf_token,
    )


@router.post("/password", response_model=MePublic)
def change_password(
    body: PasswordChange, principal: ReviewerDep, auth: AuthDep, request: Request
) -> Response:
    """Change your own password; your other sessions end, this one is renewed."""
    if principal.via != "session":
        raise HTTPException(
            409, "the admin token has no password; change users with PUT /v1/users/{username}"
        )
    by_user = f"user:{principal.username}"
    if auth.throttle_user.retry_after(by_user) > 0:
        raise HTTPException(429, "too many wrong passwords; try again later")
    if auth.users.authenticate(principal.username, body.current_password) is None:
        auth.throttle_user.failed(by_user)
        raise HTTPException(403, "current_password is wrong")
    try:
        user = auth.users.update(principal.username, password=body.new_password)
    except WeakPasswordError as e:
        raise HTTPException(422, f"field 'new_password': {e}") from e
    new = auth.sessions.create(user)
    logger.info("%s changed their password from %s", user.username, _client(request))
    me = MePublic(username=user.username, role=user.role, via="session", csrf_token=new.csrf_token)
    response = JSONResponse(me.model_dump(mode="json"))
    set_session_cookie(response, new.token, secure=auth.secure_cookies)
    return response
