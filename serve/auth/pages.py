"""The sign-in page (登录), and where a browser may be sent after signing in."""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

DEFAULT_NEXT = "/review"

# no scripts, no third-party anything; the page is only ever shown in the top frame
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
}


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site.

    >>> safe_next("/v1/cases?status=draft"), safe_next("//evil.example/"), safe_next(None)
    ('/v1/cases?status=draft', '/review', '/review')
    """
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return DEFAULT_NEXT
    if any(c == "\\" or ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return DEFAULT_NEXT
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return DEFAULT_NEXT
    return value


_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · streetwatch</title>
<style>
body {{ font-family: system-ui, "PingFang SC", "Noto Sans SC", sans-serif; background: #f4f5f7;
  display: flex; justify-content: center; padding-top: 12vh; margin: 0; }}
form {{ background: #fff; padding: 2rem 2.25rem; border-radius: 8px; width: 20rem;
  box-shadow: 0 1px 4px rgba(0, 0, 0, .12); }}
h1 {{ font-size: 1.4rem; margin: 0 0 1.25rem; }}
label {{ display: block; margin: .75rem 0 .25rem; font-size: .9rem; }}
input {{ width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }}
button {{ margin-top: 1.25rem; width: 100%; padding: .6rem; font-size: 1rem; }}
.error {{ color: #b00020; background: #fdecee; padding: .5rem .75rem; border-radius: 4px; }}
</style>
</head>
<body>
<form method="post" action="/v1/auth/login">
<h1>登录 <small>Sign in</small></h1>
{error}
<label for="username">用户名 Username</label>
<input id="username" name="username" autocomplete="username" required autofocus value="{username}">
<label for="password">密码 Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<input type="hidden" name="next" value="{next}">
<button type="submit">登录</button>
</form>
</body>
</html>
"""


def login_page(next_path: str | None, *, error: str | None = None, username: str = "") -> str:
    """The sign-in form; it posts to ``/v1/auth/login``, which redirects to ``next_path``."""
    return _PAGE.format(
        error=f'<p class="error" role="alert">{escape(error)}</p>' if error else "",
        username=escape(username),
        next=escape(safe_next(next_path)),
    )
