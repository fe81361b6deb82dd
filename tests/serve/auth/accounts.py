"""Helpers for tests of the service with accounts: users, signed-in clients."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.serve.service import ADMIN_HEADERS

PASSWORD = "correct horse battery"


def add_user(client: TestClient, username: str, role: str, password: str = PASSWORD) -> None:
    body = {"username": username, "password": password, "role": role}
    r = client.post("/v1/users", json=body, headers=ADMIN_HEADERS)
    assert r.status_code == 201, r.text


def signed_in(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    """A second client on the same running app, signed in as ``username``; it sends the
    session's CSRF token on every request, as the pages do."""
    other = TestClient(client.app, base_url=str(client.base_url))
    r = other.post("/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    other.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return other
