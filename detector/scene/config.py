"""``SceneConfig``: the tuning of the scene baseline, checked once when made."""

from __future__ import annotations

from dataclasses import dataclass


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
    # an empty street (nothing differing at the last look) whose every 4x4 block is within
    # this many levels (mean, any colour, blurred) of the last look's is not looked at
    # again: time passes over it (``SceneBaseline.update``); 0 looks at every frame given
    same_level: float = 6.0
    min_area: float = 0.0015  # smallest candidate, as a fraction of the frame
    max_shift: float = 0.05  # largest alignment shift, as a fraction of the width
    min_response: float = 0.05  # weakest phase-correlation peak still trusted
    keep_fraction: float = 0.3  # of ``min_area``: static pixels that keep a candidate alive
    merge_gap: int = 8  # analysis pixels between parts of one object
    match_overlap: float = 0.3  # box overlap (over the smaller) that continues a candidate
    removed_edges: float = 2.0  # edges gone / edges added along a new region: an object left
    # a candidate another process had (``SceneBaseline.adopt``) still counts this long after
    # it was last seen there: a camera moved or restarted keeps its object's first sighting
    resume_s: float = 120.0

    def __post_init__(self) -> None:
        if self.width < 32:
            raise ValueError(f"width must be at least 32 pixels, got {self.width}")
        if self.window < 3 or self.window % 2 == 0:
            raise ValueError(f"window must be an odd number >= 3, got {self.window}")
        for name in (
            "background_tau_s",
            "motion_tau_s",
            "static_s",
            "lost_s",
            "absorb_after_s",
            "resume_s",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.same_level < 0:
            raise ValueError(f"same_level must be >= 0 (0: no check), got {self.same_level}")
        if not 0.0 < self.min_area < 1.0:
            raise ValueError(f"min_area must be a fraction in (0, 1), got {self.min_area}")
