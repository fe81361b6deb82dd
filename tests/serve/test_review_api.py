"""``POST /v1/cases/{id}/review``, the audit log, and false-positive suppressions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.serve.service import CAR, cases, push, service

FLYER = (500.0, 60.0, 530.0, 100.0)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with service(tmp_path) as c:
        yield c


def open_cases(client: TestClient, start: int = 0) -> dict[str, dict[str, Any]]:
    for t in range(start, start + 400, 10):
        push(client, t, [("car", CAR), ("flyer", FLYER)])
    return {c["violation"]: c for c in cases(client)}


def review(client: TestClient, case_id: int, **body: Any) -> Any:
    return client.post(f"/v1/cases/{case_id}/review", json=body)


def test_confirm_with_a_corrected_box_and_class(client: TestClient) -> None:
    car = open_cases(client)["illegal_parking"]
    r = review(client, car["id"], decision="confirm", label="truck", box=[195, 340, 310, 445])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "confirmed" and body["label"] == "truck"
    assert body["box"] == [195, 340, 310, 445] and body["detected_label"] == "car"
    assert body["reviewed_by"] == "admin-token" and not body["overdue"]  # the client's token
    deadline = dt.datetime.fromisoformat(body["deadline_at"])
    reviewed = dt.datetime.fromisoformat(body["reviewed_at"])
    assert abs((deadline - reviewed).total_seconds() - 48 * 3600) < 5
    audit = client.get(f"/v1/cases/{car['id']}/audit").json()
    assert audit["count"] == 2
    assert [(a["action"], a["from"], a["to"]) for a in audit["data"]] == [
        ("opened", None, "draft"),
        ("confirm", "draft", "confirmed"),
    ]
    assert audit["data"][1]["detail"]["label"] == {"from": "car", "to": "truck"}
    assert client.get("/v1/cases", params={"status": "confirmed"}).json()["count"] == 1


def test_a_false_positive_suppresses_new_drafts_there_until_lifted(client: TestClient) -> None:
    flyer = open_cases(client)["illegal_ad"]
    r = review(client, flyer["id"], decision="reject", reason="false_positive")
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    [supp] = client.get("/v1/suppressions").json()["data"]
    assert (supp["camera_id"], supp["label"], supp["case_id"]) == ("cam-01", "flyer", flyer["id"])
    # the poster-shaped thing leaves, comes back an hour later: no new draft
    later = 400 + 3600
    for t in range(later, later + 100, 10):
        assert push(client, t, [("flyer", FLYER)])["cases_opened"] == []
    assert client.delete(f"/v1/suppressions/{supp['id']}").status_code == 204
    assert client.get("/v1/suppressions").json()["count"] == 0
    opened = []
    for t in range(later + 100, later + 200, 10):
        opened += push(client, t, [("flyer", FLYER)])["cases_opened"]
    assert len(opened) == 1


def test_a_permitted_rejection_does_not_reopen_while_it_stays(client: TestClient) -> None:
    car = open_cases(client)["illegal_parking"]
    assert review(client, car["id"], decision="reject", reason="permitted").status_code == 200
    for t in range(400, 700, 10):
        assert push(client, t, [("car", CAR)])["cases_opened"] == []
    assert client.get("/v1/suppressions").json()["count"] == 0


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"decision": "maybe"}, 422, "decision"),
        ({"decision": "reject"}, 422, "needs a reason"),
        ({"decision": "reject", "reason": "ugly"}, 422, "reason"),
        ({"decision": "reject", "reason": "other"}, 422, "needs a note"),
        ({"decision": "confirm", "reason": "duplicate"}, 422, "only a rejection has a reason"),
        ({"decision": "confirm", "label": "spaceship"}, 422, "'spaceship' is not a class"),
        ({"decision": "confirm", "box": [10, 10, 5, 20]}, 422, "x1 < x2"),
        ({"decision": "confirm", "box": [10, 10, 700, 20]}, 422, "outside the 640x480"),
        ({"decision": "confirm", "colour": "red"}, 422, "colour"),
    ],
)
def test_bad_reviews_say_what_was_wrong(
    client: TestClient, body: dict[str, Any], status: int, message: str
) -> None:
    car = open_cases(client)["illegal_parking"]
    r = review(client, car["id"], **body)
    assert r.status_code == status, r.text
    assert message in r.text
    assert client.get(f"/v1/cases/{car['id']}").json()["status"] == "draft"


def test_reviewing_twice_or_an_unknown_case(client: TestClient) -> None:
    car = open_cases(client)["illegal_parking"]
    assert review(client, car["id"], decision="confirm").status_code == 200
    r = review(client, car["id"], decision="reject", reason="duplicate")
    assert r.status_code == 409 and "is confirmed" in r.text
    assert review(client, 999, decision="confirm").status_code == 404
    assert client.get("/v1/cases/999/audit").status_code == 404
    assert client.delete("/v1/suppressions/999").status_code == 404
