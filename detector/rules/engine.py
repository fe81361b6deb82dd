"""From tracked detections to violations: zones, dwell clocks, sightings, re-appearance.

Each possible violation is a *candidate*: an object of a violation's classes at one place.
A candidate is ``pending`` until its rule is met (dwell time, or enough sightings over a
minimum span), then ``open``: the caller opens a case and attaches its id. Sightings are
matched to candidates by violation and place (the object's anchor point within a tolerance
of its size), with the tracker id as a tie-breaker, never by tracker id alone: a car hidden
by a passing bus comes back under a new id and must keep its dwell clock and its case.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from detector.detections import Detections
from detector.geometry import Box, box_overlap
from detector.rules.config import RuleConfig
from detector.rules.context import ContextMemory
from detector.rules.sightings import Sighting, merge_overlaps, zone_for
from detector.taxonomy import Taxonomy, ViolationType, ZoneCondition
from detector.zones import Zone, ZoneSet, anchor_of

Phase = Literal["pending", "open"]
EventKind = Literal["started", "progress", "reached", "seen", "ended"]


@dataclass
class Candidate:
    key: int
    violation: str
    label: str
    zone_id: str | None
    responsible: str | None
    anchor: tuple[float, float]  # where it was first seen; the stationary test is against it
    size: float  # box height when first seen, the scale of the place tolerance
    box: Box  # latest box
    first_seen: float  # epoch seconds
    last_seen: float
    frames: int
    best_confidence: float
    best_box: Box
    tracker_ids: set[int] = field(default_factory=set)
    # the engine's processed-frame count when the candidate started, for its presence ratio
    born_at_frame: int = 0
    # the farthest it has been from ``anchor``, in box heights (a moving-object rule's test)
    moved: float = 0.0
    phase: Phase = "pending"
    case_id: int | None = None
    reached_at: float | None = None

    @property
    def duration_s(self) -> float:
        return self.last_seen - self.first_seen


@dataclass(frozen=True)
class ViolationEvent:
    """What one frame did to one candidate; ``detection`` is the row in that frame (-1: none)."""

    kind: EventKind
    key: int
    violation: str
    label: str
    zone_id: str | None
    responsible: str | None
    first_seen: float
    last_seen: float
    reached_at: float | None
    frames: int
    confidence: float
    box: Box
    best: bool
    case_id: int | None
    detection: int

    @property
    def duration_s(self) -> float:
        return self.last_seen - self.first_seen


@dataclass(frozen=True)
class OpenViolation:
    """An open case, handed back to a fresh engine after a restart."""

    case_id: int
    violation: str
    label: str
    box: Box
    confidence: float
    zone_id: str | None
    responsible: str | None
    first_seen: dt.datetime
    last_seen: dt.datetime
    reached_at: dt.datetime | None


class ViolationEngine:
    """Per-camera violation state; feed it every processed frame in time order."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        zones: Sequence[Zone],
        rules: Mapping[str, RuleConfig],
        tz: dt.tzinfo = dt.UTC,
    ) -> None:
        unknown = sorted(set(rules) - {v.key for v in taxonomy.violations})
        if unknown:
            raise ValueError(f"rules for violations the taxonomy does not define: {unknown}")
        self.taxonomy = taxonomy
        self.zones = ZoneSet(zones)
        self.rules = dict(rules)
        self.tz = tz
        self.candidates: dict[int, Candidate] = {}
        self.context = ContextMemory(taxonomy.context_classes())
        self._keys = itertools.count(1)
        self._frame = 0  # processed frames so far
        self._last_t: float | None = None
        self._by_label: dict[str, list[tuple[ViolationType, RuleConfig, ZoneCondition]]] = {}

    def rule(self, violation: str) -> RuleConfig:
        return self.rules[violation]

    @property
    def frames_seen(self) -> int:
        """Frames processed so far (what pending candidates' presence is counted against)."""
        return self._frame

    def adopt(self, pending: Sequence[Candidate], frames_seen: int) -> int:
        """Take pending candidates an engine of this camera had (``detector.rules.state``):
        new keys, their clocks and frame counts kept; returns how many it took."""
        shift = self._frame - frames_seen
        taken = 0
        for cand in pending:
            if cand.violation not in self.rules or cand.phase != "pending":
                continue
            # its case may have opened after the state was saved: the case stands for it
            tol = self.rules[cand.violation].max_motion
            if any(
                c.violation == cand.violation
                and np.hypot(c.anchor[0] - cand.anchor[0], c.anchor[1] - cand.anchor[1])
                <= tol * max(c.size, cand.size)
                for c in self.candidates.values()
            ):
                continue
            cand.key = next(self._keys)
            cand.born_at_frame += shift
            cand.tracker_ids = set()
            self.candidates[cand.key] = cand
            taken += 1
        return taken

    def violation_for(self, label: str, box: Box) -> str | None:
        """The violation an object of ``label`` at ``box`` makes given what is around it
        (a bag beside a bin: bagged_garbage, on its own: exposed_garbage); None: none."""
        for violation in self.taxonomy.violations_for_class(label):
            if self.context.allows(violation, label, box):
                return violation.key
        return None

    def attach_case(self, key: int, case_id: int, at: dt.datetime | None = None) -> None:
        """Record the case opened for candidate ``key``: after its ``reached`` event, or
        earlier when another signal (the scene baseline) opened the case first; a pending
        candidate is then open from ``at`` on."""
        cand = self.candidates.get(key)
        if cand is not None:
            cand.case_id = case_id
            if cand.phase == "pending":
                cand.phase = "open"
                cand.reached_at = at.timestamp() if at is not None else cand.last_seen

    def restore(self, open_violations: Sequence[OpenViolation]) -> None:
        """Take back open cases after a restart, so re-sightings update them."""
        for ov in open_violations:
            if ov.violation not in self.rules:
                continue
            key = next(self._keys)
            self.candidates[key] = Candidate(
                key=key,
                violation=ov.violation,
                label=ov.label,
                zone_id=ov.zone_id,
                responsible=ov.responsible,
                anchor=anchor_of(ov.box, ov.label),
                size=max(ov.box[3] - ov.box[1], 1.0),
                box=ov.box,
                first_seen=ov.first_seen.timestamp(),
                last_seen=ov.last_seen.timestamp(),
                frames=1,
                best_confidence=ov.confidence,
                best_box=ov.box,
                phase="open",
                case_id=ov.case_id,
                reached_at=None if ov.reached_at is None else ov.reached_at.timestamp(),
            )

    def update(self, detections: Detections, at: dt.datetime) -> list[ViolationEvent]:
        """Advance every rule with one processed frame taken at ``at`` (timezone-aware)."""
        if at.tzinfo is None:
            raise ValueError("frame time must be timezone-aware")
        t = at.timestamp()
        if self._last_t is not None and t < self._last_t:
            raise ValueError(
                f"frame time {at.isoformat()} is older than the previous frame's "
                f"({dt.datetime.fromtimestamp(self._last_t, dt.UTC).isoformat()})"
            )
        self._last_t = t
        self._frame += 1
        sightings = merge_overlaps(self._sightings(detections, at.astimezone(self.tz)))
        events: list[ViolationEvent] = []
        matched: set[int] = set()
        # first let go of what has been gone too long, so a late look-alike starts afresh
        for cand in list(self.candidates.values()):
            rule = self.rules[cand.violation]
            limit = rule.clear_after_s if cand.phase == "open" else rule.max_gap_s
            if t - cand.last_seen > limit:
                del self.candidates[cand.key]
                events.append(self._event("ended", cand, None))
        active = {s.violation for s in sightings} | {c.violation for c in self.candidates.values()}
        for violation in self.rules:
            if violation not in active:  # nothing seen, nothing pending: nothing to advance
                continue
            mine = [s for s in sightings if s.violation == violation]
            cands = [c for c in self.candidates.values() if c.violation == violation]
            pairs, fresh = self._match(mine, cands, self.rules[violation])
            for s, cand in pairs:
                events.append(self._advance(cand, s, t))
                matched.add(cand.key)
            for s in fresh:
                # the same track seen away from its pending place: it moved, its clock restarts
                for moved in [
                    c
                    for c in cands
                    if c.phase == "pending"
                    and c.key not in matched
                    and c.key in self.candidates
                    and s.tracker_id >= 0
                    and s.tracker_id in c.tracker_ids
                ]:
                    del self.candidates[moved.key]
                    events.append(self._event("ended", moved, None))
                cand = self._start(s, t)
                events.append(self._event("started", cand, s))
                matched.add(cand.key)
        return events

    def _sightings(self, detections: Detections, local: dt.datetime) -> list[Sighting]:
        names = self.taxonomy.names
        numbered = Detections(
            xyxy=detections.xyxy,
            confidence=detections.confidence,
            class_id=detections.class_id,
            tracker_id=detections.tracker_id,
            data={**detections.data, "row": np.arange(len(detections))},
        )
        kept = self.zones.drop_ignored(numbered, names)
        rows = kept.data["row"]
        membership = self.zones.membership(kept, names)
        tracker = kept.tracker_id if kept.tracker_id is not None else np.full(len(kept), -1)
        labels = [names[int(c)] for c in kept.class_id.tolist()]
        boxes: list[Box] = [tuple(b) for b in kept.xyxy.tolist()]
        confidences = kept.confidence.tolist()
        if self.context.classes:
            seen = zip(labels, boxes, confidences, strict=True)
            self.context.update(seen, local.timestamp())
        out = []
        for i in range(len(kept)):
            label, box, conf = labels[i], boxes[i], confidences[i]
            for violation, rule, cond in self._checks(label):
                if conf < rule.min_confidence or not rule.active_at(local):
                    continue
                ok, zone = zone_for(cond, membership[i])
                if ok and self.context.allows(violation, label, box):
                    out.append(
                        Sighting(
                            int(rows[i]),
                            violation.key,
                            label,
                            box,
                            anchor_of(box, label),
                            conf,
                            int(tracker[i]),
                            zone,
                        )
                    )
        return out

    def _checks(self, label: str) -> list[tuple[ViolationType, RuleConfig, ZoneCondition]]:
        """The violations a class can be, with their rules and zone conditions (made once
        per class: they depend only on the taxonomy and the rules, fixed at construction)."""
        checks = self._by_label.get(label)
        if checks is None:
            checks = [
                (v, self.rules[v.key], v.zones.for_class(label))
                for v in self.taxonomy.violations_for_class(label)
                if v.key in self.rules
            ]
            self._by_label[label] = checks
        return checks

    @staticmethod
    def _match(
        sightings: list[Sighting], cands: list[Candidate], rule: RuleConfig
    ) -> tuple[list[tuple[Sighting, Candidate]], list[Sighting]]:
        """Pair sightings with candidates by place (greedy on a cost); return the rest too."""
        pairs = []
        for si, s in enumerate(sightings):
            for ci, c in enumerate(cands):
                tol = max(rule.max_motion * c.size, 1e-6)
                d = math.hypot(s.anchor[0] - c.anchor[0], s.anchor[1] - c.anchor[1])
                last = box_overlap(s.box, c.box)[0]
                # a pending object must stay where it started; an open case's object is also
                # the box over its last one (a parked car first seen while pulling in, its box
                # cut short by a bus passing in front), so it never opens a second case
                if d > tol and not (c.phase == "open" and last >= 0.5):
                    continue
                cost = min(d / tol, 1.0) + (0.0 if s.label == c.label else 0.5)
                cost -= 0.5 if s.tracker_id >= 0 and s.tracker_id in c.tracker_ids else 0.0
                # the box still over the candidate's last one is the object itself: a car
                # driving past a parked one may take over its track id, not its case
                cost += 1.0 - last
                pairs.append((cost, si, ci))
        pairs.sort()
        taken_s: set[int] = set()
        taken_c: set[int] = set()
        matched = []
        for _, si, ci in pairs:
            if si in taken_s or ci in taken_c:
                continue
            taken_s.add(si)
            taken_c.add(ci)
            matched.append((sightings[si], cands[ci]))
        rest = [s for si, s in enumerate(sightings) if si not in taken_s]
        return matched, rest

    def _start(self, s: Sighting, t: float) -> Candidate:
        key = next(self._keys)
        cand = Candidate(
            key=key,
            violation=s.violation,
            label=s.label,
            zone_id=s.zone.id if s.zone else None,
            responsible=s.zone.responsible if s.zone else None,
            anchor=s.anchor,
            size=max(s.box[3] - s.box[1], 1.0),
            box=s.box,
            first_seen=t,
            last_seen=t,
            frames=1,
            best_confidence=s.confidence,
            best_box=s.box,
            tracker_ids={s.tracker_id} if s.tracker_id >= 0 else set(),
            born_at_frame=self._frame,
        )
        self.candidates[key] = cand
        return cand

    def _advance(self, cand: Candidate, s: Sighting, t: float) -> ViolationEvent:
        best = s.confidence > cand.best_confidence
        cand.last_seen = max(cand.last_seen, t)
        cand.frames += 1
        cand.box = s.box
        away = float(np.hypot(s.anchor[0] - cand.anchor[0], s.anchor[1] - cand.anchor[1]))
        cand.moved = max(cand.moved, away / cand.size)
        if s.tracker_id >= 0:
            cand.tracker_ids.add(s.tracker_id)
        if best:
            cand.best_confidence, cand.best_box = s.confidence, s.box
            cand.label = s.label
        kind: EventKind
        if cand.phase == "pending":
            if self._met(cand):
                cand.phase, cand.reached_at = "open", t
                kind = "reached"
            else:
                kind = "progress"
        else:
            kind = "reached" if cand.case_id is None else "seen"
        return self._event(kind, cand, s, best=best)

    def _met(self, cand: Candidate) -> bool:
        rule = self.rules[cand.violation]
        if cand.moved < rule.min_motion:
            return False  # a moving-object rule: it has not moved (enough) yet
        if rule.dwell_s is not None:
            # seen in enough of the frames since it appeared: a parked car hidden for a while
            # by a bus passes, two cars passing the same spot a minute apart do not
            presence = cand.frames / (self._frame - cand.born_at_frame + 1)
            return (
                cand.duration_s >= rule.dwell_s
                and cand.frames >= 2
                and presence >= rule.min_presence
            )
        return cand.frames >= rule.min_frames and cand.duration_s >= rule.min_span_s

    @staticmethod
    def _event(
        kind: EventKind, cand: Candidate, s: Sighting | None, *, best: bool = True
    ) -> ViolationEvent:
        return ViolationEvent(
            kind=kind,
            key=cand.key,
            violation=cand.violation,
            label=cand.label,
            zone_id=cand.zone_id,
            responsible=cand.responsible,
            first_seen=cand.first_seen,
            last_seen=cand.last_seen,
            reached_at=cand.reached_at,
            frames=cand.frames,
            confidence=s.confidence if s else cand.best_confidence,
            box=s.box if s else cand.box,
            best=best if s else False,
            case_id=cand.case_id,
            detection=s.row if s else -1,
        )
