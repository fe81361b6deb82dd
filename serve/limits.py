"""Request body limits, enforced before a route (or its access check) reads the body.

FastAPI parses a multipart upload before it runs the route's dependencies, so without this
an anonymous caller could make the service receive and spool any number of megabytes
before being told 401. A request that carries no credentials at all (no ``Authorization``
header, no camera API key, no session cookie) may send only a small body; one that does
may send up to the upload limit. Bodies are counted as they arrive, so a missing or
false ``Content-Length`` does not get around either limit.

A multipart body must end with its closing boundary: one cut short (a dropped link
whose proxy still ended the request, a buggy client) is a 400, where the form parser
would take the parts it got and drop the cut one, e.g. a frame's timestamp.

A body must also arrive within ``timeout_s`` of the request's start: a client that
trickles its upload (a slow-loris, or a camera link that has died) gets 408 and its
connection is closed, rather than holding a connection and a request's memory for ever.
"""

from __future__ import annotations

import asyncio
import json
import re
from http.cookies import CookieError, SimpleCookie

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serve.auth.access import API_KEY_HEADER, SESSION_COOKIE

# a sign-in form or a JSON review is a few hundred bytes
ANONYMOUS_BODY_BYTES = 64 * 1024
# multipart framing around an image upload
MULTIPART_OVERHEAD_BYTES = 64 * 1024
# how much of a multipart body's end is searched for the closing boundary
CLOSING_TAIL_BYTES = 512
_BOUNDARY = re.compile(r'boundary="?([^";,]{1,200})"?', re.IGNORECASE)


def closing_boundary(content_type: str) -> bytes | None:
    """The delimiter a multipart body of this content type must end with.

    >>> closing_boundary('multipart/form-data; boundary="a1"'), closing_boundary("text/plain")
    (b'--a1--', None)
    """
    if not content_type.lower().startswith("multipart/"):
        return None
    match = _BOUNDARY.search(content_type)
    return None if match is None else b"--" + match.group(1).encode("latin-1") + b"--"


class BodyLimit:
    """ASGI middleware: 413 for a body over ``limit`` bytes (``anonymous`` without credentials)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        anonymous: int = ANONYMOUS_BODY_BYTES,
        timeout_s: float = 60.0,
    ) -> None:
        self.app = app
        self.limit = limit + MULTIPART_OVERHEAD_BYTES
        self.anonymous = min(anonymous, self.limit)
        self.timeout_s = timeout_s

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
            await _reply(send, 413, detail)
            return
        received = 0
        started = replied = False
        closing = closing_boundary(headers.get("content-type", ""))
        tail = b""
        deadline = asyncio.get_running_loop().time() + self.timeout_s

        async def cut_off(status: int, why: str) -> Message:
            # answer now and tell the app the client left; whatever it answers after
            # that is dropped (frameworks turn errors raised from here into their own
            # 400s, so raising would lose this answer)
            nonlocal replied
            replied = True
            if not started:
                await _reply(send, status, why)
            return {"type": "http.disconnect"}

        async def counted() -> Message:
            nonlocal received, tail
            if replied:
                return {"type": "http.disconnect"}
            left = deadline - asyncio.get_running_loop().time()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(left, 0.0))
            except TimeoutError:
                return await cut_off(
                    408,
                    f"request body not received within {self.timeout_s:g} s "
                    f"({received} bytes came); send it faster or smaller",
                )
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    return await cut_off(413, detail)
                if closing is not None:
                    tail = (tail + message.get("body", b""))[-CLOSING_TAIL_BYTES:]
                    if not message.get("more_body", False) and closing not in tail:
                        return await cut_off(
                            400,
                            f"multipart body ends without its closing boundary "
                            f"{closing.decode('latin-1')!r}: the upload was cut short; "
                            "send it again",
                        )
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


async def _reply(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
