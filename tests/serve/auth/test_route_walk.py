"""Every route has an access decision, and the running app keeps to it.

``ACCESS`` lists each (method, path) of the app with who may call it. A route added
without an entry fails ``test_every_route_has_a_decision`` until someone decides; the
other tests then call every route without credentials, as a reviewer, as an engineer,
with the admin token and with a camera's API key, and check the answer is the one its
entry promises (401 or the login redirect, 403, or let through).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from tests.serve.auth.accounts import add_user, signed_in
from tests.serve.auth.conftest import cheap_argon2
from tests.serve.service import ADMIN_HEADERS, service

PUBLIC = "public"  # anyone
REVIEWER = "reviewer"  # reviewers and up (cases: read and review)
ENGINEER = "engineer"  # engineers and up (cameras, keys, models)
ADMIN = "admin"  # admins (users)
PAGE = "page"  # an HTML page for reviewers: signed out, a redirect to /login
FRAMES = "frames"  # the camera's own API key, or engineers
METRICS = "metrics"  # engineers, unless STREETWATCH_METRICS_PUBLIC

ACCESS: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): METRICS,
    ("GET", "/login"): PUBLIC,
    ("POST", "/v1/auth/login"): PUBLIC,
    ("POST", "/v1/auth/logout"): PUBLIC,  # ends the caller's own session, if any
    ("GET", "/v1/auth/me"): REVIEWER,
    ("POST", "/v1/auth/password"): REVIEWER,
    ("GET", "/v1/users"): ADMIN,
    ("POST", "/v1/users"): ADMIN,
    ("PUT", "/v1/users/{username}"): ADMIN,
    ("DELETE", "/v1/users/{username}"): ADMIN,
    ("POST", "/v1/users/{username}/unlock"): ADMIN,
    ("POST", "/v1/detect"): ENGINEER,
    ("GET", "/v1/cameras"): ENGINEER,  # source URLs may hold camera passwords
    ("GET", "/v1/cluster"): ENGINEER,
    ("POST", "/v1/cameras"): ENGINEER,
    ("GET", "/v1/cameras/{camera_id}"): ENGINEER,
    ("PUT", "/v1/cameras/{camera_id}"): ENGINEER,
    ("DELETE", "/v1/cameras/{camera_id}"): ENGINEER,
    ("GET", "/v1/cameras/{camera_id}/health"): ENGINEER,
    ("POST", "/v1/cameras/{camera_id}/scene/accept"): ENGINEER,
    ("GET", "/v1/cameras/{camera_id}/audit"): ENGINEER,
    ("GET", "/v1/cameras/{camera_id}/keys"): ENGINEER,
    ("POST", "/v1/cameras/{camera_id}/keys"): ENGINEER,
    ("DELETE", "/v1/cameras/{camera_id}/keys/{key_id}"): ENGINEER,
    ("POST", "/v1/cameras/{camera_id}/frames"): FRAMES,
    ("GET", "/v1/cases"): REVIEWER,
    ("GET", "/v1/cases/{case_id}"): REVIEWER,
    ("GET", "/v1/cases/{case_id}/evidence/{n}"): REVIEWER,
    ("POST", "/v1/cases/{case_id}/review"): REVIEWER,
    ("POST", "/v1/cases/{case_id}/notes"): REVIEWER,
    ("POST", "/v1/cases/export"): REVIEWER,
    ("POST", "/v1/cases/{case_id}/reopen"): REVIEWER,
    ("GET", "/v1/cases/{case_id}/audit"): REVIEWER,
    ("POST", "/v1/cases/{case_id}/dispatch"): REVIEWER,
    ("POST", "/v1/cases/{case_id}/close"): REVIEWER,
    ("GET", "/v1/cases/{case_id}/export"): REVIEWER,
    ("GET", "/v1/suppressions"): REVIEWER,
    ("DELETE", "/v1/suppressions/{suppression_id}"): REVIEWER,
    ("GET", "/v1/stats"): REVIEWER,
    ("GET", "/v1/taxonomy"): REVIEWER,
    ("GET", "/v1/units"): REVIEWER,
    ("GET", "/v1/ledger"): REVIEWER,
    ("GET", "/v1/ledger/export"): REVIEWER,
    ("GET", "/v1/units/{unit_id}"): REVIEWER,
    ("PUT", "/v1/units/{unit_id}"): ENGINEER,
    ("DELETE", "/v1/units/{unit_id}"): ENGINEER,
    ("GET", "/v1/phones"): REVIEWER,
    ("GET", "/v1/phones/export"): REVIEWER,
    ("GET", "/v1/phones/{number}"): REVIEWER,
    ("POST", "/v1/phones/{number}/status"): REVIEWER,
    ("PUT", "/v1/cases/{case_id}/phones/{number}"): REVIEWER,
    ("GET", "/v1/live"): REVIEWER,
    ("GET", "/v1/live/{camera_id}"): REVIEWER,
    ("GET", "/v1/live/{camera_id}/frame.jpg"): REVIEWER,
    ("GET", "/v1/plan"): REVIEWER,
    ("GET", "/v1/plan/image"): REVIEWER,
    ("PUT", "/v1/plan/image"): ENGINEER,
    ("PUT", "/v1/plan/pins/{camera_id}"): ENGINEER,
    ("DELETE", "/v1/plan/pins/{camera_id}"): ENGINEER,
    ("GET", "/map"): PAGE,
    ("GET", "/review"): PAGE,
    ("GET", "/cameras"): PAGE,
    ("GET", "/cameras/{camera_id}"): PAGE,
    ("GET", "/cases"): PAGE,
    ("GET", "/cases/{case_id}"): PAGE,
    ("GET", "/stats"): PAGE,
    ("GET", "/phones"): PAGE,
    ("GET", "/ledger"): PAGE,
    ("GET", "/ui/taxonomy.json"): REVIEWER,
    ("GET", "/ui/cameras.json"): REVIEWER,  # names and zones, not sources
    ("GET", "/ui/fonts/cjk"): PUBLIC,  # a font file
    ("GET", "/docs"): PUBLIC,  # the API's reference, like /openapi.json
    ("GET", "/redoc"): PUBLIC,
}
# routes that are not API routes: FastAPI's schema, and mounted static files (page code)
PUBLIC_OTHER = {"/openapi.json", "/ui/static"}

# what each way of calling may do
ALLOWED = {
    REVIEWER: {REVIEWER, PAGE},
    ENGINEER: {REVIEWER, PAGE, ENGINEER, FRAMES, METRICS},
    ADMIN: {REVIEWER, PAGE, ENGINEER, FRAMES, METRICS, ADMIN},
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str

    @property
    def url(self) -> str:
        # "1" does for every path parameter here: ids are ints, names are strings
        return re.sub(r"\{[^}]+\}", "1", self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def endpoints(app: FastAPI) -> tuple[list[Endpoint], list[str]]:
    """The app's API routes, one per method, and the paths of everything else."""
    found, other = [], []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            found += [Endpoint(m, str(context.path)) for m in sorted(context.methods or ())]
        elif isinstance(route, Mount) or context.path is not None:
            other.append(str(context.path))
        else:
            other.append(repr(route))
    return found, other


@dataclass
class Callers:
    api: FastAPI
    app: TestClient
    reviewer: TestClient
    engineer: TestClient
    key: str

    def anonymous(self) -> TestClient:
        return TestClient(self.app.app, base_url=str(self.app.base_url))


@pytest.fixture(scope="module")
def callers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callers]:
    data: Path = tmp_path_factory.mktemp("walk")
    with cheap_argon2(), service(data, as_admin=False, https=True) as app:
        add_user(app, "rita", "reviewer")
        add_user(app, "eve", "engineer")
        r = app.post("/v1/cameras/cam-01/keys", headers=ADMIN_HEADERS)
        assert r.status_code == 201, r.text
        api = app.app
        assert isinstance(api, FastAPI)
        yield Callers(api, app, signed_in(app, "rita"), signed_in(app, "eve"), r.json()["key"])


def call(client: TestClient, endpoint: Endpoint, headers: dict[str, str] | None = None) -> str:
    """``"401"``, ``"403"``, ``"login"`` (a redirect to the sign-in page) or ``"through"``."""
    r = client.request(endpoint.method, endpoint.url, headers=headers, follow_redirects=False)
    if r.status_code in (401, 403):
        return str(r.status_code)
    if r.status_code == 303 and r.headers["location"].startswith("/login?next="):
        return "login"
    return "through"


def test_every_route_has_a_decision(callers: Callers) -> None:
    found, other = endpoints(callers.api)
    keys = {(e.method, e.path) for e in found}
    missing = sorted(f"{m} {p}" for m, p in keys - ACCESS.keys())
    stale = sorted(f"{m} {p}" for m, p in ACCESS.keys() - keys)
    unknown = sorted(set(other) - PUBLIC_OTHER)
    assert not missing, f"routes without an access decision (add them to ACCESS): {missing}"
    assert not stale, f"ACCESS names routes the app no longer has: {stale}"
    assert not unknown, f"non-API routes not known to be public: {unknown}"


def check(results: dict[str, str], expected: dict[str, str]) -> None:
    wrong = [
        f"{e}: expected {expected[e]}, got {results[e]}"
        for e in results
        if results[e] != expected[e]
    ]
    assert not wrong, "\n".join(wrong)


def walk(callers: Callers) -> list[Endpoint]:
    found, _ = endpoints(callers.api)
    return [e for e in found if (e.method, e.path) in ACCESS]


def test_without_credentials_only_public_routes_answer(callers: Callers) -> None:
    anonymous = callers.anonymous()
    results, expected = {}, {}
    for e in walk(callers):
        rule = ACCESS[(e.method, e.path)]
        results[str(e)] = call(anonymous, e)
        expected[str(e)] = {PUBLIC: "through", PAGE: "login"}.get(rule, "401")
    check(results, expected)


@pytest.mark.parametrize("role", [REVIEWER, ENGINEER])
def test_each_role_gets_403_beyond_its_rights(callers: Callers, role: str) -> None:
    client = callers.reviewer if role == REVIEWER else callers.engineer
    results, expected = {}, {}
    for e in walk(callers):
        rule = ACCESS[(e.method, e.path)]
        if rule == PUBLIC:  # e.g. logout: would end the session the walk goes on with
            continue
        results[str(e)] = call(client, e)
        expected[str(e)] = "through" if rule in ALLOWED[role] else "403"
    check(results, expected)
    assert client.get("/v1/auth/me").status_code == 200  # still signed in after the walk


def test_the_admin_token_works_on_every_route(callers: Callers) -> None:
    results = {str(e): call(callers.app, e, ADMIN_HEADERS) for e in walk(callers)}
    check(results, dict.fromkeys(results, "through"))


def test_a_wrong_bearer_token_is_401_everywhere_but_public_routes(callers: Callers) -> None:
    anonymous, wrong = callers.anonymous(), {"Authorization": "Bearer not-the-admin-token"}
    results, expected = {}, {}
    for e in walk(callers):
        if ACCESS[(e.method, e.path)] != PUBLIC:
            results[str(e)], expected[str(e)] = call(anonymous, e, wrong), "401"
    check(results, expected)


def test_a_camera_key_only_pushes_frames_to_its_camera(callers: Callers) -> None:
    anonymous, key = callers.anonymous(), {"X-API-Key": callers.key}
    bearer = {"Authorization": f"Bearer {callers.key}"}
    results, expected = {}, {}
    for e in walk(callers):
        if ACCESS[(e.method, e.path)] == PUBLIC:
            continue
        for name, headers in (("X-API-Key", key), ("Bearer", bearer)):
            # the walk's camera is "1", not the key's cam-01
            results[f"{e} ({name})"] = call(anonymous, e, headers)
            expected[f"{e} ({name})"] = "403"
    check(results, expected)
    e = Endpoint("POST", "/v1/cameras/cam-01/frames")
    assert call(anonymous, e, key) == "through"  # 422 without an image: past the check


def test_metrics_can_be_opened_for_a_scraper(tmp_path: Path) -> None:
    with service(tmp_path, as_admin=False, metrics_public=True) as client:
        assert client.get("/metrics").status_code == 200
    with service(tmp_path, as_admin=False) as client:
        r = client.get("/metrics")
        assert r.status_code == 401 and "engineer" in r.json()["detail"]
