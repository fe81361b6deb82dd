"""``Candidates``: static regions tracked across updates, and the events they raise."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from detector.geometry import Box, box_overlap
from detector.scene.arrays import K3, K7, U8, Mask, edges, f32, medians
from detector.scene.config import SceneConfig
from detector.scene.events import EventKind, SceneEvent
from detector.scene.reference import Strength
from detector.scene.regions import merge, near, union
from detector.scene.state import State, Track
from detector.zones import Zone

logger = logging.getLogger(__name__)

GROUND_ZONES = frozenset({"sidewalk", "roadway", "no_parking"})
_SAME_S = 2.0  # seconds apart that changes still count as one event (frames ~1 s apart)


class Candidates:
    """Turns static pixels into candidates with stable keys and reports what happens to them.

    - Objects that leave: an object in the scene through warm-up (or learnt later) that
      goes away leaves a static difference too. A new static region whose outline has
      lost the edges the empty scene had there (``removed_edges`` times more than it
      gained) is the scene behind a departed object: learnt at once, with what changed in
      the same moment next to it (the rest of that object), and never a candidate.
    - Candidates: connected components of static pixels (after closing), by minimum area,
      tracked across updates by box overlap with a stable key; one ``reached`` event per
      object when it has stayed its zone's dwell time (``Zone.static_dwell``).
    """

    def __init__(self, zones: Sequence[Zone], config: SceneConfig, state: State) -> None:
        self.zones = tuple(zones)
        self.config = config
        self._s = state
        self._labels: npt.NDArray[np.int32] | None = None

    def update(self, static: Mask, strength: Strength, moving: Mask, at: float) -> list[SceneEvent]:
        """Components of static pixels, matched to the candidates of earlier updates."""
        s, cfg = self._s, self.config
        self._labels = None  # of the changed, still regions, made when first needed
        assert s.since is not None
        h, w = static.shape
        closed = cv2.morphologyEx(static.view(np.uint8), cv2.MORPH_CLOSE, K7)
        contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        min_px = cfg.min_area * w * h
        found: list[tuple[tuple[int, int, int, int], float, float]] = []
        for c in contours:
            if cv2.contourArea(c) < min_px:
                continue
            x, y, bw, bh = cv2.boundingRect(c)
            box = (x, y, x + bw, y + bh)
            if self._match(box) is None:
                gone = s.removed
                if gone is not None and gone[y : y + bh, x : x + bw].mean() > 0.5:
                    continue  # part of an object found to have left, a moment ago
                if self._left(np.asarray(c, np.int32), moving):
                    continue
            region = static[y : y + bh, x : x + bw]
            since = s.since[y : y + bh, x : x + bw][region]
            first = float(medians(since)) if since.size else at
            contrast = strength.mean(box, region)
            size = min(1.0, cv2.contourArea(c) / (8 * min_px))
            found.append((box, first, float(np.clip(0.6 * contrast + 0.4 * size, 0, 1))))
        found = merge(found, cfg.merge_gap)
        # an object may show as several components, and a component may continue a candidate
        # under a slightly different box: each goes to the candidate it overlaps most
        owned: dict[int, list[tuple[tuple[int, int, int, int], float, float]]] = {}
        for box, first, score in found:
            key = self._match(box)
            if key is None:
                key = s.next_key
                s.next_key += 1
                s.tracks[key] = Track(key, box, self._resumed(box, first, at), at, score)
            owned.setdefault(key, []).append((box, first, score))
        for key, parts in owned.items():
            track = s.tracks[key]
            track.box = union([p[0] for p in parts])
            track.last_seen, track.score = at, max(p[2] for p in parts)
        events = self._fuse(set(owned))
        matched = {k for k in owned if k in s.tracks}
        for key in sorted(matched):
            events += self._advance(s.tracks[key], at)
        for key in [k for k in s.tracks if k not in matched]:
            track = s.tracks[key]
            x0, y0, x1, y1 = track.box
            if np.count_nonzero(static[y0:y1, x0:x1]) >= cfg.keep_fraction * min_px:
                # fainter than a new candidate must be, but still there (dusk, rain)
                track.last_seen = at
                events += self._advance(track, at)
            elif at - track.last_seen > cfg.lost_s:
                del s.tracks[key]
                if track.started:
                    events.append(self.event("ended", track))
        return events

    def _left(self, contour: npt.NDArray[np.int32], moving: Mask) -> bool:
        """Whether a new static region is where an object of the empty scene has left (a
        car parked through warm-up drives off, a stall put away after a restart): along
        the outline of the whole changed, still region, the edges the empty scene has
        there are gone. Then the scene behind is marked to be learnt at once. A new
        object is the other way round: its outline adds edges. (The whole region, not
        just the part that is static yet: the plain roof of a new car over a kerb line
        looks like a removal on its own; and without what moves: a passer-by crossing
        the region is neither.)"""
        s, cfg = self._s, self.config
        assert s.last is not None and s.background is not None and s.age is not None
        h, w = moving.shape
        x, y, bw, bh = cv2.boundingRect(contour)
        inside = np.zeros((bh, bw), np.uint8)
        cv2.drawContours(inside, [contour], -1, 1, -1, offset=(-x, -y))
        if self._labels is None:
            still = cv2.morphologyEx(((s.age > 0) & ~moving).astype(np.uint8), cv2.MORPH_CLOSE, K7)
            self._labels = np.asarray(cv2.connectedComponents(still, connectivity=8)[1], np.int32)
        labels = self._labels
        ids = np.unique(labels[y : y + bh, x : x + bw][inside > 0])
        ids = ids[ids > 0]
        if ids.size == 0:
            return False
        region = np.isin(labels, ids).astype(np.uint8)
        x, y, bw, bh = cv2.boundingRect(region)
        x0, y0, x1, y1 = max(x - 4, 0), max(y - 4, 0), min(x + bw + 4, w), min(y + bh + 4, h)
        area = region[y0:y1, x0:x1]
        band = ((cv2.dilate(area, K7) - cv2.erode(area, K7)) > 0) & ~moving[y0:y1, x0:x1]
        if not band.any():
            return False
        scene = f32(cv2.cvtColor(s.background[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY))
        # edges only the empty scene has, against edges only the frame has: the ground's
        # own lines crossing the outline are in both and cancel (within a pixel: shake)
        now, then = edges(s.last.grey[y0:y1, x0:x1]), edges(scene)
        gone = float(np.maximum(then - cv2.dilate(now, K3), 0.0)[band].mean())
        added = float(np.maximum(now - cv2.dilate(then, K3), 0.0)[band].mean())
        logger.debug(
            "scene region %s: outline edges %.1f gone, %.1f added", (x0, y0, x1, y1), gone, added
        )
        if gone <= cfg.removed_edges * added + 1.0:
            return False
        removed = np.zeros((h, w), bool)
        removed[y0:y1, x0:x1] = cv2.dilate(area, K7) > 0
        removed |= self._same_object(region, moving)
        s.removed = removed if s.removed is None else s.removed | removed
        return True

    def _same_object(self, region: U8, moving: Mask) -> Mask:
        """What else changed in the same moment as ``region`` and lies near enough to be
        part of the same object (as candidate parts merge): the umbrella of a stall put
        away, while its table is judged, left with it."""
        s, cfg = self._s, self.config
        assert s.since is not None and s.age is not None
        when = s.since[region > 0]
        when = when[np.isfinite(when)]
        if not when.size:
            return np.zeros(region.shape, bool)
        t0 = float(np.median(when))
        same = (np.abs(s.since - t0) <= _SAME_S) & (s.age > 0) & ~moving
        count, parts, stats, _ = cv2.connectedComponentsWithStats(same.astype(np.uint8))
        x, y, bw, bh = cv2.boundingRect(region)
        joined = np.zeros(count, bool)
        for i in range(1, count):
            px, py, pw, ph = (int(v) for v in stats[i, :4])
            joined[i] = near((x, y, x + bw, y + bh), (px, py, px + pw, py + ph), cfg.merge_gap)
        return np.asarray(joined[parts], np.bool_)

    def _resumed(self, box: tuple[int, int, int, int], first: float, at: float) -> float:
        """A new candidate's first sighting: where another process had one (an adopted
        hint, seen there within ``resume_s``), that one's, so its dwell goes on."""
        s = self._s
        if not s.hints:
            return first
        assert s.grid is not None
        s.hints = [h for h in s.hints if at - h.last_seen <= self.config.resume_s]
        for hint in s.hints:
            if box_overlap(box, s.grid.to_analysis(hint.box))[1] >= self.config.match_overlap:
                s.hints.remove(hint)
                return min(first, hint.first_seen)
        return first

    def _match(self, box: tuple[int, int, int, int]) -> int | None:
        best, best_key = self.config.match_overlap, None
        for key, track in self._s.tracks.items():
            _, over = box_overlap(box, track.box)
            if over >= best:
                best, best_key = over, key
        return best_key

    def _fuse(self, keys: set[int]) -> list[SceneEvent]:
        """Candidates that have grown into one another become the older one."""
        s, events = self._s, []
        for key in sorted(keys, reverse=True):
            track = s.tracks[key]
            for other in sorted(s.tracks):
                if other >= key:
                    break
                if box_overlap(track.box, s.tracks[other].box)[1] >= self.config.match_overlap:
                    older = s.tracks[other]
                    older.box = union([older.box, track.box])
                    older.first_seen = min(older.first_seen, track.first_seen)
                    older.last_seen, older.score = track.last_seen, max(older.score, track.score)
                    del s.tracks[key]
                    if track.started:
                        events.append(self.event("ended", track))
                    break
        return events

    def _advance(self, track: Track, at: float) -> list[SceneEvent]:
        track.zone = self._zone_of(self._to_full(track.box)) if not track.started else track.zone
        if track.zone is None:
            return []
        out: list[SceneEvent] = []
        if not track.started:
            track.started = True
            out.append(self.event("started", track))
        if track.reached:
            out.append(self.event("seen", track))
        elif at - track.first_seen >= track.zone.static_dwell:
            track.reached = True
            out.append(self.event("reached", track))
        return out

    def event(self, kind: EventKind, track: Track) -> SceneEvent:
        assert track.zone is not None
        return SceneEvent(
            kind=kind,
            key=track.key,
            box=self._to_full(track.box),
            zone_id=track.zone.id,
            first_seen=track.first_seen,
            last_seen=track.last_seen,
            score=round(track.score, 3),
        )

    def _zone_of(self, box: Box) -> Zone | None:
        cx = (box[0] + box[2]) / 2
        centre = np.array([[cx, (box[1] + box[3]) / 2]])
        foot = np.array([[cx, box[3]]])
        for zone in self.zones:
            if not zone.watches_static:
                continue
            point = foot if zone.type in GROUND_ZONES else centre
            if zone.contains(point)[0]:
                return zone
        return None

    def _to_full(self, box: tuple[int, int, int, int]) -> Box:
        assert self._s.grid is not None
        return self._s.grid.to_full(box)
