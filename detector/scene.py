"""Scene baseline: new objects that appear in a fixed camera's view and stay there.

The detector only names what it was trained on; a city camera watches the same street
all day, so anything new that stays on the pavement, the road or a wall is a candidate
case too. ``SceneBaseline`` keeps, per camera, a long-term model of the empty scene and
a short-term model of what moves, and reports regions that differ from the long-term
scene but hold still.

How, and why these OpenCV parts:

- Frames are analysed at a reduced width (``SceneConfig.width``, 320 px): a few ms each.
- Alignment: ``cv2.phaseCorrelate`` of the blurred grey frame against the long-term
  background, falling back to no shift when its response is weak or the shift too big;
  what moved or differed at the last update is weighted out of it, so a passing lorry
  or a big new object on a plain street does not pull the shift.
  It is one FFT pair, closed form, blind to global gain (phase only) and says how sure
  it is; camera shake on a pole is a few pixels of translation, and the tiny rotation
  left over is below a pixel at this width, which the blurred comparison tolerates.
  ``cv2.findTransformECC`` would also model rotation but iterates, costs several times
  more and can diverge when the light changes a lot between frame and background.
- Illumination: the frame is brought to the background's level by a per-channel gain
  (median ratio, so colour temperature shifts too), then compared by texture (windowed
  zero-mean normalised cross-correlation of grey, blind to gain and gamma, so shadows
  and dusk do not count) and by chromaticity in pixels bright enough to have a colour.
- Short-term: ``cv2.createBackgroundSubtractorMOG2`` on the aligned frames marks what
  moves (passers-by, traffic, rain streaks). A pixel that differs from the long-term
  scene and is not moving accumulates age; pixels older than ``static_s`` are static.
- Long-term: ``cv2.accumulateWeighted`` with a mask, at a rate from the time between
  frames (a time constant, not a per-frame rate), over pixels that neither move nor
  differ. Differing pixels are held out, with the connected pixels whose brightness
  stepped (``level_threshold``: the plain inside of an object that texture and colour
  see only along its outline), so a new object is not learnt into the empty scene
  while it waits for its dwell; candidates still there after ``absorb_after_s`` are
  learnt after all (a scene change nobody acted on), except inside ``protect`` boxes
  (open cases), which are never learnt.
- Objects that leave: an object in the scene through warm-up (or learnt later) that
  goes away leaves a static difference too. A new static region whose outline has
  lost the edges the empty scene had there (``removed_edges`` times more than it
  gained) is the scene behind a departed object: learnt at once, with what changed in
  the same moment next to it (the rest of that object), and never a candidate.
- Candidates: connected components of static pixels (after closing), by minimum area,
  tracked across updates by box overlap with a stable key; one ``reached`` event per
  object when it has stayed its zone's dwell time (``Zone.static_dwell``).

>>> import numpy as np
>>> from detector.zones import Zone
>>> walk = Zone(id="walk", type="sidewalk", polygon=((0, 0), (64, 0), (64, 48), (0, 48)))
>>> base = SceneBaseline([walk], SceneConfig(width=64, warmup_frames=2))
>>> frame = np.full((48, 64, 3), 128, np.uint8)
>>> base.update(frame, 0.0), base.update(frame, 1.0), base.ready
([], [], True)
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import cv2
import numpy as np
import numpy.typing as npt

from detector.detections import Detections
from detector.geometry import Box, box_overlap
from detector.zones import Zone

logger = logging.getLogger(__name__)

EventKind = Literal["started", "reached", "seen", "ended"]
F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]

GROUND_ZONES = frozenset({"sidewalk", "roadway", "no_parking"})


@dataclass(frozen=True)
class SceneConfig:
    """Tuning for about one sampled frame per second; times are seconds of ``at``."""

    width: int = 320  # analysis width in pixels (height keeps the aspect ratio)
    warmup_frames: int = 10  # updates before candidates are reported
    background_tau_s: float = 90.0  # time constant of the long-term scene
    motion_tau_s: float = 8.0  # time constant of the short-term (MOG2) model
    static_s: float = 6.0  # how long a differing pixel must hold still to be static
    absorb_after_s: float = 900.0  # unprotected candidates older than this are learnt
    forget_rate: float = 3.0  # seconds of age lost per second a pixel shows no difference
    lost_s: float = 8.0  # a candidate unseen this long has ended
    window: int = 7  # texture comparison window (analysis pixels)
    blur_sigma: float = 1.0  # pre-blur: tolerates JPEG blocks and sub-pixel shake
    noise_var: float = 12.0  # grey variance treated as noise in the texture comparison
    texture_min_var: float = 40.0  # below this in both images a window has no texture
    texture_threshold: float = 0.55  # 1 - NCC above this: the texture changed
    log_offset: float = 10.0  # added to grey before the log: keeps dark noise small
    ratio_threshold: float = 0.05  # sharp structure in log(frame / background) above this
    level_threshold: float = 0.25  # |log brightness step| that ties pixels to a difference
    chroma_threshold: float = 0.08  # L1 change of (b, g, r) / sum above this: colour changed
    chroma_min_level: float = 30.0  # grey level below which colour is not trusted
    min_area: float = 0.0015  # smallest candidate, as a fraction of the frame
    max_shift: float = 0.05  # largest alignment shift, as a fraction of the width
    min_response: float = 0.05  # weakest phase-correlation peak still trusted
    keep_fraction: float = 0.3  # of ``min_area``: static pixels that keep a candidate alive
    merge_gap: int = 8  # analysis pixels between parts of one object
    match_overlap: float = 0.3  # box overlap (over the smaller) that continues a candidate
    removed_edges: float = 2.0  # edges gone / edges added along a new region: an object left

    def __post_init__(self) -> None:
        if self.width < 32:
            raise ValueError(f"width must be at least 32 pixels, got {self.width}")
        if self.window < 3 or self.window % 2 == 0:
            raise ValueError(f"window must be an odd number >= 3, got {self.window}")
        for name in ("background_tau_s", "motion_tau_s", "static_s", "lost_s", "absorb_after_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if not 0.0 < self.min_area < 1.0:
            raise ValueError(f"min_area must be a fraction in (0, 1), got {self.min_area}")


@dataclass(frozen=True)
class SceneEvent:
    """What happened to one candidate.

    ``started``: first seen as a stable difference in a watched zone; ``reached``: it has
    stayed its zone's dwell time (open a case now; exactly once per object); ``seen``:
    still there after that (every update); ``ended``: gone, or accepted into the baseline.
    """

    kind: EventKind
    key: int
    box: Box
    zone_id: str
    first_seen: float  # when the change first appeared
    last_seen: float
    score: float  # 0..1: how sure, from contrast and size


@dataclass
class _Track:
    key: int
    box: tuple[int, int, int, int]  # analysis pixels, xyxy (exclusive end)
    first_seen: float
    last_seen: float
    score: float
    zone: Zone | None = None
    started: bool = False
    reached: bool = False


@dataclass
class _Frame:
    """The latest analysis frame, aligned and gain-matched to the background."""

    bgr: F32
    grey: F32
    level: F32  # raw grey level, before gain matching (for trusting colour)


_SUM = np.ones((1, 3), np.float32)
_K2 = np.ones((2, 2), np.uint8)
_K3 = np.ones((3, 3), np.uint8)
_K7 = np.ones((7, 7), np.uint8)
_SAME_S = 2.0  # seconds apart that changes still count as one event (frames ~1 s apart)


def _f32(array: npt.NDArray[Any]) -> F32:
    return np.asarray(array, np.float32)


def _weighted(image: F32, weight: F32) -> F32:
    """``image`` less its weighted mean, times ``weight`` (a new array)."""
    mean = float((image * weight).sum()) / max(float(weight.sum()), 1e-6)
    return _f32((image - np.float32(mean)) * weight)


def _chromaticity(bgr: F32) -> F32:
    total = cv2.transform(bgr, _SUM) + 1.0
    return np.asarray(bgr / total[..., None], np.float32)


@dataclass(frozen=True)
class _Reference:
    """The background's half-size grey (for alignment) and texture and colour statistics."""

    made: int  # update count when computed
    coarse: F32
    window: F32
    sample: F32  # every 4th pixel each way, (N, 3), for the gain
    grey: F32  # blurred grey
    mean: F32  # windowed mean of ``grey``
    var: F32  # windowed variance of ``grey``
    var_noise: F32  # ``var`` + the noise variance
    log: F32  # log of ``grey`` (+ ``log_offset``)
    chroma: F32  # (b, g, r) / sum
    bright: Mask  # bright enough to trust the colour

    @staticmethod
    def of(background: F32, cfg: SceneConfig, made: int) -> _Reference:
        k = (cfg.window, cfg.window)
        raw = cv2.cvtColor(background, cv2.COLOR_BGR2GRAY)
        coarse = cv2.pyrDown(raw)
        grey = cv2.GaussianBlur(raw, (0, 0), cfg.blur_sigma)
        mean = cv2.blur(grey, k)
        var = cv2.blur(grey * grey, k) - mean * mean
        return _Reference(
            made=made,
            coarse=_f32(coarse),
            window=_f32(cv2.createHanningWindow(coarse.shape[1::-1], cv2.CV_32F)),
            sample=np.ascontiguousarray(background[::4, ::4].reshape(-1, 3)),
            grey=_f32(grey),
            mean=_f32(mean),
            var=var,
            var_noise=var + np.float32(cfg.noise_var),
            log=_f32(cv2.log(grey + np.float32(cfg.log_offset))),
            chroma=_chromaticity(_f32(cv2.GaussianBlur(background, (0, 0), 1.5))),
            bright=np.asarray(cv2.blur(raw, (5, 5)) > cfg.chroma_min_level),
        )


@dataclass
class _State:
    size: tuple[int, int] | None = None  # full-resolution (width, height)
    updates: int = 0
    last_at: float | None = None
    background: F32 | None = None
    age: F32 | None = None
    since: npt.NDArray[np.float64] | None = None  # epoch s: float32 is too coarse
    held_since: npt.NDArray[np.float64] | None = None  # since when held out of the scene
    busy: Mask | None = None  # moving or held out at the last update: not used to align
    removed: Mask | None = None  # regions an object has left: learnt at once
    last: _Frame | None = None
    tracks: dict[int, _Track] = field(default_factory=dict)
    next_key: int = 1
    pending: list[SceneEvent] = field(default_factory=list)
    warmup: list[U8] = field(default_factory=list)


class SceneBaseline:
    """Per-camera long-term empty scene plus short-term motion; reports new static objects.

    ``update`` takes every sampled frame (BGR uint8, always the same size) with its time,
    and the boxes of objects that already are open cases (``protect``): those pixels are
    never learnt into the empty scene while they are protected.
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
        self._initial = None if background is None else background.astype(np.float32)
        self._mog = self._new_mog()
        self._s = _State()
        self._ignore: Mask | None = None
        self._zone_masks: dict[str, Mask] = {}
        self._ref: _Reference | None = None
        self._labels: npt.NDArray[np.int32] | None = None

    @staticmethod
    def _new_mog() -> cv2.BackgroundSubtractorMOG2:
        mog = cv2.createBackgroundSubtractorMOG2(history=50, varThreshold=25, detectShadows=True)
        mog.setShadowThreshold(0.6)
        return mog

    @property
    def ready(self) -> bool:
        """Past warm-up: candidates are reported."""
        return self._s.updates >= self.config.warmup_frames

    def background(self) -> npt.NDArray[np.uint8]:
        """The long-term empty scene (BGR, analysis resolution), to save and pass back."""
        if self._s.background is None:
            if self._initial is None:
                raise ValueError("no background yet: call update() with a frame first")
            return np.clip(self._initial, 0, 255).astype(np.uint8)
        return np.clip(self._s.background, 0, 255).astype(np.uint8)

    # -- the update ---------------------------------------------------------------------

    def update(
        self, frame: npt.NDArray[np.uint8], at: float, *, protect: Sequence[Box] = ()
    ) -> list[SceneEvent]:
        """Take one frame seen at ``at`` (epoch seconds); return what happened to candidates."""
        small = self._analysis(frame)
        s, cfg = self._s, self.config
        if s.last_at is not None and at < s.last_at:
            raise ValueError(f"time went backwards: {at} after {s.last_at}")
        dt = 1.0 if s.last_at is None else max(at - s.last_at, 1e-3)
        s.last_at = at
        if s.background is None:
            return self._first(small, at)
        cur = self._align(small)
        s.last = cur
        moving = self._moving(cur, dt)
        diff, strength, held = self._difference(cur)
        assert s.age is not None and s.since is not None and s.held_since is not None
        s.since[diff & (s.age <= 0) & np.isinf(s.since)] = at
        s.held_since[held & np.isinf(s.held_since)] = at
        s.age[diff & ~moving] += dt
        # a frame or two of no difference (noise, a flicker at dusk) only sets it back
        gone = ~diff & ~moving
        s.age[gone] = np.maximum(s.age[gone] - cfg.forget_rate * dt, 0.0)
        s.since[(s.age <= 0) & ~diff] = np.inf
        s.held_since[(s.age <= 0) & ~held] = np.inf
        static = (s.age >= cfg.static_s) & ~self._ignore_mask()
        s.updates += 1
        events = self._candidates(static, strength, moving, at) if self.ready else []
        # what differs (with all of its region) is held out of the empty scene until it is
        # old news; where an object has left, the scene behind it is learnt at once
        old = held & (at - s.held_since >= cfg.absorb_after_s)
        learn = (~moving & ~held) | old
        s.busy = moving | held
        self._learn(cur, dt, learn=learn, protect=protect)
        if s.removed is not None:
            self._relearn(cur, s.removed, protect)
            s.removed = None
        out, s.pending = [*s.pending, *events], []
        return out

    def _analysis(self, frame: npt.NDArray[np.uint8]) -> F32:
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(
                f"expected a BGR uint8 frame (H, W, 3), got {frame.dtype} {frame.shape}"
            )
        h, w = frame.shape[:2]
        if self._s.size is None:
            self._s.size = (w, h)
            self._build_masks()
        elif self._s.size != (w, h):
            raise ValueError(
                f"frame size changed from {self._s.size[0]}x{self._s.size[1]} to {w}x{h}; "
                "a camera's frames must keep one size (start a new SceneBaseline)"
            )
        aw, ah = self._analysis_size()
        small = cv2.resize(frame, (aw, ah), interpolation=cv2.INTER_AREA)
        return small.astype(np.float32)

    def _analysis_size(self) -> tuple[int, int]:
        assert self._s.size is not None
        w, h = self._s.size
        aw = min(self.config.width, w)
        return aw, max(1, round(h * aw / w))

    def _scale(self) -> float:
        """Full-resolution pixels per analysis pixel."""
        assert self._s.size is not None
        return self._s.size[0] / self._analysis_size()[0]

    def _first(self, small: F32, at: float) -> list[SceneEvent]:
        s = self._s
        if self._initial is not None:
            if self._initial.shape != small.shape:
                raise ValueError(
                    f"background is {self._initial.shape[1]}x{self._initial.shape[0]} but frames "
                    f"analyse at {small.shape[1]}x{small.shape[0]}: it was saved for another size"
                )
            s.background = self._initial.copy()
        else:
            s.background = small.copy()
            s.warmup.append(np.clip(small, 0, 255).astype(np.uint8))
        s.age = np.zeros(small.shape[:2], np.float32)
        s.since = np.full(small.shape[:2], np.inf, np.float64)
        s.held_since = s.since.copy()
        cur = self._align(small)
        s.last = cur
        self._moving(cur, 1.0)
        s.updates = 1
        return []

    def _align(self, small: F32) -> _Frame:
        """Shift the frame onto the background and match its per-channel gain."""
        cfg, ref = self.config, self._reference()
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        # half resolution is plenty for a shift of a few pixels, and 4x cheaper; what moved
        # or differed at the last update is left out, so a passing lorry or a new stall on
        # a plain street cannot pull the shift (phaseCorrelate's own window argument is not
        # used: OpenCV multiplies it into the inputs in place, the cached reference too)
        coarse = cv2.pyrDown(grey)
        weight = self._align_weight(ref)
        (dx, dy), response = cv2.phaseCorrelate(
            _weighted(ref.coarse, weight), _weighted(_f32(coarse), weight)
        )
        dx, dy = 2.0 * dx, 2.0 * dy
        if (
            response >= cfg.min_response
            and math.hypot(dx, dy) <= cfg.max_shift * small.shape[1]
            and math.hypot(dx, dy) >= 0.25
        ):
            shift = np.array([[1.0, 0.0, -dx], [0.0, 1.0, -dy]], np.float32)
            size = small.shape[1::-1]
            small = _f32(cv2.warpAffine(small, shift, size, borderMode=cv2.BORDER_REPLICATE))
            grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        level = grey
        # the median of per-pixel ratios: a shadow or an object over part of the view moves
        # it little, where the ratio of medians jumps between the modes of the histogram
        sample = small[::4, ::4].reshape(-1, 3)
        lit = (sample.min(axis=1) > 8.0) & (ref.sample.min(axis=1) > 8.0)
        if np.count_nonzero(lit) > 0.05 * len(lit):
            gain = np.median(ref.sample[lit] / sample[lit], axis=0)
        else:
            gain = np.ones(3)
        gain = np.clip(gain, 0.2, 8.0).astype(np.float32)
        matched = small * gain
        grey_gain = float(np.dot(gain, (0.114, 0.587, 0.299)))
        return _Frame(matched, _f32(grey * grey_gain), _f32(level))

    def _align_weight(self, ref: _Reference) -> F32:
        """The alignment window: a Hanning window, down where the scene is busy."""
        busy = self._s.busy
        if busy is None:
            return ref.window
        size = ref.coarse.shape[1::-1]
        share = cv2.resize(busy.astype(np.float32), size, interpolation=cv2.INTER_AREA)
        if float(share.mean()) > 0.5:
            return ref.window  # most of the view: better the whole frame than a corner
        share = cv2.GaussianBlur(cv2.dilate(share, _K3), (0, 0), 1.5)
        return _f32(ref.window * np.clip(1.0 - share, 0.0, 1.0))

    def _reference(self) -> _Reference:
        """What the comparisons need of the background; refreshed every few updates."""
        s = self._s
        assert s.background is not None
        if self._ref is None or s.updates - self._ref.made >= 4:
            self._ref = _Reference.of(s.background, self.config, s.updates)
        return self._ref

    def _moving(self, cur: _Frame, dt: float) -> Mask:
        rate = 1.0 - math.exp(-dt / self.config.motion_tau_s)
        # half resolution: passers-by and cars are big enough, and it is 4x cheaper
        half = cv2.pyrDown(np.clip(cur.bgr, 0, 255).astype(np.uint8))
        fg = self._mog.apply(half, learningRate=rate)
        fg = cv2.dilate(fg, np.ones((3, 3), np.uint8))
        full = cv2.resize(fg, cur.grey.shape[1::-1], interpolation=cv2.INTER_NEAREST)
        return np.asarray(full > 0)

    def _difference(self, cur: _Frame) -> tuple[Mask, F32, Mask]:
        """Where the frame differs from the empty scene beyond light, by how much (0..1), and
        the regions those differences belong to (to hold out of the empty scene)."""
        cfg, ref = self.config, self._reference()
        k = (cfg.window, cfg.window)
        f = cv2.GaussianBlur(cur.grey, (0, 0), cfg.blur_sigma)
        mf = cv2.blur(f, k)
        vf = cv2.blur(f * f, k) - mf * mf
        cov = cv2.blur(f * ref.grey, k) - mf * ref.mean
        ncc = cov / np.sqrt((vf + cfg.noise_var) * ref.var_noise)
        textured = np.maximum(vf, ref.var) > cfg.texture_min_var
        tex = np.where(textured, 1.0 - ncc, 0.0).astype(np.float32)
        # light and shadow change the grey levels by a smooth factor; new things add sharp
        # structure to the ratio of frame and background (this keeps soft shadow edges out)
        ratio = cv2.log(f + np.float32(cfg.log_offset)) - ref.log
        sharp = cv2.absdiff(ratio, cv2.GaussianBlur(ratio, (0, 0), 2.0))
        structured = cv2.blur(sharp, (5, 5)) > cfg.ratio_threshold
        chroma = _chromaticity(_f32(cv2.GaussianBlur(cur.bgr, (0, 0), 1.5)))
        change = cv2.transform(cv2.absdiff(chroma, ref.chroma), _SUM)
        bright = (cv2.blur(cur.level, (5, 5)) > cfg.chroma_min_level) & ref.bright
        change = np.where(bright, change, 0.0).astype(np.float32)
        diff = ((tex > cfg.texture_threshold) & structured) | (change > cfg.chroma_threshold)
        cleaned = cv2.morphologyEx(diff.astype(np.uint8), cv2.MORPH_OPEN, _K2) > 0
        strength = np.maximum(tex * 0.5, change * (0.5 / cfg.chroma_threshold))
        held = _regions(cleaned, ratio, cfg.level_threshold)
        return cleaned, np.clip(strength, 0.0, 1.0).astype(np.float32), held

    def _learn(self, cur: _Frame, dt: float, *, learn: Mask, protect: Sequence[Box]) -> None:
        """Blend the frame into the long-term scene where nothing moves or differs."""
        s, cfg = self._s, self.config
        assert s.background is not None
        if s.updates <= cfg.warmup_frames and self._initial is None:
            # the empty scene is first the per-pixel median of the warm-up frames: people
            # and cars passing then leave no ghosts in it
            s.warmup.append(np.clip(cur.bgr, 0, 255).astype(np.uint8))
            s.background = _median(s.warmup)
            if s.updates == cfg.warmup_frames:
                s.warmup.clear()
            return
        rate = 1.0 - math.exp(-dt / cfg.background_tau_s)
        mask = learn.copy()
        for box in protect:
            x0, y0, x1, y1 = self._to_analysis(box)
            mask[y0:y1, x0:x1] = False
        cv2.accumulateWeighted(cur.bgr, s.background, rate, mask.astype(np.uint8))

    def _relearn(self, cur: _Frame, area: Mask, protect: Sequence[Box]) -> None:
        """Take the frame as the empty scene in ``area`` (outside ``protect``), at once."""
        s = self._s
        assert s.background is not None and s.age is not None
        assert s.since is not None and s.held_since is not None
        area = area.copy()
        for box in protect:
            x0, y0, x1, y1 = self._to_analysis(box)
            area[y0:y1, x0:x1] = False
        s.background[area] = cur.bgr[area]
        s.age[area] = 0.0
        s.since[area] = np.inf
        s.held_since[area] = np.inf
        self._ref = None

    # -- candidates ---------------------------------------------------------------------

    def _candidates(self, static: Mask, strength: F32, moving: Mask, at: float) -> list[SceneEvent]:
        """Components of static pixels, matched to the candidates of earlier updates."""
        s, cfg = self._s, self.config
        self._labels = None  # of the changed, still regions, made when first needed
        assert s.since is not None
        h, w = static.shape
        closed = cv2.morphologyEx(
            static.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8)
        )
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
            first = float(np.median(since)) if since.size else at
            contrast = float(strength[y : y + bh, x : x + bw][region].mean()) if since.size else 0
            size = min(1.0, cv2.contourArea(c) / (8 * min_px))
            found.append((box, first, float(np.clip(0.6 * contrast + 0.4 * size, 0, 1))))
        found = _merge(found, cfg.merge_gap)
        # an object may show as several components, and a component may continue a candidate
        # under a slightly different box: each goes to the candidate it overlaps most
        owned: dict[int, list[tuple[tuple[int, int, int, int], float, float]]] = {}
        for box, first, score in found:
            key = self._match(box)
            if key is None:
                key = s.next_key
                s.next_key += 1
                s.tracks[key] = _Track(key, box, first, at, score)
            owned.setdefault(key, []).append((box, first, score))
        for key, parts in owned.items():
            track = s.tracks[key]
            track.box = _union([p[0] for p in parts])
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
                    events.append(self._event("ended", track))
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
            still = cv2.morphologyEx(((s.age > 0) & ~moving).astype(np.uint8), cv2.MORPH_CLOSE, _K7)
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
        band = ((cv2.dilate(area, _K7) - cv2.erode(area, _K7)) > 0) & ~moving[y0:y1, x0:x1]
        if not band.any():
            return False
        scene = _f32(cv2.cvtColor(s.background[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY))
        # edges only the empty scene has, against edges only the frame has: the ground's
        # own lines crossing the outline are in both and cancel (within a pixel: shake)
        now, then = _edges(s.last.grey[y0:y1, x0:x1]), _edges(scene)
        gone = float(np.maximum(then - cv2.dilate(now, _K3), 0.0)[band].mean())
        added = float(np.maximum(now - cv2.dilate(then, _K3), 0.0)[band].mean())
        logger.debug(
            "scene region %s: outline edges %.1f gone, %.1f added", (x0, y0, x1, y1), gone, added
        )
        if gone <= cfg.removed_edges * added + 1.0:
            return False
        removed = np.zeros((h, w), bool)
        removed[y0:y1, x0:x1] = cv2.dilate(area, _K7) > 0
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
            joined[i] = _near((x, y, x + bw, y + bh), (px, py, px + pw, py + ph), cfg.merge_gap)
        return np.asarray(joined[parts], np.bool_)

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
                    older.box = _union([older.box, track.box])
                    older.first_seen = min(older.first_seen, track.first_seen)
                    older.last_seen, older.score = track.last_seen, max(older.score, track.score)
                    del s.tracks[key]
                    if track.started:
                        events.append(self._event("ended", track))
                    break
        return events

    def _advance(self, track: _Track, at: float) -> list[SceneEvent]:
        track.zone = self._zone_of(self._to_full(track.box)) if not track.started else track.zone
        if track.zone is None:
            return []
        out: list[SceneEvent] = []
        if not track.started:
            track.started = True
            out.append(self._event("started", track))
        if track.reached:
            out.append(self._event("seen", track))
        elif at - track.first_seen >= track.zone.static_dwell:
            track.reached = True
            out.append(self._event("reached", track))
        return out

    def _event(self, kind: EventKind, track: _Track) -> SceneEvent:
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
                    s.pending.append(self._event("ended", track))
        self._relearn(s.last, area, ())

    # -- geometry -------------------------------------------------------------------------

    def _build_masks(self) -> None:
        aw, ah = self._analysis_size()
        scale = 1.0 / self._scale()
        ignore = np.zeros((ah, aw), np.uint8)
        for zone in self.zones:
            mask = np.zeros((ah, aw), np.uint8)
            pts = np.round(np.asarray(zone.polygon) * scale).astype(np.int32)
            cv2.fillPoly(mask, [pts], 1)
            self._zone_masks[zone.id] = mask > 0
            if zone.type == "ignore":
                ignore |= mask
        self._ignore = ignore > 0

    def _ignore_mask(self) -> Mask:
        assert self._ignore is not None
        return self._ignore

    def _to_full(self, box: tuple[int, int, int, int]) -> Box:
        k = self._scale()
        assert self._s.size is not None
        w, h = self._s.size
        return (
            float(min(box[0] * k, w)),
            float(min(box[1] * k, h)),
            float(min(box[2] * k, w)),
            float(min(box[3] * k, h)),
        )

    def _to_analysis(self, box: Box) -> tuple[int, int, int, int]:
        k = self._scale()
        aw, ah = self._analysis_size()
        x0, y0 = max(0, math.floor(box[0] / k)), max(0, math.floor(box[1] / k))
        return x0, y0, min(aw, math.ceil(box[2] / k)), min(ah, math.ceil(box[3] / k))


def _median(frames: Sequence[U8]) -> F32:
    """Per-pixel median of a few frames (as ``np.median``, 10-20x faster for ten frames:
    an odd-even transposition sort of whole frames by ``np.minimum``/``np.maximum``)."""
    rows = list(frames)
    n = len(rows)
    for step in range(n):
        for i in range(step % 2, n - 1, 2):
            rows[i], rows[i + 1] = (
                np.minimum(rows[i], rows[i + 1]),
                np.maximum(rows[i], rows[i + 1]),
            )
    low, high = rows[(n - 1) // 2], rows[n // 2]
    return _f32((low.astype(np.float32) + high.astype(np.float32)) * np.float32(0.5))


def _edges(grey: F32) -> F32:
    """Gradient magnitude of lightly blurred grey."""
    g = cv2.GaussianBlur(grey, (0, 0), 1.0)
    return _f32(cv2.magnitude(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1)))


def _regions(diff: Mask, ratio: F32, threshold: float) -> Mask:
    """``diff`` grown over the connected pixels whose brightness stepped by more than
    ``threshold`` (log ratio to the background, against the frame's typical ratio).

    Texture and colour see a plain object over a plain ground (a white stall on pale
    paving) only along its outline; its flat inside is brighter or darker, and must not
    be learnt into the empty scene while the outline waits for its dwell, or the
    outline fades with it. A shadow that touches no difference is not held. Grown at
    half resolution (a quarter of the cost; the outline itself is ``diff``, exact)."""
    if not diff.any():
        return diff
    h, w = diff.shape
    half = ((w + 1) // 2, (h + 1) // 2)
    level = cv2.resize(ratio, half, interpolation=cv2.INTER_AREA)
    seeds = cv2.resize(diff.astype(np.uint8), half, interpolation=cv2.INTER_AREA) > 0
    typical = float(np.median(level[::2, ::2]))
    grown = ((np.abs(level - np.float32(typical)) > threshold) | seeds).astype(np.uint8)
    count, labels = cv2.connectedComponents(grown, connectivity=8)
    seeded = np.zeros(count, np.uint8)
    seeded[labels[seeds]] = 1
    seeded[0] = 0
    held = np.asarray(np.take(seeded, labels), np.uint8)
    return np.asarray(cv2.resize(held, (w, h), interpolation=cv2.INTER_NEAREST) > 0) | diff


def _union(boxes: Sequence[tuple[int, int, int, int]]) -> tuple[int, int, int, int]:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _near(a: tuple[int, int, int, int], b: tuple[int, int, int, int], gap: int) -> bool:
    """Within ``gap`` of each other, or stacked (one above the other, the gap less than
    half the taller: an umbrella or awning over a table, a sign over its stand)."""
    dx = max(a[0], b[0]) - min(a[2], b[2])  # negative: they overlap across
    dy = max(a[1], b[1]) - min(a[3], b[3])
    if dx <= gap and dy <= gap:
        return True
    narrow = min(a[2] - a[0], b[2] - b[0])
    tall = max(a[3] - a[1], b[3] - b[1])
    return -dx >= 0.5 * narrow and dy <= 0.5 * tall


def _merge(
    found: list[tuple[tuple[int, int, int, int], float, float]], gap: int
) -> list[tuple[tuple[int, int, int, int], float, float]]:
    """Components whose boxes touch or lie within ``gap`` pixels become one (an object
    often shows as several parts: an umbrella over a table, a car's body and its shadow)."""
    items = list(found)
    merged = True
    while merged:
        merged = False
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                (a, fa, sa), (b, fb, sb) = items[i], items[j]
                if _near(a, b, gap):
                    items[i] = (_union([a, b]), min(fa, fb), max(sa, sb))
                    del items[j]
                    merged = True
                    break
            if merged:
                break
    return items


def explain(
    box: Box, detections: Detections, names: Sequence[str], *, min_overlap: float = 0.3
) -> int | None:
    """Index of the detection (any class) that best explains a scene region, or None.

    A detection explains it when the overlap of the two boxes over the smaller one is at
    least ``min_overlap``; among those the most confident wins. ``names`` is the model's
    class list, checked against the detections' class ids.

    >>> d = Detections(xyxy=np.array([[0, 0, 10, 10], [40, 40, 50, 50]], np.float32),
    ...                confidence=np.array([0.5, 0.9], np.float32), class_id=np.array([0, 1]))
    >>> explain((2, 2, 12, 12), d, ["car", "stall"]), explain((90, 90, 99, 99), d, ["car", "stall"])
    (0, None)
    """
    if not 0.0 < min_overlap <= 1.0:
        raise ValueError(f"min_overlap must be in (0, 1], got {min_overlap}")
    if len(detections) and int(detections.class_id.max()) >= len(names):
        raise ValueError(
            f"class id {int(detections.class_id.max())} is outside the {len(names)} names given"
        )
    best: int | None = None
    for i, other in enumerate(detections.xyxy):
        if box_overlap(box, [float(v) for v in other])[1] < min_overlap:
            continue
        if best is None or detections.confidence[i] > detections.confidence[best]:
            best = i
    return best
