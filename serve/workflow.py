"""The review workflow: a case's statuses and where each may go next.

A draft is confirmed or rejected by a reviewer; a confirmed case is dispatched to the
responsible unit (门前三包), re-inspected (回头看) to verified_cleared, and closed (办结).
Every module that names a status uses :class:`CaseStatus`; the store checks each move
with :func:`check_transition`.

>>> check_transition(7, "draft", CaseStatus.CONFIRMED)
<CaseStatus.CONFIRMED: 'confirmed'>
"""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    DISPATCHED = "dispatched"
    VERIFIED_CLEARED = "verified_cleared"
    CLOSED = "closed"


TRANSITIONS: dict[CaseStatus, tuple[CaseStatus, ...]] = {
    CaseStatus.DRAFT: (CaseStatus.CONFIRMED, CaseStatus.REJECTED),
    CaseStatus.CONFIRMED: (CaseStatus.DISPATCHED, CaseStatus.CLOSED),
    CaseStatus.DISPATCHED: (CaseStatus.VERIFIED_CLEARED, CaseStatus.CLOSED),
    CaseStatus.VERIFIED_CLEARED: (CaseStatus.CLOSED,),
    CaseStatus.REJECTED: (),
    CaseStatus.CLOSED: (),
}

# a reviewer accepted the violation: every status a confirmed case can reach
ACCEPTED = frozenset(
    {
        CaseStatus.CONFIRMED,
        CaseStatus.DISPATCHED,
        CaseStatus.VERIFIED_CLEARED,
        CaseStatus.CLOSED,
    }
)
# the violation was dealt with (处置): cleared at re-inspection, or closed
DISPOSED = frozenset({CaseStatus.VERIFIED_CLEARED, CaseStatus.CLOSED})
# accepted and waiting for the responsible unit: these can fall past their deadline
IN_PROGRESS = frozenset({CaseStatus.CONFIRMED, CaseStatus.DISPATCHED})
# the cameras still watch the violation: re-sightings update these cases, never open anew
WATCHED = frozenset(
    {CaseStatus.DRAFT, CaseStatus.CONFIRMED, CaseStatus.DISPATCHED, CaseStatus.REJECTED}
)


class CaseStateError(ValueError):
    """The case is not in a state that allows this change (HTTP 409)."""


def case_status(value: str) -> CaseStatus:
    """The status named ``value``; a ValueError lists the statuses there are."""
    try:
        return CaseStatus(value)
    except ValueError:
        raise ValueError(
            f"unknown case status {value!r}; one of {[s.value for s in CaseStatus]}"
        ) from None


def check_transition(case_id: int, current: str, to: str) -> CaseStatus:
    """``to`` as a status, if a case in ``current`` may move there; else CaseStateError."""
    allowed = TRANSITIONS[case_status(current)]
    if to not in allowed:
        raise CaseStateError(
            f"case {case_id} is {current}; it can go to "
            f"{[s.value for s in allowed] or 'nothing'}, not {to}"
        )
    return CaseStatus(to)
