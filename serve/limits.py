"""Request body limits, enforced before a route (or its access check) reads the body.

FastAPI parses a multipart upload before it runs the route's dependencies, so without this
an anonymous caller could make the service receive and spool any number of megabytes
before being told 401. A request that carries no credentials at all (no ``Authorization``
header, no camera API key, no session cookie) may send only a small body; one that does
may send up to the upload limit. Bodies are counted as they arrive, so a missing or
false ``Content-Length`` does not get around either limit.
"""

from __future__ import annotations

import json
from http.cookies import CookieError, SimpleCookie

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serve.auth.access import API_KEY_HEADER, SESSION_COOKIE

# a sign-in form or a JSON review is a few hundred bytes
ANONYMOUS_BODY_BYTES = 64 * 1024
# multipart framing around an image upload
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class BodyLimit:
    """ASGI middleware: 413 for a body over ``limit`` bytes (``anonymous`` without credentials)."""

    def __init__(self, app: ASGIApp, *, limit: int, anonymous: int = ANONYMOUS_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit + MULTIPART_OVERHEAD_BYTES
        self.anonymous = min(anonymous, self.limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        credentialed = (
            "authorization" in headers
            or API_KEY_HEADER.lower() in headers
            or _has_session(headers.get("cookie", ""))
        )
        limit = self.limit if credentialed else self.anonymous
        who = (
            ""
            if credentialed
            else " without credentials (a camera's API key in X-API-Key, a bearer token, "
            "or a signed-in session)"
        )
        detail = f"request body is larger than {limit} bytes, the limit for a request{who}"
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _reply_413(send, detail)
            return
        received = 0
        started = replied = False

        async def counted() -> Message:
            nonlocal received, replied
            if replied:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # answer now and tell the app the client left; whatever it answers
                    # after that is dropped (frameworks turn errors raised from here
                    # into their own 400s, so raising would lose the 413)
                    replied = True
                    if not started:
                        await _reply_413(send, detail)
                    return {"type": "http.disconnect"}
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if replied:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted, watched)


def _has_session(cookie_header: str) -> bool:
    if SESSION_COOKIE not in cookie_header:
        return False
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(cookie_header)
    except CookieError:  # a malformed cookie header is simply no session
        return False
    return bool(cookies.get(SESSION_COOKIE) and cookies[SESSION_COOKIE].value)


async def _reply_413(send: Send, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
