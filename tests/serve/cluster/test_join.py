"""Joining a running cluster: Ray Client's server for a driver sometimes dies as it is
forked (ray-project/ray#63202); the join tries again. The race cannot be provoked on
purpose, so ``ray.init`` fails here by hand; the real path is the Ray Client test in
``test_cluster.py``."""

from __future__ import annotations

import pytest

pytest.importorskip("ray", reason="ray is not installed (pip install -e '.[cluster]')")

import ray

from serve.cluster import join as joining

FAILED = ConnectionAbortedError(
    "Initialization failure from server:\nRuntimeError: Starting Ray client server failed."
)


def failing_init(monkeypatch: pytest.MonkeyPatch, failures: int) -> list[str]:
    calls: list[str] = []

    def init(*, address: str, namespace: str, configure_logging: bool) -> None:
        calls.append(address)
        assert namespace == joining.NAMESPACE
        if len(calls) <= failures:
            raise FAILED

    monkeypatch.setattr(ray, "init", init)
    monkeypatch.setattr(ray, "shutdown", lambda: None)
    return calls


def test_a_ray_client_server_that_failed_to_start_is_tried_again(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls = failing_init(monkeypatch, failures=2)
    joining.join("ray://head:10001", pause_s=0)
    assert calls == ["ray://head:10001"] * 3
    assert "try 2 of 4" in caplog.text and "ray-project/ray#63202" in caplog.text


def test_it_gives_up_after_its_tries_and_never_retries_other_addresses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = failing_init(monkeypatch, failures=10)
    with pytest.raises(ConnectionAbortedError):
        joining.join("ray://head:10001", tries=3, pause_s=0)
    assert len(calls) == 3
    calls.clear()
    with pytest.raises(ConnectionAbortedError):
        joining.join("auto", pause_s=0)
    assert calls == ["auto"]
