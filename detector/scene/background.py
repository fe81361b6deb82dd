"""``BackgroundModel``: a camera's long-term empty scene and short-term motion model."""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from detector.geometry import Box
from detector.scene.arrays import (
    F32,
    K2,
    K3,
    SUM,
    Mask,
    channel_medians,
    f32,
    lit,
    median,
    soft_chroma,
    weighted,
)
from detector.scene.config import SceneConfig
from detector.scene.reference import Frame, Reference, Strength
from detector.scene.regions import regions
from detector.scene.state import State


class BackgroundModel:
    """Aligns each frame to the empty scene, finds what moves and what differs, and learns
    the empty scene where nothing does. How, and why these OpenCV parts:

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
    """

    def __init__(self, config: SceneConfig, state: State, initial: F32 | None) -> None:
        self.config = config
        self.initial = initial  # a saved empty scene to start from, or None
        self._s = state
        self._mog = self._new_mog()
        self._ref: Reference | None = None

    @staticmethod
    def _new_mog() -> cv2.BackgroundSubtractorMOG2:
        mog = cv2.createBackgroundSubtractorMOG2(history=50, varThreshold=25, detectShadows=True)
        mog.setShadowThreshold(0.6)
        # three Gaussians a pixel, not five: the scene suite finds the same at the same
        # times, and the model (touched whole at every look) is 40% smaller
        mog.setNMixtures(3)
        return mog

    def start(self, small: F32) -> None:
        """Take the first analysis frame: the empty scene starts from it (or ``initial``)."""
        s = self._s
        if self.initial is not None:
            if self.initial.shape != small.shape:
                raise ValueError(
                    f"background is {self.initial.shape[1]}x{self.initial.shape[0]} but frames "
                    f"analyse at {small.shape[1]}x{small.shape[0]}: it was saved for another size"
                )
            s.background = self.initial.copy()
        else:
            s.background = small.copy()
            s.warmup.append(np.clip(small, 0, 255).astype(np.uint8))
        s.age = np.zeros(small.shape[:2], np.float32)
        s.since = np.full(small.shape[:2], np.inf, np.float64)
        s.held_since = s.since.copy()
        cur = self.align(small)
        s.last = cur
        self.moving(cur, 1.0)
        s.updates = 1

    def align(self, small: F32) -> Frame:
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
            weighted(ref.coarse, weight), weighted(f32(coarse), weight)
        )
        dx, dy = 2.0 * dx, 2.0 * dy
        if (
            response >= cfg.min_response
            and math.hypot(dx, dy) <= cfg.max_shift * small.shape[1]
            and math.hypot(dx, dy) >= 0.25
        ):
            shift = np.array([[1.0, 0.0, -dx], [0.0, 1.0, -dy]], np.float32)
            size = small.shape[1::-1]
            small = f32(cv2.warpAffine(small, shift, size, borderMode=cv2.BORDER_REPLICATE))
            grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        level = grey
        # the median of per-pixel ratios: a shadow or an object over part of the view moves
        # it little, where the ratio of medians jumps between the modes of the histogram
        sample = small[::4, ::4].reshape(-1, 3)
        both = lit(sample) & ref.sample_lit
        if np.count_nonzero(both) > 0.05 * len(both):
            gain = channel_medians(ref.sample[both] / sample[both])
        else:
            gain = np.ones(3, np.float32)
        gain = np.clip(gain, 0.2, 8.0).astype(np.float32)
        matched = f32(cv2.transform(small, np.diag(gain)))
        grey_gain = float(np.dot(gain, (0.114, 0.587, 0.299)))
        return Frame(matched, f32(grey * grey_gain), f32(level))

    def _align_weight(self, ref: Reference) -> F32:
        """The alignment window: a Hanning window, down where the scene is busy."""
        busy = self._s.busy
        if busy is None:
            return ref.window
        size = ref.coarse.shape[1::-1]
        share = cv2.resize(busy.astype(np.float32), size, interpolation=cv2.INTER_AREA)
        if float(share.mean()) > 0.5:
            return ref.window  # most of the view: better the whole frame than a corner
        share = cv2.GaussianBlur(cv2.dilate(share, K3), (0, 0), 1.5)
        return f32(ref.window * np.clip(1.0 - share, 0.0, 1.0))

    def _reference(self) -> Reference:
        """What the comparisons need of the background; refreshed every few updates."""
        s = self._s
        assert s.background is not None
        if self._ref is None or s.updates - self._ref.made >= 4:
            self._ref = Reference.of(s.background, self.config, s.updates)
        return self._ref

    def moving(self, cur: Frame, dt: float) -> Mask:
        rate = 1.0 - math.exp(-dt / self.config.motion_tau_s)
        # half resolution: passers-by and cars are big enough, and it is 4x cheaper
        # halved in float, then rounded and saturated to bytes (a quarter of the pixels)
        half = cv2.convertScaleAbs(cv2.pyrDown(cur.bgr))
        fg = self._mog.apply(half, learningRate=rate)
        fg = cv2.dilate(fg, np.ones((3, 3), np.uint8))
        full = cv2.resize(fg, cur.grey.shape[1::-1], interpolation=cv2.INTER_NEAREST)
        return np.asarray(full > 0)

    def difference(self, cur: Frame) -> tuple[Mask, Strength, Mask]:
        """Where the frame differs from the empty scene beyond light, by how much, and the
        regions those differences belong to (to hold out of the empty scene)."""
        cfg, ref = self.config, self._reference()
        k = (cfg.window, cfg.window)
        f = cv2.GaussianBlur(cur.grey, (0, 0), cfg.blur_sigma)
        # windowed zero-mean normalised cross-correlation with the background (in place:
        # each temporary is a pass over memory, and with many cameras none is in cache)
        mf = f32(cv2.blur(f, k))
        vf = f32(cv2.sqrBoxFilter(f, -1, k))
        vf -= mf * mf
        ncc = f32(cv2.blur(f * ref.grey, k))
        ncc -= mf * ref.mean
        den = vf + np.float32(cfg.noise_var)
        den *= ref.var_noise
        ncc /= cv2.sqrt(den)
        textured = (vf > cfg.texture_min_var) | ref.textured
        # 1 - ncc > texture_threshold where textured
        tex = (ncc < np.float32(1.0 - cfg.texture_threshold)) & textured
        # light and shadow change the grey levels by a smooth factor; new things add sharp
        # structure to the ratio of frame and background (this keeps soft shadow edges out)
        ratio = f32(cv2.log(f + np.float32(cfg.log_offset)))
        ratio -= ref.log
        sharp = cv2.absdiff(ratio, cv2.GaussianBlur(ratio, (0, 0), 2.0))
        structured = cv2.blur(sharp, (5, 5)) > cfg.ratio_threshold
        change = cv2.transform(cv2.absdiff(soft_chroma(cur.bgr), ref.chroma), SUM)
        change = f32(cv2.resize(change, f.shape[1::-1], interpolation=cv2.INTER_LINEAR))
        bright = (cv2.blur(cur.level, (5, 5)) > cfg.chroma_min_level) & ref.bright
        diff = (tex & structured) | ((change > cfg.chroma_threshold) & bright)
        cleaned = cv2.morphologyEx(diff.view(np.uint8), cv2.MORPH_OPEN, K2) > 0
        held = regions(cleaned, ratio, cfg.level_threshold)
        return cleaned, Strength(ncc, textured, change, bright, cfg.chroma_threshold), held

    def learn(self, cur: Frame, dt: float, *, learn: Mask, protect: Sequence[Box]) -> None:
        """Blend the frame into the long-term scene where nothing moves or differs."""
        s, cfg = self._s, self.config
        assert s.background is not None
        if s.updates <= cfg.warmup_frames and self.initial is None:
            # the empty scene is first the per-pixel median of the warm-up frames: people
            # and cars passing then leave no ghosts in it
            s.warmup.append(np.clip(cur.bgr, 0, 255).astype(np.uint8))
            s.background = median(s.warmup)
            if s.updates == cfg.warmup_frames:
                s.warmup.clear()
            return
        rate = 1.0 - math.exp(-dt / cfg.background_tau_s)
        mask = learn.copy() if protect else learn
        for box in protect:
            x0, y0, x1, y1 = self._to_analysis(box)
            mask[y0:y1, x0:x1] = False
        cv2.accumulateWeighted(cur.bgr, s.background, rate, mask.view(np.uint8))

    def relearn(self, cur: Frame, area: Mask, protect: Sequence[Box]) -> None:
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

    def _to_analysis(self, box: Box) -> tuple[int, int, int, int]:
        assert self._s.grid is not None
        return self._s.grid.to_analysis(box)
