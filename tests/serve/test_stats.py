"""``GET /v1/stats``: exact counts and rates over a small crafted set of cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serve.store.cases import CaseRepo
from serve.store.records import SCENE_LABEL, SCENE_VIOLATION, NewCase, Signal
from tests.serve.service import service

UTC = dt.UTC
SHANGHAI_10AM = dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
LONG_AGO = dt.datetime(2026, 1, 1, tzinfo=UTC)
FAR_AHEAD = dt.datetime(2099, 1, 1, tzinfo=UTC)


def make(
    repo: CaseRepo,
    camera: str,
    violation: str,
    label: str,
    first_seen: dt.datetime = SHANGHAI_10AM,
    signal: Signal = "detector",
) -> int:
    case = NewCase(
        camera_id=camera,
        violation=violation,
        label=label,
        first_seen=first_seen,
        last_seen=first_seen + dt.timedelta(minutes=6),
        confidence=0.8,
        box=(10, 10, 50, 50),
        address="青岛市市南区香港中路 1 号",
        timezone="Asia/Shanghai",
        model_name="markers",
        model_version="1.0",
        signal=signal,
    )
    return repo.create(case).id


def confirm(repo: CaseRepo, case_id: int, deadline: dt.datetime, label: str | None = None) -> None:
    repo.review(case_id, actor="t", decision="confirm", deadline_at=deadline, label=label)


def reject(repo: CaseRepo, case_id: int, reason: str) -> None:
    repo.review(case_id, actor="t", decision="reject", reason=reason)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """Cases on cam-01 (a configured camera) and cam-02 (not configured), Asia/Shanghai."""
    with service(tmp_path) as c:
        repo: CaseRepo = c.app.state.cases  # type: ignore[attr-defined]
        make(repo, "cam-01", "illegal_parking", "car")  # draft
        confirm(repo, make(repo, "cam-01", "illegal_parking", "car"), FAR_AHEAD)
        # confirmed as a truck, past its deadline: overdue
        confirm(repo, make(repo, "cam-01", "illegal_parking", "car"), LONG_AGO, label="truck")
        reject(repo, make(repo, "cam-01", "illegal_ad", "flyer"), "false_positive")
        cleared = make(repo, "cam-02", "illegal_ad", "flyer")
        confirm(repo, cleared, FAR_AHEAD)
        repo.transition(cleared, "dispatched", actor="t")
        repo.transition(cleared, "verified_cleared", actor="t")  # on time
        late = make(repo, "cam-02", "out_of_store_trading", "stall")
        confirm(repo, late, LONG_AGO)
        repo.transition(late, "closed", actor="t")  # closed after its deadline
        # 00:30 on the 23rd in Shanghai (still the 22nd in UTC)
        after_midnight = dt.datetime(2026, 11, 22, 16, 30, tzinfo=UTC)
        reject(
            repo, make(repo, "cam-02", "out_of_store_trading", "stall", after_midnight), "duplicate"
        )
        # 23:30 on the 22nd in Shanghai: outside 23-24 November
        make(repo, "cam-02", "graffiti", "graffiti", dt.datetime(2026, 11, 22, 15, 30, tzinfo=UTC))
        make(repo, "cam-01", "illegal_parking", "car", SHANGHAI_10AM + dt.timedelta(days=1))
        yield c


def stats(client: TestClient, **query: Any) -> dict[str, Any]:
    r = client.get("/v1/stats", params={"since": "2026-11-23", "until": "2026-11-24", **query})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def rate(group: dict[str, Any], name: str) -> tuple[int, int, float | None]:
    r = group[name]
    return r["numerator"], r["denominator"], r["value"]


def by_key(groups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {g["key"]: g for g in groups}


def test_totals_and_rates(client: TestClient) -> None:
    totals = stats(client)["totals"]
    counts = {k: totals[k] for k in ("total", "draft", "confirmed", "rejected", "disposed")}
    assert counts == {"total": 8, "draft": 2, "confirmed": 4, "rejected": 2, "disposed": 2}
    assert totals["overdue"] == 1
    assert rate(totals, "confirm_rate") == (4, 6, 0.6667)
    assert rate(totals, "disposal_rate") == (2, 4, 0.5)
    assert rate(totals, "on_time_rate") == (1, 2, 0.5)


def test_days_are_the_cameras_local_dates(client: TestClient) -> None:
    days = stats(client)["per_day"]
    assert [d["date"] for d in days] == ["2026-11-23", "2026-11-24"]
    assert [d["total"] for d in days] == [7, 1]
    first = days[0]["by_violation"]
    assert list(first)[:5] == [
        "illegal_parking",
        "out_of_store_trading",
        "illegal_ad",
        "graffiti",
        "exposed_garbage",
    ]
    assert first == {
        "illegal_parking": 3,
        "out_of_store_trading": 2,
        "illegal_ad": 2,
        "graffiti": 0,
        "exposed_garbage": 0,
        "new_static_object": 0,
        "nonmotor_parking": 0,
        "mobile_vendor": 0,
        "piled_materials": 0,
        "bagged_garbage": 0,
    }
    before = stats(client, since="2026-11-22", until="2026-11-22")
    assert before["totals"]["total"] == 1
    assert before["per_day"][0]["by_violation"]["graffiti"] == 1


def test_per_camera_class_and_violation(client: TestClient) -> None:
    body = stats(client)
    cams = by_key(body["per_camera"])
    assert list(cams) == ["cam-01", "cam-02"]
    one, two = cams["cam-01"], cams["cam-02"]
    assert (one["name"], two["name"]) == ("香港中路口", "cam-02")  # cam-02 is not configured
    assert (one["total"], one["draft"], one["confirmed"], one["rejected"]) == (5, 2, 2, 1)
    assert rate(one, "confirm_rate") == (2, 3, 0.6667)
    assert rate(one, "disposal_rate") == (0, 2, 0.0)
    assert rate(one, "on_time_rate") == (0, 0, None)
    assert one["overdue"] == 1
    assert rate(two, "disposal_rate") == (2, 2, 1.0)
    assert rate(two, "on_time_rate") == (1, 2, 0.5)
    # by the class the model detected: the car confirmed as a truck counts for "car"
    classes = by_key(body["per_class"])
    assert list(classes) == ["car", "stall", "flyer"]  # taxonomy order
    assert rate(classes["car"], "confirm_rate") == (2, 2, 1.0)
    assert rate(classes["flyer"], "confirm_rate") == (1, 2, 0.5)
    assert classes["stall"]["name"] == "摊位" and classes["stall"]["name_en"] == "stall"
    violations = by_key(body["per_violation"])
    assert violations["illegal_parking"]["name"] == "机动车违停"
    assert violations["illegal_parking"]["overdue"] == 1


def test_overdue_cases_are_listed(client: TestClient) -> None:
    body = stats(client)
    assert body["overdue_count"] == 1
    [case] = body["overdue"]
    assert (case["camera_id"], case["violation"], case["label"], case["status"]) == (
        "cam-01",
        "illegal_parking",
        "truck",
        "confirmed",
    )
    assert case["deadline_at"] == "2026-01-01T08:00:00+08:00"
    assert case["overdue_h"] > 24 * 300


def test_filter_by_camera(client: TestClient) -> None:
    body = stats(client, camera_id="cam-02")
    assert body["camera_id"] == "cam-02"
    assert body["totals"]["total"] == 3
    assert [g["key"] for g in body["per_camera"]] == ["cam-02"]
    assert stats(client, camera_id="nope")["totals"]["total"] == 0


def test_an_empty_range_has_no_rates(client: TestClient) -> None:
    body = stats(client, since="2025-01-01", until="2025-01-03")
    assert [d["total"] for d in body["per_day"]] == [0, 0, 0]
    assert rate(body["totals"], "confirm_rate") == (0, 0, None)
    assert body["per_camera"] == [] and body["overdue"] == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"since": "2026-11-24", "until": "2026-11-23"}, "since <= until"),
        ({"since": "2025-01-01", "until": "2026-11-23"}, "at most 366 days"),
        ({"since": "yesterday"}, "since"),
    ],
)
def test_bad_ranges_say_what_was_wrong(
    client: TestClient, query: dict[str, str], message: str
) -> None:
    r = client.get("/v1/stats", params=query)
    assert r.status_code == 422 and message in r.text, r.text


def test_defaults_to_the_last_30_days(client: TestClient) -> None:
    r = client.get("/v1/stats")
    assert r.status_code == 200, r.text
    body = r.json()
    since, until = dt.date.fromisoformat(body["since"]), dt.date.fromisoformat(body["until"])
    assert (until - since).days == 29 and len(body["per_day"]) == 30


@pytest.fixture
def signals(tmp_path: Path) -> Iterator[TestClient]:
    """Cases from every signal on cam-01; the scene's finds named through the review API."""
    with service(tmp_path) as c:
        repo: CaseRepo = c.app.state.cases  # type: ignore[attr-defined]
        reject(repo, make(repo, "cam-01", "illegal_parking", "car"), "false_positive")
        confirm(repo, make(repo, "cam-01", "illegal_parking", "car", signal="both"), FAR_AHEAD)
        make(repo, "cam-01", "out_of_store_trading", "stall", signal="both")  # draft

        def found() -> int:
            return make(repo, "cam-01", SCENE_VIOLATION, SCENE_LABEL, signal="scene")

        found()  # not named yet
        for case_id, body in [
            (found(), {"decision": "confirm", "label": "goods"}),
            (found(), {"decision": "confirm", "label": "goods"}),
            (found(), {"decision": "confirm", "label": "flyer"}),
            (found(), {"decision": "reject", "reason": "no_violation", "label": "garbage_bin"}),
            (found(), {"decision": "reject", "reason": "false_positive"}),
        ]:
            r = c.post(f"/v1/cases/{case_id}/review", json=body)
            assert r.status_code == 200, r.text
        yield c


def counts(group: dict[str, Any]) -> tuple[int, int, int]:
    return group["total"], group["confirmed"], group["rejected"]


def test_cases_per_signal(signals: TestClient) -> None:
    body = stats(signals)
    per_signal = by_key(body["per_signal"])
    assert list(per_signal) == ["detector", "scene", "both", "ocr"]
    assert per_signal["scene"]["name"] == "场景变化"
    assert per_signal["ocr"]["name"] == "文字识别"
    assert {k: counts(g) for k, g in per_signal.items()} == {
        "detector": (1, 0, 1),
        "scene": (6, 3, 2),
        "both": (2, 1, 0),
        "ocr": (0, 0, 0),
    }
    assert rate(per_signal["scene"], "confirm_rate") == (3, 5, 0.6)
    # every group splits by signal, every signal listed
    split = body["totals"]["by_signal"]
    assert {k: counts(v) for k, v in split.items()} == {k: counts(g) for k, g in per_signal.items()}
    camera = by_key(body["per_camera"])["cam-01"]["by_signal"]
    assert counts(camera["scene"]) == (6, 3, 2)
    assert camera["scene"]["confirm_rate"]["value"] == 0.6


def test_the_scenes_finds_per_class_and_as_named(signals: TestClient) -> None:
    body = stats(signals)
    # per class as detected: what the scene alone found is "unknown", listed last
    classes = by_key(body["per_class"])
    assert list(classes) == ["car", "stall", "unknown"]
    assert classes["unknown"]["name"] == "待识别"
    assert {k: counts(v) for k, v in classes["car"]["by_signal"].items()} == {
        "detector": (1, 0, 1),
        "scene": (0, 0, 0),
        "both": (1, 1, 0),
        "ocr": (0, 0, 0),
    }
    assert counts(classes["unknown"]["by_signal"]["scene"]) == (6, 3, 2)
    # named goods and flyers moved to their violations, and count there as the scene's
    violations = by_key(body["per_violation"])
    assert counts(violations["out_of_store_trading"]["by_signal"]["scene"]) == (2, 2, 0)
    assert counts(violations["illegal_ad"]["by_signal"]["scene"]) == (1, 1, 0)
    assert counts(violations[SCENE_VIOLATION]) == (3, 0, 2)
    # the labels the cold start yields, in taxonomy order; unknown: not named yet
    named = {g["key"]: counts(g) for g in body["scene_named"]}
    assert named == {
        "goods": (2, 2, 0),
        "flyer": (1, 1, 0),
        "garbage_bin": (1, 0, 1),
        "unknown": (2, 0, 1),
    }
    assert list(named) == ["goods", "flyer", "garbage_bin", "unknown"]
