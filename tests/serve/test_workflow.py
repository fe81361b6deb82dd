"""After review: dispatch, re-inspection (回头看) to verified_cleared, close, export."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.serve.service import CAR, cases, push, service


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with service(tmp_path, reinspect_checks=3, reinspect_interval_s=20) as c:
        yield c


def parked_case(client: TestClient) -> dict[str, Any]:
    for t in range(0, 310, 10):
        push(client, t, [("car", CAR)])
    [case] = cases(client)
    return case


def test_a_dispatched_case_is_verified_cleared_once_the_car_is_gone(client: TestClient) -> None:
    case = parked_case(client)
    assert client.post(f"/v1/cases/{case['id']}/dispatch").status_code == 409  # still a draft
    client.post(f"/v1/cases/{case['id']}/review", json={"decision": "confirm"})
    r = client.post(f"/v1/cases/{case['id']}/dispatch", json={"reason": "sent to 交警"})
    assert r.status_code == 200 and r.json()["status"] == "dispatched"
    for t in range(310, 400, 10):  # still parked: re-inspection finds it every time
        push(client, t, [("car", CAR)])
    assert client.get(f"/v1/cases/{case['id']}").json()["status"] == "dispatched"
    for t in range(400, 470, 10):  # gone: 3 checks 20 s apart
        push(client, t, [])
    done = client.get(f"/v1/cases/{case['id']}").json()
    assert done["status"] == "verified_cleared" and done["cleared_at"]
    assert [e["kind"] for e in done["evidence"]][-1] == "cleared"
    last = client.get(f"/v1/cases/{case['id']}/audit").json()["data"][-1]
    assert (last["actor"], last["from"], last["to"], last["reason"]) == (
        "system",
        "dispatched",
        "verified_cleared",
        "reinspection",
    )
    assert last["detail"] == {"checks": 3, "interval_s": 20.0}
    r = client.post(f"/v1/cases/{case['id']}/close")
    assert r.status_code == 200 and r.json()["status"] == "closed"


def test_a_short_absence_does_not_clear_a_dispatched_case(client: TestClient) -> None:
    case = parked_case(client)
    client.post(f"/v1/cases/{case['id']}/review", json={"decision": "confirm"})
    client.post(f"/v1/cases/{case['id']}/dispatch")
    for t in range(310, 600, 10):
        hidden = 330 <= t < 360  # a bus in front for 30 s: two checks, not three
        push(client, t, [] if hidden else [("car", CAR)])
    assert client.get(f"/v1/cases/{case['id']}").json()["status"] == "dispatched"


def test_export_is_a_zip_with_the_case_and_verified_evidence(client: TestClient) -> None:
    case = parked_case(client)
    r = client.get(f"/v1/cases/{case['id']}/export")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        body = json.loads(z.read("case.json"))
        assert body["id"] == case["id"] and body["violation_name"] == "机动车违停"
        for item in body["evidence_files"]:
            assert hashlib.sha256(z.read(item["file"])).hexdigest() == item["sha256"]
        assert len(body["evidence_files"]) == 5
    assert client.get("/v1/cases/999/export").status_code == 404
    assert client.post("/v1/cases/999/close").status_code == 404
