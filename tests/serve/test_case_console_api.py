"""What the case list and the case page ask of the API: filters by responsible unit, date
range and overdue, the orders a list comes in, notes on a case, and an export of several
cases in one zip."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

from serve.store.cases import CaseRepo
from tests.serve.service import NO_PARKING, PUSH_CAMERA, T0, cases, service, write_config
from tests.serve.test_review_api import open_cases, review

UNIT = "市南交警一中队"
# the no-parking bay has a responsible unit
CAMERA = {
    **PUSH_CAMERA,
    "zones": [
        {"id": "np1", "type": "no_parking", "polygon": NO_PARKING, "responsible": UNIT},
        *PUSH_CAMERA["zones"][1:],
    ],
}


def test_the_list_filters_by_unit_dates_and_overdue_and_sorts(tmp_path: Path) -> None:
    with service(tmp_path, write_config(tmp_path / "cameras.yaml", [CAMERA])) as client:
        found = open_cases(client)
        car, flyer = found["illegal_parking"], found["illegal_ad"]
        assert car["responsible"] == UNIT and flyer["responsible"] != UNIT
        assert [c["id"] for c in cases(client, responsible=UNIT)] == [car["id"]]
        assert cases(client, responsible="没有这个单位") == []
        seen = sorted(dt.datetime.fromisoformat(c["first_seen"]) for c in found.values())
        assert {c["id"] for c in cases(client, since=seen[0].isoformat())} == {
            car["id"],
            flyer["id"],
        }
        assert cases(client, until=seen[0].isoformat()) == []
        r = client.get("/v1/cases", params={"until": "2026-11-23T08:00:00"})
        assert r.status_code == 422 and "'until' needs a UTC offset" in r.json()["detail"]
        newest = [c["id"] for c in cases(client)]
        assert [c["id"] for c in cases(client, sort="oldest")] == newest[::-1]
        r = client.get("/v1/cases", params={"sort": "sideways"})
        assert r.status_code == 422
        # confirmed cases get deadlines; one of them is made overdue
        for c in (car, flyer):
            assert review(client, c["id"], decision="confirm").status_code == 200
        repo: CaseRepo = client.app.state.cases  # type: ignore[attr-defined]
        deadlines = {c["id"]: c["deadline_at"] for c in cases(client)}
        soonest = min(deadlines, key=lambda i: deadlines[i])
        by_deadline = sorted(deadlines, key=lambda i: (deadlines[i], -i))
        assert [c["id"] for c in cases(client, sort="deadline")] == by_deadline
        late = dt.datetime.fromisoformat(deadlines[soonest]) + dt.timedelta(seconds=1)
        due = {i for i, d in deadlines.items() if dt.datetime.fromisoformat(d) < late}
        assert set(repo.mark_overdue(now=late)) == due
        assert {c["id"] for c in cases(client, overdue=True)} == due
        assert {c["id"] for c in cases(client, overdue=False)} == set(deadlines) - due


def test_a_note_goes_into_the_audit_log(tmp_path: Path) -> None:
    with service(tmp_path) as client:
        car = open_cases(client)["illegal_parking"]
        r = client.post(f"/v1/cases/{car['id']}/notes", json={"text": " 已电话联系车主 "})
        assert r.status_code == 204, r.text
        last = client.get(f"/v1/cases/{car['id']}/audit").json()["data"][-1]
        assert (last["action"], last["reason"], last["from"], last["to"]) == (
            "note",
            "已电话联系车主",
            "draft",
            "draft",
        )
        assert client.get(f"/v1/cases/{car['id']}").json()["status"] == "draft"
        r = client.post(f"/v1/cases/{car['id']}/notes", json={"text": "   "})
        assert r.status_code == 422 and "needs some text" in r.json()["detail"]
        r = client.post(f"/v1/cases/{car['id']}/notes", json={"text": "x" * 1001})
        assert r.status_code == 422
        assert client.post("/v1/cases/999999/notes", json={"text": "?"}).status_code == 404


def test_several_cases_export_as_one_zip(tmp_path: Path) -> None:
    with service(tmp_path) as client:
        found = open_cases(client)
        ids = sorted(c["id"] for c in found.values())
        r = client.post("/v1/cases/export", json={"ids": [*ids, ids[0]]})
        assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
        assert f'filename="cases-{len(ids)}.zip"' in r.headers["content-disposition"]
        with zipfile.ZipFile(io.BytesIO(r.content)) as z:
            for case_id in ids:
                body = json.loads(z.read(f"case-{case_id}/case.json"))
                assert body["id"] == case_id and body["evidence_files"]
                for item in body["evidence_files"]:
                    data = z.read(f"case-{case_id}/{item['file']}")
                    assert hashlib.sha256(data).hexdigest() == item["sha256"]
        r = client.post("/v1/cases/export", json={"ids": [ids[0], 999998, 999999]})
        assert r.status_code == 404 and "999998, 999999" in r.json()["detail"]
        assert client.post("/v1/cases/export", json={"ids": []}).status_code == 422
        r = client.post("/v1/cases/export", json={"ids": list(range(1, 202))})
        assert r.status_code == 422


def test_first_seen_is_the_frames_time(tmp_path: Path) -> None:
    # the date filters work on the camera's clock, which the tests set to T0
    with service(tmp_path) as client:
        found = open_cases(client)
        for c in found.values():
            seen = dt.datetime.fromisoformat(c["first_seen"])
            assert T0 <= seen <= T0 + dt.timedelta(seconds=400)
