"""The analysis frame, and the background statistics it is compared against."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from detector.scene.arrays import F32, Mask, f32, lit, soft_chroma
from detector.scene.config import SceneConfig


@dataclass
class Frame:
    """The latest analysis frame, aligned and gain-matched to the background."""

    bgr: F32
    grey: F32
    level: F32  # raw grey level, before gain matching (for trusting colour)


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
    var: F32  # windowed variance of ``grey``
    var_noise: F32  # ``var`` + the noise variance
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
        var = cv2.blur(grey * grey, k) - mean * mean
        sample = np.ascontiguousarray(background[::4, ::4].reshape(-1, 3))
        return Reference(
            made=made,
            coarse=f32(coarse),
            window=f32(cv2.createHanningWindow(coarse.shape[1::-1], cv2.CV_32F)),
            sample=sample,
            sample_lit=lit(sample),
            grey=f32(grey),
            mean=f32(mean),
            var=var,
            var_noise=var + np.float32(cfg.noise_var),
            log=f32(cv2.log(grey + np.float32(cfg.log_offset))),
            chroma=soft_chroma(background),
            bright=np.asarray(cv2.blur(raw, (5, 5)) > cfg.chroma_min_level),
        )
