"""Dispatch by webhook to a real local HTTP receiver: retries, idempotency, signatures,
and deliveries that survive a restart."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.serve.service import CAR, cases, push, service


class Receiver:
    """A case platform that answers 503 to the first ``fail`` requests."""

    def __init__(self, fail: int = 0) -> None:
        self.fail = fail
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                code = 503 if len(receiver.requests) <= receiver.fail else 200
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cases"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail=2)
    yield r
    r.close()


def wait_until(check: Any, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def dispatched_case(client: Any) -> dict[str, Any]:
    for t in range(0, 310, 10):
        push(client, t, [("car", CAR)])
    [case] = cases(client)
    client.post(f"/v1/cases/{case['id']}/review", json={"decision": "confirm"})
    r = client.post(f"/v1/cases/{case['id']}/dispatch")
    assert r.status_code == 200, r.text
    return case


def test_webhook_retries_until_delivered_with_one_idempotency_key(
    tmp_path: Path, receiver: Receiver
) -> None:
    with service(
        tmp_path,
        dispatch_url=receiver.url,
        dispatch_secret="s3cret",
        public_url="https://sw.example.cn",
    ) as client:
        client.app.state.dispatcher.backoff_initial_s = 0.05
        case = dispatched_case(client)
        audit_url = f"/v1/cases/{case['id']}/audit"
        wait_until(
            lambda: client.get(audit_url).json()["data"][-1]["action"] == "webhook_delivered"
        )
    assert len(receiver.requests) == 3
    keys = {h["Idempotency-Key"] for h, _ in receiver.requests}
    assert keys == {f"streetwatch-case-{case['id']}"}
    headers, body = receiver.requests[-1]
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Streetwatch-Signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["event"] == "case.dispatched" and payload["case"]["status"] == "dispatched"
    assert payload["case"]["evidence"][0]["url"].startswith("https://sw.example.cn/v1/cases/")
    assert all(len(e["sha256"]) == 64 for e in payload["case"]["evidence"])


def test_a_delivery_pending_at_shutdown_is_made_after_the_restart(tmp_path: Path) -> None:
    down = Receiver(fail=1000)  # the platform is down
    with service(tmp_path, dispatch_url=down.url) as client:
        client.app.state.dispatcher.backoff_initial_s = 0.05
        case = dispatched_case(client)
        wait_until(lambda: len(down.requests) >= 2)
    down.close()
    up = Receiver()
    try:
        with service(tmp_path, dispatch_url=up.url) as client:
            wait_until(lambda: len(up.requests) == 1)
            actions = [
                a["action"] for a in client.get(f"/v1/cases/{case['id']}/audit").json()["data"]
            ]
            wait_until(
                lambda: (
                    client.get(f"/v1/cases/{case['id']}/audit").json()["data"][-1]["action"]
                    == "webhook_delivered"
                )
            )
        assert "webhook_failed" in actions
    finally:
        up.close()
    # delivered cases are not sent again on the next start
    again = Receiver()
    try:
        with service(tmp_path, dispatch_url=again.url):
            time.sleep(1)
        assert again.requests == []
    finally:
        again.close()


def test_enabling_dispatch_later_sends_open_cases_not_closed_ones(tmp_path: Path) -> None:
    # dispatched with no webhook configured: one case still open, one closed since
    with service(tmp_path) as client:
        open_case = dispatched_case(client)
        for t in range(320, 400, 10):  # the car leaves
            push(client, t, [])
        closed = open_case["id"]
        assert client.post(f"/v1/cases/{closed}/close").status_code == 200
    with service(tmp_path) as client:  # another car parks there later
        for t in range(400, 710, 10):
            push(client, t, [("car", CAR)])
        newer = max(c["id"] for c in cases(client))
        assert newer != closed
        client.post(f"/v1/cases/{newer}/review", json={"decision": "confirm"})
        assert client.post(f"/v1/cases/{newer}/dispatch").status_code == 200
    # now the bureau's platform is connected
    platform = Receiver()
    try:
        with service(tmp_path, dispatch_url=platform.url):
            wait_until(lambda: len(platform.requests) == 1)
            time.sleep(0.5)
        sent = [json.loads(body)["case"]["id"] for _, body in platform.requests]
        assert sent == [newer]  # the closed case is not sent
    finally:
        platform.close()
