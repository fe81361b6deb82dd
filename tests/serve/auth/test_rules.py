"""Roles, where a browser may be sent after signing in, the sign-in page, the throttle."""

from __future__ import annotations

import pytest

from serve.auth.pages import DEFAULT_NEXT, login_page, safe_next
from serve.auth.records import normalize_username
from serve.auth.roles import Role, parse_role
from serve.auth.throttle import LoginThrottle


@pytest.mark.parametrize(
    ("role", "needed", "allowed"),
    [
        (Role.reviewer, Role.reviewer, True),
        (Role.reviewer, Role.engineer, False),
        (Role.reviewer, Role.admin, False),
        (Role.engineer, Role.reviewer, True),
        (Role.engineer, Role.engineer, True),
        (Role.engineer, Role.admin, False),
        (Role.admin, Role.reviewer, True),
        (Role.admin, Role.engineer, True),
        (Role.admin, Role.admin, True),
    ],
)
def test_roles_rank(role: Role, needed: Role, allowed: bool) -> None:
    assert role.allows(needed) is allowed


def test_an_unknown_role_says_which_exist() -> None:
    with pytest.raises(ValueError, match=r"one of \['reviewer', 'engineer', 'admin'\], got 'boss'"):
        parse_role("boss")


@pytest.mark.parametrize(
    ("name", "stored"),
    [("Alice", "alice"), ("张伟", "张伟"), ("li.na-2@city", "li.na-2@city")],
)
def test_user_names_are_kept_in_lower_case(name: str, stored: str) -> None:
    assert normalize_username(name) == stored


@pytest.mark.parametrize("name", ["", "with space", "a/b", "x" * 65, "tab\t"])
def test_bad_user_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="user name must be"):
        normalize_username(name)


@pytest.mark.parametrize(
    ("value", "target"),
    [
        ("/review", "/review"),
        ("/v1/cases?status=draft&limit=5", "/v1/cases?status=draft&limit=5"),
        (None, DEFAULT_NEXT),
        ("", DEFAULT_NEXT),
        ("review", DEFAULT_NEXT),
        ("//evil.example/x", DEFAULT_NEXT),
        ("/\\evil.example", DEFAULT_NEXT),
        ("https://evil.example/", DEFAULT_NEXT),
        ("javascript:alert(1)", DEFAULT_NEXT),
        ("/ok\r\nSet-Cookie: x=1", DEFAULT_NEXT),
        ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),  # a path here, never decoded to //
    ],
)
def test_after_signing_in_only_paths_on_this_site(value: str | None, target: str) -> None:
    assert safe_next(value) == target


def test_the_login_page_escapes_what_it_echoes() -> None:
    html = login_page('/x"><script>', error="<b>bad</b>", username='"><img src=x>')
    assert "<script>" not in html and "<img" not in html and "<b>bad" not in html
    assert 'value="/x&quot;&gt;&lt;script&gt;"' in html
    assert 'value="/review"' in login_page("//evil.example/")  # replaced, not echoed
    assert "登录" in html and 'action="/v1/auth/login"' in html


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_throttle_locks_a_key_out_until_its_failures_age() -> None:
    clock = Clock()
    throttle = LoginThrottle(limit=3, window_s=60, clock=clock)
    for _ in range(2):
        throttle.failed("user:alice")
        clock.now += 1
    assert throttle.retry_after("user:alice") == 0
    throttle.failed("user:alice")
    assert throttle.retry_after("user:alice") == pytest.approx(58)
    assert throttle.retry_after("user:bob") == 0
    clock.now += 58.5
    assert throttle.retry_after("user:alice") == 0  # the first failure aged out


def test_a_success_clears_the_count() -> None:
    throttle = LoginThrottle(limit=2, window_s=60, clock=Clock())
    throttle.failed("user:alice")
    throttle.succeeded("user:alice")
    throttle.failed("user:alice")
    assert throttle.retry_after("user:alice") == 0
