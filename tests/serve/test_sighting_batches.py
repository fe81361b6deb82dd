"""Sightings without new evidence reach the store in batches, every FLUSH_S of frame time,
and none is lost: what the frames route reported seen is what the case counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from serve.pipeline.case_writer import FLUSH_S
from tests.serve.service import CAR, T0, cases, push, service

STEP_S = 2


def test_sightings_are_written_in_batches_and_all_counted(tmp_path: Path) -> None:
    with service(tmp_path) as client:
        seen: list[int] = []  # frame times the route reported the case seen
        behind = 0  # frames after which the store had fewer sightings than reported
        for t in range(0, 421, STEP_S):
            body = push(client, t, [("car", CAR)], seed=t % 7)
            opened = [t for _ in body["cases_opened"]]
            seen += opened + [t for v in body["violations"] if v["state"] == "seen"]
            if not seen:
                continue
            [case] = cases(client)
            stored = (dt.datetime.fromisoformat(case["last_seen"]) - T0).total_seconds()
            behind += case["sightings"] < len(seen)
            # no sighting waits longer than one batch (and the frame that flushes it)
            due = [s for s in seen if s <= t - FLUSH_S - STEP_S]
            assert not due or stored >= due[-1], f"at {t} s the store still had {stored} s"
            assert case["sightings"] >= len(due)
        push(client, 420 + FLUSH_S + STEP_S, [])  # a frame FLUSH_S later writes the rest
        [case] = cases(client)
    assert len(seen) > 10 and behind > 0
    assert case["sightings"] == len(seen)
