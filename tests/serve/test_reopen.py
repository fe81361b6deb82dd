"""Undoing a mistaken rejection: ``POST /v1/cases/{id}/reopen`` puts the case back in the
review queue within ``reopen_window_h``, audited, lifting the suppression it made."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from serve.store.cases import CaseRepo
from serve.workflow import CaseStateError
from tests.serve.service import service
from tests.serve.test_review_api import open_cases, review


def test_a_rejection_reopens_as_a_draft_and_lifts_its_suppression(tmp_path: Path) -> None:
    with service(tmp_path) as client:
        flyer = open_cases(client)["illegal_ad"]
        r = review(client, flyer["id"], decision="reject", reason="false_positive")
        assert r.status_code == 200, r.text
        assert client.get("/v1/suppressions").json()["count"] == 1
        r = client.post(f"/v1/cases/{flyer['id']}/reopen", json={"reason": "misclick"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "draft" and body["reviewed_by"] is None
        assert body["reject_reason"] is None
        assert client.get("/v1/suppressions").json()["count"] == 0
        audit = client.get(f"/v1/cases/{flyer['id']}/audit").json()["data"]
        assert [(a["action"], a["from"], a["to"]) for a in audit][-2:] == [
            ("reject", "draft", "rejected"),
            ("reopen", "rejected", "draft"),
        ]
        assert audit[-1]["reason"] == "misclick"
        assert audit[-1]["detail"]["reject_reason"] == "false_positive"
        # back in the queue, it is decided again like any draft
        r = review(client, flyer["id"], decision="confirm")
        assert r.status_code == 200 and r.json()["status"] == "confirmed", r.text


def test_only_a_recent_rejection_reopens(tmp_path: Path) -> None:
    with service(tmp_path, reopen_window_h=1) as client:
        found = open_cases(client)
        car, flyer = found["illegal_parking"], found["illegal_ad"]
        r = client.post(f"/v1/cases/{car['id']}/reopen")
        assert r.status_code == 409 and "only a rejected case" in r.json()["detail"]
        assert review(client, car["id"], decision="confirm").status_code == 200
        r = client.post(f"/v1/cases/{car['id']}/reopen")
        assert r.status_code == 409 and "is confirmed" in r.json()["detail"]
        assert client.post("/v1/cases/999999/reopen").status_code == 404
        assert (
            review(client, flyer["id"], decision="reject", reason="no_violation").status_code == 200
        )
        repo: CaseRepo = client.app.state.cases  # type: ignore[attr-defined]
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1, minutes=1)
        with pytest.raises(CaseStateError, match="within 1 h"):
            repo.reopen(flyer["id"], actor="t", within=dt.timedelta(hours=1), now=later)
        assert client.get(f"/v1/cases/{flyer['id']}").json()["status"] == "rejected"
        assert client.post(f"/v1/cases/{flyer['id']}/reopen").status_code == 200
