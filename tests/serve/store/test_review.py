"""Review decisions, the workflow, the audit log, overdue flags and suppressions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from serve.store import CaseRepo, Database
from serve.store.cases import CaseNotFound
from serve.store.migrate import upgrade
from serve.store.suppressions import SuppressionNotFound, SuppressionRepo
from serve.workflow import CaseStateError
from tests.serve.store.factories import new_case


def test_confirm_with_a_corrected_class_and_box_keeps_what_the_model_said(cases: CaseRepo) -> None:
    case = cases.create(new_case(label="car", box=(10, 10, 50, 50)))
    deadline = datetime(2026, 11, 25, tzinfo=UTC)
    done = cases.review(
        case.id,
        actor="li",
        decision="confirm",
        label="truck",
        box=(12, 10, 60, 52),
        deadline_at=deadline,
    )
    assert done.status == "confirmed" and done.label == "truck" and done.box == (12, 10, 60, 52)
    assert done.detected_label == "car" and done.detected_box == (10, 10, 50, 50)
    assert done.reviewed_by == "li" and done.deadline_at == deadline
    # a later, better sighting updates what the model saw, never the reviewer's box
    after, _ = cases.update(case.id, last_seen=done.last_seen, confidence=0.99, box=(0, 0, 5, 5))
    assert after.box == (12, 10, 60, 52) and after.detected_box == (0, 0, 5, 5)
    [opened, confirmed] = cases.audit(case.id)
    assert (opened.action, opened.actor, opened.to_status) == ("opened", "system", "draft")
    assert (confirmed.actor, confirmed.from_status, confirmed.to_status) == (
        "li",
        "draft",
        "confirmed",
    )
    assert confirmed.detail == {
        "label": {"from": "car", "to": "truck"},
        "box": {"from": [10.0, 10.0, 50.0, 50.0], "to": [12.0, 10.0, 60.0, 52.0]},
    }


@pytest.mark.parametrize(
    ("reason", "note", "error"),
    [
        (None, None, "needs a reason"),
        ("because", None, "needs a reason"),
        ("other", None, "needs a note"),
        ("other", "  ", "needs a note"),
        ("permitted", None, None),
        ("other", "approved night market", None),
    ],
)
def test_rejections_need_a_known_reason(
    cases: CaseRepo, reason: str | None, note: str | None, error: str | None
) -> None:
    case = cases.create(new_case())
    if error:
        with pytest.raises(ValueError, match=error):
            cases.review(case.id, actor="li", decision="reject", reason=reason, note=note)
        assert cases.audit(case.id)[-1].action == "opened"
    else:
        done = cases.review(case.id, actor="li", decision="reject", reason=reason, note=note)
        assert done.status == "rejected" and done.reject_reason == reason


def test_the_workflow_refuses_skipped_steps_and_audits_each_one(cases: CaseRepo) -> None:
    case = cases.create(new_case())
    with pytest.raises(CaseStateError, match="is draft; it can go to"):
        cases.transition(case.id, "dispatched", actor="ops")
    cases.review(case.id, actor="li", decision="confirm")
    with pytest.raises(CaseStateError, match="is confirmed"):
        cases.review(case.id, actor="li", decision="reject", reason="duplicate")
    cases.transition(case.id, "dispatched", actor="ops", detail={"platform": "ok"})
    cases.transition(case.id, "verified_cleared", actor="system", reason="gone for 3 checks")
    closed = cases.transition(case.id, "closed", actor="ops")
    assert closed.dispatched_at and closed.cleared_at and closed.closed_at
    assert [(a.from_status, a.to_status) for a in cases.audit(case.id)] == [
        (None, "draft"),
        ("draft", "confirmed"),
        ("confirmed", "dispatched"),
        ("dispatched", "verified_cleared"),
        ("verified_cleared", "closed"),
    ]
    with pytest.raises(CaseNotFound):
        cases.audit(9999)


def test_overdue_flags_each_late_case_once(cases: CaseRepo) -> None:
    now = datetime(2026, 11, 26, tzinfo=UTC)
    late = cases.create(new_case())
    cases.review(late.id, actor="li", decision="confirm", deadline_at=now - timedelta(hours=1))
    fine = cases.create(new_case())
    cases.review(fine.id, actor="li", decision="confirm", deadline_at=now + timedelta(hours=1))
    assert cases.mark_overdue(now) == [late.id]
    assert cases.mark_overdue(now) == []
    assert cases.get(late.id).overdue and not cases.get(fine.id).overdue  # type: ignore[union-attr]
    assert cases.audit(late.id)[-1].action == "overdue"


def test_suppressions_expire_and_can_be_lifted(db: Database) -> None:
    repo = SuppressionRepo(db)
    now = datetime(2026, 11, 24, tzinfo=UTC)
    s = repo.add(
        camera_id="cam-01",
        label="flyer",
        box=(1, 2, 3, 4),
        case_id=7,
        created_by="li",
        expires_at=now + timedelta(days=7),
    )
    assert [x.id for x in repo.active("cam-01", now)] == [s.id]
    assert repo.active("cam-02", now) == []
    assert repo.active("cam-01", now + timedelta(days=8)) == []
    lifted = repo.lift(s.id, actor="admin")
    assert lifted.lifted_by == "admin" and repo.active("cam-01", now) == []
    with pytest.raises(SuppressionNotFound, match="no suppression with id 999"):
        repo.lift(999, actor="admin")


def test_upgrading_a_0001_database_backfills_what_the_model_said(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    engine = create_engine(url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO cases (camera_id, violation, label, status, signal, first_seen, "
                "last_seen, confidence, box, address, timezone, model_name, model_version, "
                "sightings, created_at, updated_at) VALUES ('c', 'graffiti', 'graffiti', "
                "'draft', 'detector', '2026-01-01 00:00:00', '2026-01-01 00:01:00', 0.5, "
                "'[1, 2, 3, 4]', '', 'UTC', 'm', '1', 1, '2026-01-01 00:00:00', "
                "'2026-01-01 00:00:00')"
            )
        )
    upgrade(engine)
    engine.dispose()
    from serve.store import open_database

    db = open_database(url)
    repo = CaseRepo(db)
    [case], _ = repo.list()
    assert case.detected_label == "graffiti" and case.detected_box == (1, 2, 3, 4)
    assert [a.action for a in repo.audit(case.id)] == ["opened"]
    db.dispose()
