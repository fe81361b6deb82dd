"""``SceneBaseline``: new objects that appear in a fixed camera's view and stay there."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from detector.geometry import Box, as_box
from detector.scene.arrays import Mask, add_where, f32
from detector.scene.background import BackgroundModel
from detector.scene.candidates import Candidates
from detector.scene.config import SceneConfig
from detector.scene.events import SceneEvent
from detector.scene.grid import Grid
from detector.scene.reference import Frame, Strength
from detector.scene.state import Hint, State
from detector.zones import Zone


class SceneBaseline:
    """Per-camera long-term empty scene plus short-term motion; reports new static objects.

    The detector only names what it was trained on; a city camera watches the same street
    all day, so anything new that stays on the pavement, the road or a wall is a candidate
    case too. ``SceneBaseline`` keeps, per camera, a long-term model of the empty scene and
    a short-term model of what moves (``BackgroundModel``), and reports regions that differ
    from the long-term scene but hold still (``Candidates``).

    ``update`` takes every sampled frame (BGR uint8, always the same size) with its time,
    and the boxes of objects that already are open cases (``protect``): those pixels are
    never learnt into the empty scene while they are protected.

    >>> from detector.zones import Zone
    >>> walk = Zone(id="walk", type="sidewalk", polygon=((0, 0), (64, 0), (64, 48), (0, 48)))
    >>> base = SceneBaseline([walk], SceneConfig(width=64, warmup_frames=2))
    >>> frame = np.full((48, 64, 3), 128, np.uint8)
    >>> base.update(frame, 0.0), base.update(frame, 1.0), base.ready
    ([], [], True)
    """

    def __init__(
        self,
        zones: Sequence[Zone],
        config: SceneConfig | None = None,
        background: npt.NDArray[np.uint8] | None = None,
    ) -> None:
        ids = [z.id for z in zones]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate zone ids: {dupes}")
        self.zones = tuple(zones)
        self.config = config or SceneConfig()
        if background is not None:
            if background.dtype != np.uint8 or background.ndim != 3 or background.shape[2] != 3:
                raise ValueError(
                    "background must be a BGR uint8 image (H, W, 3), got "
                    f"{background.dtype} {background.shape}"
                )
            if background.shape[1] != self.config.width:
                raise ValueError(
                    f"background must be {self.config.width} px wide (the analysis width), "
                    f"got {background.shape[1]}"
                )
        initial = None if background is None else background.astype(np.float32)
        self._s = State()
        self._model = BackgroundModel(self.config, self._s, initial)
        self._candidates = Candidates(self.zones, self.config, self._s)
        self._ignore: Mask | None = None
        self._zone_masks: dict[str, Mask] = {}

    @property
    def ready(self) -> bool:
        """Past warm-up: candidates are reported."""
        return self._s.updates >= self.config.warmup_frames

    @property
    def looks(self) -> int:
        """Frames looked at so far (``update`` calls that were not the last look's picture
        again, which only let time pass)."""
        return self._s.updates

    @property
    def settling(self) -> bool:
        """The last look saw a difference that moved or that the look before did not see:
        look again soon, rather than ``advance`` over it (an object arriving, a passer-by)."""
        return self._s.settling

    def background(self) -> npt.NDArray[np.uint8]:
        """The long-term empty scene (BGR, analysis resolution), to save and pass back."""
        if self._s.background is None:
            if self._model.initial is None:
                raise ValueError("no background yet: call update() with a frame first")
            return np.clip(self._model.initial, 0, 255).astype(np.uint8)
        return np.clip(self._s.background, 0, 255).astype(np.uint8)

    def pending(self) -> list[dict[str, Any]]:
        """The candidates in a watched zone that have not reached its dwell, as plain data
        (full-frame boxes, frame times in epoch seconds), for another process to ``adopt``."""
        grid = self._s.grid
        if grid is None:
            return []
        return [
            {"box": list(grid.to_full(t.box)), "first_seen": t.first_seen, "last_seen": t.last_seen}
            for t in self._s.tracks.values()
            if t.started and not t.reached
        ]

    def adopt(self, pending: Sequence[Mapping[str, Any]]) -> int:
        """Take the candidates another process had (its ``pending()``): a candidate that forms
        where one was, within ``resume_s`` of its last sighting, keeps that first sighting,
        so a camera moved to another worker or restarted does not start an object's dwell
        again. Returns how many it took; ValueError for data of another shape."""
        try:
            hints = [
                Hint(as_box(p["box"]), float(p["first_seen"]), float(p["last_seen"]))
                for p in pending
            ]
        except (KeyError, TypeError, ValueError, IndexError) as e:
            raise ValueError(f"scene candidates are not readable: {e!r}") from e
        self._s.hints = hints
        return len(hints)

    # -- the update ---------------------------------------------------------------------

    def update(
        self,
        frame: npt.NDArray[np.uint8],
        at: float,
        *,
        protect: Sequence[Box] = (),
        full_size: tuple[int, int] | None = None,
    ) -> list[SceneEvent]:
        """Take one frame seen at ``at`` (epoch seconds); return what happened to candidates.

        ``full_size`` (width, height): the camera's frame size when ``frame`` was decoded
        smaller; boxes (``protect``, the events') and zones are in full-size pixels."""
        image = self._analysis(frame, full_size)
        s = self._s
        if s.last_at is not None and at < s.last_at:
            raise ValueError(f"time went backwards: {at} after {s.last_at}")
        seen = self._seen(image)
        if self._unchanged(seen):
            # the empty street the last look saw, within noise: a look would find nothing
            # again; time passes over it at a fraction of the cost
            return self.advance(at, protect=protect)
        s.seen = seen
        small = f32(image.astype(np.float32))
        dt = 1.0 if s.last_at is None else max(at - s.last_at, 1e-3)
        s.last_at = at
        if s.background is None:
            self._model.start(small)
            return []
        cur = self._model.align(small)
        s.last = cur
        moving = self._model.moving(cur, dt)
        diff, strength, held = self._model.difference(cur)
        # what advance may age: differences this look and the one before both saw (a
        # difference one look saw alone may be that look's noise, and would be held for
        # the whole still interval)
        lasting = diff if s.looked is None else diff & s.looked[0]
        s.looked = (diff, lasting, moving, strength, held)
        # a difference that moved, or that the look before did not see, is still settling
        # (an object's worth of pixels: edges that flicker around a standing one do not count)
        unsettled = np.count_nonzero(diff & (moving | ~lasting))
        s.settling = bool(unsettled >= self.config.min_area * diff.size)
        s.updates += 1
        return self._settle(cur, at, dt, diff, moving, strength, held, protect)

    def advance(self, at: float, *, protect: Sequence[Box] = ()) -> list[SceneEvent]:
        """Let time pass over an unchanged picture, without looking at a frame.

        For frames the camera's motion gate found unchanged since the last look: what
        differed at the last two looks still differs, so what held still then ages by the
        time since and
        candidates reach their dwell, as ``update`` would report them for the same picture
        again, at a fraction of the cost (no alignment, no comparison). What was moving at
        the last look does not age until a look sees it hold still (rain, a passer-by
        who stopped: never called static unseen). Before warm-up ends (or before any look)
        it does nothing."""
        s = self._s
        if s.looked is None or s.last is None or s.last_at is None or not self.ready:
            return []
        if at < s.last_at:
            raise ValueError(f"time went backwards: {at} after {s.last_at}")
        dt = at - s.last_at
        if dt <= 0:
            return []
        s.last_at = at
        _, diff, moving, strength, held = s.looked
        if not s.waiting() and not diff.any():
            return []  # nothing differs and nothing is ageing: time passing changes nothing
        return self._settle(s.last, at, dt, diff, moving, strength, held, protect)

    def _settle(
        self,
        cur: Frame,
        at: float,
        dt: float,
        diff: Mask,
        moving: Mask,
        strength: Strength,
        held: Mask,
        protect: Sequence[Box],
    ) -> list[SceneEvent]:
        """Age what differs and holds still, report candidates, learn the empty scene."""
        s, cfg = self._s, self.config
        assert s.age is not None and s.since is not None and s.held_since is not None
        still = ~moving
        np.copyto(s.since, at, where=diff & (s.age <= 0) & np.isinf(s.since))
        np.copyto(s.held_since, at, where=held & np.isinf(s.held_since))
        add_where(s.age, dt, diff & still)
        # a frame or two of no difference (noise, a flicker at dusk) only sets it back
        add_where(s.age, -cfg.forget_rate * dt, still & ~diff)
        np.maximum(s.age, 0.0, out=s.age)
        gone = s.age <= 0
        s.ageing = not gone.all()
        np.copyto(s.since, np.inf, where=gone & ~diff)
        np.copyto(s.held_since, np.inf, where=gone & ~held)
        static = (s.age >= cfg.static_s) & ~self._ignore_mask()
        events = self._candidates.update(static, strength, moving, at) if self.ready else []
        # what differs (with all of its region) is held out of the empty scene until it is
        # old news; where an object has left, the scene behind it is learnt at once
        old = held & (at - s.held_since >= cfg.absorb_after_s)
        learn = (still & ~held) | old
        s.busy = moving | held
        self._model.learn(cur, dt, learn=learn, protect=protect)
        if s.removed is not None:
            self._model.relearn(cur, s.removed, protect)
            s.removed = None
        out, s.pending = [*s.pending, *events], []
        return out

    def _seen(self, image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8] | None:
        """The analysis frame as ``_unchanged`` compares it: halved and blurred, in colour
        (JPEG and sensor noise smoothed out; a poster as bright as the wall still counts);
        None when the check is off."""
        if self.config.same_level <= 0:
            return None
        h, w = image.shape[:2]
        half = cv2.resize(image, (max(w // 2, 1), max(h // 2, 1)), interpolation=cv2.INTER_AREA)
        return np.asarray(cv2.GaussianBlur(half, (3, 3), 0), np.uint8)

    def _unchanged(self, seen: npt.NDArray[np.uint8] | None) -> bool:
        """Whether a frame shows the empty street of the last look again: past warm-up,
        the last look found nothing differing from the empty scene and nothing waiting (no
        candidate, no age, no event), and no 4x4 block (of the analysis frame) changed by
        more than ``same_level`` in any colour on average since (an object of ``min_area``
        covers one whole; noise, smoothed first and then averaged, does not add up).
        Where something differs, every frame given is looked at as before: what a look
        finds there also depends on the empty scene, which it learns, absorbs into and is
        told to ``accept``."""
        s = self._s
        if seen is None or s.seen is None or s.looked is None or not self.ready:
            return False
        if s.settling or s.waiting():
            return False
        if seen.shape != s.seen.shape or s.looked[0].any():
            return False
        h, w = seen.shape[:2]
        blocks = (max(w // 2, 1), max(h // 2, 1))
        change = cv2.resize(cv2.absdiff(seen, s.seen), blocks, interpolation=cv2.INTER_AREA)
        return not bool((change > self.config.same_level).any())

    def _analysis(
        self, frame: npt.NDArray[np.uint8], full_size: tuple[int, int] | None = None
    ) -> npt.NDArray[np.uint8]:
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(
                f"expected a BGR uint8 frame (H, W, 3), got {frame.dtype} {frame.shape}"
            )
        w, h = full_size if full_size is not None else (frame.shape[1], frame.shape[0])
        grid = self._s.grid
        if grid is None:
            grid = self._s.grid = Grid((w, h), self.config.width)
            self._zone_masks, self._ignore = grid.zone_masks(self.zones)
        elif grid.size != (w, h):
            raise ValueError(
                f"frame size changed from {grid.size[0]}x{grid.size[1]} to {w}x{h}; "
                "a camera's frames must keep one size (start a new SceneBaseline)"
            )
        aw, ah = grid.analysis_size()
        if frame.shape[:2] != (ah, aw):  # else already shrunk (``ScaledFrame.shrunk``)
            frame = np.asarray(cv2.resize(frame, (aw, ah), interpolation=cv2.INTER_AREA))
        return frame

    def _ignore_mask(self) -> Mask:
        assert self._ignore is not None
        return self._ignore

    # -- operators ------------------------------------------------------------------------

    def accept(self, zone_id: str | None = None) -> None:
        """Make the current scene the baseline for the camera, or for one zone, and drop the
        candidates there (each gets an ``ended`` event with the next update)."""
        s = self._s
        if zone_id is not None and zone_id not in {z.id for z in self.zones}:
            raise ValueError(f"no zone {zone_id!r}; zones are {[z.id for z in self.zones]}")
        if s.background is None or s.last is None or s.age is None or s.since is None:
            return  # nothing seen yet: the first frame becomes the baseline anyway
        area = np.ones(s.age.shape, bool) if zone_id is None else self._zone_masks[zone_id].copy()
        for key, track in list(s.tracks.items()):
            if zone_id is None or (track.zone is not None and track.zone.id == zone_id):
                x0, y0, x1, y1 = track.box
                area[y0:y1, x0:x1] = True
                del s.tracks[key]
                if track.started:
                    s.pending.append(self._candidates.event("ended", track))
        self._model.relearn(s.last, area, ())
