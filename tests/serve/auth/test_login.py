"""Signing in and out: cookies, ``/me``, wrong passwords, disabled accounts, the form."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.serve.auth.accounts import PASSWORD, add_user, signed_in
from tests.serve.auth.conftest import cheap_argon2
from tests.serve.service import ADMIN_HEADERS, service


def login(client: TestClient, username: str, password: str = PASSWORD) -> httpx.Response:
    r: httpx.Response = client.post(
        "/v1/auth/login", json={"username": username, "password": password}
    )
    return r


def test_sign_in_sets_a_safe_cookie_and_me_says_who(app: TestClient) -> None:
    add_user(app, "alice", "reviewer")
    r = app.post("/v1/auth/login", json={"username": "Alice", "password": PASSWORD})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["username"] == "alice" and body["role"] == "reviewer"
    assert body["via"] == "session" and len(body["csrf_token"]) >= 32
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("sw_session=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= flags
    assert not any(f.startswith(("max-age", "expires")) for f in flags)  # a browser session
    me = app.get("/v1/auth/me")
    assert me.status_code == 200 and me.json() == body


@pytest.mark.parametrize(
    ("settings", "secure"),
    [({}, True), ({"dev": True}, False), ({"dev": True, "secure_cookies": True}, True),
     ({"secure_cookies": False}, False)],
)  # fmt: skip
def test_the_secure_flag_follows_the_settings(
    tmp_path: Path, settings: dict[str, Any], secure: bool
) -> None:
    with cheap_argon2(), service(tmp_path, as_admin=False, https=True, **settings) as client:
        add_user(client, "alice", "reviewer")
        cookie = client.post(
            "/v1/auth/login", json={"username": "alice", "password": PASSWORD}
        ).headers["set-cookie"]
    assert ("secure" in cookie.lower()) is secure


@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "wrong password"), ("nobody", PASSWORD), ("bad name!", PASSWORD)],
)
def test_wrong_credentials_are_401_and_say_so(
    app: TestClient, username: str, password: str
) -> None:
    add_user(app, "alice", "reviewer")
    r = app.post("/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 401
    assert r.json() == {"detail": "wrong user name or password"}
    assert "set-cookie" not in r.headers


@pytest.mark.parametrize(
    ("body", "message"),
    [({"username": "alice"}, "password"), ({"username": "", "password": "x"}, "username")],
)
def test_a_malformed_sign_in_is_422(app: TestClient, body: dict[str, str], message: str) -> None:
    r = app.post("/v1/auth/login", json=body)
    assert r.status_code == 422 and message in r.text
    r = app.post(
        "/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422 and "expected JSON" in r.text


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(app: TestClient) -> None:
    add_user(app, "alice", "reviewer")
    alice = signed_in(app, "alice")
    r = app.put("/v1/users/alice", json={"disabled": True}, headers=ADMIN_HEADERS)
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert alice.get("/v1/auth/me").status_code == 401
    r = app.post("/v1/auth/login", json={"username": "alice", "password": PASSWORD})
    assert r.status_code == 403 and "account 'alice' is disabled" in r.json()["detail"]


def test_repeated_failures_lock_the_name_out_for_a_while(app: TestClient) -> None:
    add_user(app, "alice", "reviewer")
    for _ in range(5):
        assert login(app, "alice", "wrong password").status_code == 401
    r = app.post("/v1/auth/login", json={"username": "alice", "password": PASSWORD})
    assert r.status_code == 429 and "too many failed sign-ins" in r.json()["detail"]
    assert 0 < int(r.headers["retry-after"]) <= 300
    # other names are not locked out by alice's failures
    add_user(app, "bob", "reviewer")
    assert app.post("/v1/auth/login", json={"username": "bob", "password": PASSWORD}).is_success


def test_logout_ends_the_session(app: TestClient) -> None:
    add_user(app, "alice", "reviewer")
    alice = signed_in(app, "alice")
    token = alice.cookies["sw_session"]
    r = alice.post("/v1/auth/logout")
    assert r.status_code == 204
    assert 'sw_session=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]
    again = TestClient(app.app, base_url=str(app.base_url), cookies={"sw_session": token})
    assert again.get("/v1/auth/me").status_code == 401  # the server forgot it, not just the browser


def test_logout_needs_the_csrf_token_of_a_live_session(app: TestClient) -> None:
    add_user(app, "alice", "reviewer")
    alice = signed_in(app, "alice")
    del alice.headers["X-CSRF-Token"]
    assert alice.post("/v1/auth/logout").status_code == 403
    assert alice.get("/v1/auth/me").status_code == 200
    # signed out already (or never signed in): nothing to protect, the cookie is cleared
    assert app.post("/v1/auth/logout").status_code == 204


def test_signing_in_again_replaces_the_old_session(app: TestClient) -> None:
    add_user(app, "alice", "reviewer")
    alice = signed_in(app, "alice")
    old = alice.cookies["sw_session"]
    assert alice.post("/v1/auth/login", json={"username": "alice", "password": PASSWORD}).is_success
    assert alice.cookies["sw_session"] != old
    stale = TestClient(app.app, base_url=str(app.base_url), cookies={"sw_session": old})
    assert stale.get("/v1/auth/me").status_code == 401


def test_change_your_own_password(app: TestClient) -> None:
    add_user(app, "alice", "reviewer")
    alice, elsewhere = signed_in(app, "alice"), signed_in(app, "alice")
    change = {"current_password": "wrong password", "new_password": "new and long"}
    assert alice.post("/v1/auth/password", json=change).status_code == 403
    change["current_password"] = PASSWORD
    change["new_password"] = "short"
    r = alice.post("/v1/auth/password", json=change)
    assert r.status_code == 422 and "at least 8 characters" in r.text
    change["new_password"] = "new and long"
    r = alice.post("/v1/auth/password", json=change)
    assert r.status_code == 200, r.text
    alice.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    assert alice.get("/v1/auth/me").status_code == 200  # this session goes on
    assert elsewhere.get("/v1/auth/me").status_code == 401  # the others end
    assert login(app, "alice").status_code == 401
    assert login(app, "alice", "new and long").status_code == 200
    r = app.post("/v1/auth/password", json=change, headers=ADMIN_HEADERS)
    assert r.status_code == 409 and "admin token has no password" in r.text


def test_the_login_page(app: TestClient) -> None:
    r = app.get("/login", params={"next": "/v1/cases?status=draft"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "登录" in r.text and 'value="/v1/cases?status=draft"' in r.text
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_the_form_signs_in_and_goes_on_to_next(app: TestClient) -> None:
    add_user(app, "alice", "reviewer")
    form = {"username": "alice", "password": PASSWORD, "next": "/v1/cases?status=draft"}
    r = app.post("/v1/auth/login", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/v1/cases?status=draft"
    assert "sw_session=" in r.headers["set-cookie"]
    assert app.get("/v1/cases").status_code == 200  # the cookie works


@pytest.mark.parametrize("next_path", ["https://evil.example/", "//evil.example/x", ""])
def test_the_form_never_sends_a_browser_to_another_site(app: TestClient, next_path: str) -> None:
    add_user(app, "alice", "reviewer")
    form = {"username": "alice", "password": PASSWORD, "next": next_path}
    r = app.post("/v1/auth/login", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/review"


def test_a_failed_form_sign_in_shows_the_form_again_with_the_reason(app: TestClient) -> None:
    add_user(app, "alice", "reviewer")
    form = {"username": "alice", "password": "wrong password", "next": "/stats"}
    r = app.post("/v1/auth/login", data=form, follow_redirects=False)
    assert r.status_code == 401 and r.headers["content-type"].startswith("text/html")
    assert "用户名或密码错误" in r.text and 'value="/stats"' in r.text and 'value="alice"' in r.text
    assert "set-cookie" not in r.headers


def test_a_page_sends_a_signed_out_browser_to_the_login_form(app: TestClient) -> None:
    r = app.get("/review", params={"case": "7"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=" + quote("/review?case=7", safe="")
    page = app.get(r.headers["location"])
    assert 'value="/review?case=7"' in page.text
