"""The analysis frame, and the background statistics it is compared against."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from detector.scene.arrays import F32, Mask, f32, lit, soft_chroma
from detector.scene.config import SceneConfig


@functools.cache
def _hanning(width: int, height: int) -> F32:
    """The alignment's Hanning window for a size (one per camera size; never written)."""
    window = f32(cv2.createHanningWindow((width, height), cv2.CV_32F))
    window.flags.writeable = False
    return window


@dataclass
class Frame:
    """The latest analysis frame, aligned and gain-matched to the background."""

    bgr: F32
    grey: F32
    level: F32  # raw grey level, before gain matching (for trusting colour)


@dataclass(frozen=True)
class Strength:
    """How much each pixel differs from the empty scene (0..1): the larger of the texture
    change (1 - NCC where either image has texture) and the colour change (where bright
    enough), halved. Only the candidates' boxes ever need it, so it is made there."""

    ncc: F32
    textured: Mask
    change: F32  # L1 chromaticity change
    bright: Mask  # bright enough to trust ``change``
    chroma_threshold: float

    def mean(self, box: tuple[int, int, int, int], region: Mask) -> float:
        """The mean strength over ``region`` (a mask the size of ``box``, xyxy)."""
        x0, y0, x1, y1 = box
        tex = np.where(self.textured[y0:y1, x0:x1], 1.0 - self.ncc[y0:y1, x0:x1], 0.0)
        change = np.where(self.bright[y0:y1, x0:x1], self.change[y0:y1, x0:x1], 0.0)
        strength = np.maximum(tex * 0.5, change * (0.5 / self.chroma_threshold))
        return float(np.clip(strength[region], 0.0, 1.0).mean()) if region.any() else 0.0


@dataclass(frozen=True)
class Reference:
    """The background's half-size grey (for alignment) and texture and colour statistics."""

    made: int  # update count when computed
    coarse: F32
    window: F32
    sample: F32  # every 4th pixel each way, (N, 3), for the gain
    sample_lit: Mask  # the rows of ``sample`` bright enough in every channel
    grey: F32  # blurred grey
    mean: F32  # windowed mean of ``grey``
    textured: Mask  # windowed variance of ``grey`` above ``texture_min_var``
    var_noise: F32  # windowed variance of ``grey`` + the noise variance
    log: F32  # log of ``grey`` (+ ``log_offset``)
    chroma: F32  # (b, g, r) / sum, at half size (``soft_chroma``)
    bright: Mask  # bright enough to trust the colour

    @staticmethod
    def of(background: F32, cfg: SceneConfig, made: int) -> Reference:
        k = (cfg.window, cfg.window)
        raw = cv2.cvtColor(background, cv2.COLOR_BGR2GRAY)
        coarse = cv2.pyrDown(raw)
        grey = cv2.GaussianBlur(raw, (0, 0), cfg.blur_sigma)
        mean = cv2.blur(grey, k)
        var = cv2.sqrBoxFilter(grey, -1, k) - mean * mean
        sample = np.ascontiguousarray(background[::4, ::4].reshape(-1, 3))
        return Reference(
            made=made,
            coarse=f32(coarse),
            window=_hanning(coarse.shape[1], coarse.shape[0]),
            sample=sample,
            sample_lit=lit(sample),
            grey=f32(grey),
            mean=f32(mean),
            textured=np.asarray(var > cfg.texture_min_var),
            var_noise=var + np.float32(cfg.noise_var),
            log=f32(cv2.log(grey + np.float32(cfg.log_offset))),
            chroma=soft_chroma(background),
            bright=np.asarray(cv2.blur(raw, (5, 5)) > cfg.chroma_min_level),
        )
