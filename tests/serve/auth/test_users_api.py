"""``/v1/users``: admins manage accounts; changes take effect on live sessions."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.serve.auth.accounts import PASSWORD, add_user, signed_in
from tests.serve.service import ADMIN_HEADERS


def users(app: TestClient) -> dict[str, dict[str, Any]]:
    body = app.get("/v1/users", headers=ADMIN_HEADERS).json()
    assert body["count"] == len(body["data"])
    return {u["username"]: u for u in body["data"]}


def test_create_list_change_delete(app: TestClient) -> None:
    assert set(users(app)) == {"admin"}  # made on first start
    r = app.post(
        "/v1/users",
        json={"username": "Rita", "password": PASSWORD, "role": "reviewer"},
        headers=ADMIN_HEADERS,
    )
    assert r.status_code == 201, r.text
    assert r.json()["username"] == "rita" and "password" not in str(r.json())
    assert users(app)["rita"]["role"] == "reviewer"
    r = app.put("/v1/users/rita", json={"role": "engineer"}, headers=ADMIN_HEADERS)
    assert r.status_code == 200 and r.json()["role"] == "engineer"
    assert app.delete("/v1/users/rita", headers=ADMIN_HEADERS).status_code == 204
    assert set(users(app)) == {"admin"}


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "message"),
    [
        ("post", "/v1/users", {"username": "admin", "password": PASSWORD, "role": "admin"},
         409, "user 'admin' exists already"),
        ("post", "/v1/users", {"username": "x", "password": "short", "role": "reviewer"},
         422, "at least 8 characters"),
        ("post", "/v1/users", {"username": "a b", "password": PASSWORD, "role": "reviewer"},
         422, "field 'username'"),
        ("post", "/v1/users", {"username": "x", "password": PASSWORD, "role": "boss"},
         422, "role"),
        ("put", "/v1/users/nobody", {"disabled": True}, 404, "no user named 'nobody'"),
        ("put", "/v1/users/admin", {"role": "reviewer"}, 409, "only enabled admin"),
        ("put", "/v1/users/admin", {"disabled": True}, 409, "only enabled admin"),
        ("put", "/v1/users/admin", {"password": "short"}, 422, "at least 8"),
        ("put", "/v1/users/admin", {"colour": "red"}, 422, "colour"),
        ("delete", "/v1/users/admin", None, 409, "only enabled admin"),
        ("delete", "/v1/users/nobody", None, 404, "no user named 'nobody'"),
    ],
)  # fmt: skip
def test_errors_say_what_was_wrong(
    app: TestClient, method: str, url: str, body: Any, status: int, message: str
) -> None:
    kwargs = {} if body is None else {"json": body}
    r = getattr(app, method)(url, headers=ADMIN_HEADERS, **kwargs)
    assert r.status_code == status, r.text
    assert message in r.text


def test_a_role_change_applies_to_a_live_session(app: TestClient) -> None:
    add_user(app, "rita", "reviewer")
    rita = signed_in(app, "rita")
    assert rita.get("/v1/cameras").status_code == 403
    app.put("/v1/users/rita", json={"role": "engineer"}, headers=ADMIN_HEADERS)
    assert rita.get("/v1/cameras").status_code == 200
    assert rita.get("/v1/auth/me").json()["role"] == "engineer"


def test_a_new_password_from_an_admin_signs_the_user_out(app: TestClient) -> None:
    add_user(app, "rita", "reviewer")
    rita = signed_in(app, "rita")
    r = app.put("/v1/users/rita", json={"password": "brand new one"}, headers=ADMIN_HEADERS)
    assert r.status_code == 200
    assert rita.get("/v1/auth/me").status_code == 401
    signed_in(app, "rita", "brand new one")


def test_an_admin_session_manages_users_with_its_csrf_token(app: TestClient) -> None:
    add_user(app, "root", "admin")
    root = signed_in(app, "root")
    body = {"username": "rita", "password": PASSWORD, "role": "reviewer"}
    assert root.post("/v1/users", json=body).status_code == 201
    add_user(app, "eve", "engineer")
    r = signed_in(app, "eve").get("/v1/users")
    assert r.status_code == 403 and "needs the admin role" in r.json()["detail"]
