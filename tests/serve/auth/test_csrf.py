"""A session cookie alone never changes anything: unsafe methods need the CSRF token."""

from __future__ import annotations

import copy

import pytest
from fastapi.testclient import TestClient

from tests.serve.auth.accounts import add_user, signed_in
from tests.serve.service import ADMIN_HEADERS, PUSH_CAMERA

NEW_CAMERA = copy.deepcopy(PUSH_CAMERA) | {"id": "cam-02", "zones": []}


@pytest.fixture
def engineer(app: TestClient) -> TestClient:
    add_user(app, "eve", "engineer")
    return signed_in(app, "eve")


def test_a_cookie_post_without_the_token_is_refused(engineer: TestClient) -> None:
    token = engineer.headers.pop("X-CSRF-Token")
    r = engineer.post("/v1/cameras", json=NEW_CAMERA)
    assert r.status_code == 403 and "CSRF token" in r.json()["detail"]
    r = engineer.post("/v1/cameras", json=NEW_CAMERA, headers={"X-CSRF-Token": token + "x"})
    assert r.status_code == 403
    r = engineer.post("/v1/cameras", json=NEW_CAMERA, headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("method", ["put", "delete"])
def test_every_unsafe_method_needs_it(engineer: TestClient, method: str) -> None:
    engineer.headers.pop("X-CSRF-Token")
    kwargs = {"json": PUSH_CAMERA} if method == "put" else {}
    r = getattr(engineer, method)("/v1/cameras/cam-01", **kwargs)
    assert r.status_code == 403 and "CSRF" in r.text


def test_reads_need_no_token(engineer: TestClient) -> None:
    engineer.headers.pop("X-CSRF-Token")
    assert engineer.get("/v1/cameras").status_code == 200


def test_a_form_may_carry_the_token_as_a_field(app: TestClient, engineer: TestClient) -> None:
    token = engineer.headers.pop("X-CSRF-Token")
    r = engineer.post("/v1/auth/logout", data={"csrf_token": "wrong"}, follow_redirects=False)
    assert r.status_code == 403
    r = engineer.post("/v1/auth/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert engineer.get("/v1/auth/me").status_code == 401


def test_the_token_of_another_session_does_not_do(app: TestClient, engineer: TestClient) -> None:
    other = signed_in(app, "eve")
    engineer.headers["X-CSRF-Token"] = other.headers["X-CSRF-Token"]
    assert engineer.post("/v1/cameras", json=NEW_CAMERA).status_code == 403


def test_bearer_callers_need_no_token(app: TestClient) -> None:
    r = app.post("/v1/cameras", json=NEW_CAMERA, headers=ADMIN_HEADERS)
    assert r.status_code == 201, r.text


def test_a_bearer_header_wins_over_a_cookie(app: TestClient, engineer: TestClient) -> None:
    engineer.headers.pop("X-CSRF-Token")
    r = engineer.post("/v1/cameras", json=NEW_CAMERA, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401  # a wrong token is never rescued by the cookie
    r = engineer.post("/v1/cameras", json=NEW_CAMERA, headers=ADMIN_HEADERS)
    assert r.status_code == 201
