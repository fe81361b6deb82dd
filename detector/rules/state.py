"""A violation engine's pending clocks as plain data, to resume them in another process.

Open violations come back from their cases (``ViolationEngine.restore``); what has no case
yet is a pending candidate: a car 200 s into a 300 s dwell. A camera that moves to another
worker, or a service that restarts, would start that clock again, and a car that leaves at
320 s would never be a case. ``pending_state`` writes those candidates (with the engine's
processed-frame count, which their presence ratio is measured against) as JSON-able data;
``adopt_pending`` gives them to a fresh engine under new keys. Tracker ids are not kept:
the new process's tracker numbers its tracks afresh.
"""

from __future__ import annotations

from typing import Any

from detector.geometry import as_box
from detector.rules.engine import Candidate, ViolationEngine

STATE_VERSION = 1


def pending_state(engine: ViolationEngine) -> dict[str, Any]:
    """The engine's pending candidates (no case yet) and its processed-frame count."""
    pending = [
        {
            "violation": c.violation,
            "label": c.label,
            "zone_id": c.zone_id,
            "responsible": c.responsible,
            "anchor": list(c.anchor),
            "size": c.size,
            "box": list(c.box),
            "first_seen": c.first_seen,
            "last_seen": c.last_seen,
            "frames": c.frames,
            "best_confidence": c.best_confidence,
            "best_box": list(c.best_box),
            "born_at_frame": c.born_at_frame,
            "moved": c.moved,
        }
        for c in engine.candidates.values()
        if c.phase == "pending" and c.case_id is None
    ]
    return {"version": STATE_VERSION, "frames": engine.frames_seen, "pending": pending}


def adopt_pending(engine: ViolationEngine, state: dict[str, Any]) -> int:
    """Give ``state``'s pending candidates to ``engine``; returns how many it took.

    ValueError for state of another version or shape (the caller starts those clocks
    afresh rather than guess)."""
    if state.get("version") != STATE_VERSION:
        raise ValueError(f"engine state version {state.get('version')!r}, not {STATE_VERSION}")
    try:
        saved_frames = int(state["frames"])
        candidates = [
            Candidate(
                key=0,
                violation=str(p["violation"]),
                label=str(p["label"]),
                zone_id=p["zone_id"],
                responsible=p["responsible"],
                anchor=(float(p["anchor"][0]), float(p["anchor"][1])),
                size=float(p["size"]),
                box=as_box(p["box"]),
                first_seen=float(p["first_seen"]),
                last_seen=float(p["last_seen"]),
                frames=int(p["frames"]),
                best_confidence=float(p["best_confidence"]),
                best_box=as_box(p["best_box"]),
                born_at_frame=int(p["born_at_frame"]),
                moved=float(p["moved"]),
            )
            for p in state["pending"]
        ]
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise ValueError(f"engine state is not readable: {e!r}") from e
    return engine.adopt(candidates, saved_frames)
