"""``SceneBaseline.update`` on the picture of its last look: time passes without a look
(``SceneConfig.same_level``), and any change an object could make is still looked at."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from detector.scene.baseline import SceneBaseline
from tests.detector.test_scene import BOX_WALK, FAST, WALK, _kinds, _play, _with

LOOK_ALL = dataclasses.replace(FAST, same_level=0.0)


def _settled(config: object = FAST) -> SceneBaseline:
    assert isinstance(config, type(FAST))
    base = SceneBaseline([WALK], config)
    _play(base, 6)
    assert base.ready and not base.settling
    return base


def test_noise_alone_is_the_same_picture_and_is_not_looked_at_again() -> None:
    base = _settled()
    looks = base.looks
    assert _play(base, 20, start=6) == []
    assert base.looks == looks  # 20 frames of sensor noise (sigma 2 a channel): no look
    always = _settled(LOOK_ALL)
    looks = always.looks
    _play(always, 5, start=6)
    assert always.looks == looks + 5  # same_level 0: every frame is looked at


def test_a_street_with_something_on_it_is_looked_at_every_frame_as_before() -> None:
    # what a look finds where something differs also depends on the empty scene it learns:
    # an object is looked at on every frame given, and reported exactly as before
    reference = _settled(LOOK_ALL)
    expected = _play(reference, 30, [BOX_WALK], start=6)
    base = _settled()
    looks = base.looks
    events = _play(base, 30, [BOX_WALK], start=6)
    assert base.looks == looks + 30
    assert events == expected
    assert len(_kinds(events, "reached")) == 1


def test_an_empty_street_again_after_an_object_left_is_skipped_once_it_matches() -> None:
    base = _settled()
    _play(base, 30, [BOX_WALK], start=6)
    looks = base.looks
    events = _play(base, 60, start=36)  # gone: the scene behind it is relearnt, then quiet
    assert _kinds(events, "ended")
    assert looks + 2 <= base.looks < looks + 60  # looked at until it matched, then not


def _patch(frame: npt.NDArray[np.uint8], colour: tuple[int, int, int]) -> None:
    # 12 x 12 pixels of a 320 x 240 frame: just above the smallest candidate (min_area)
    cv2.rectangle(frame, (150, 170), (161, 181), colour, -1)


@pytest.mark.parametrize("step", [12, -12])
def test_a_faint_change_of_an_objects_size_is_looked_at(step: int) -> None:
    base = _settled()
    looks = base.looks
    frame = _with([], 6)
    region = frame[170:182, 150:162].astype(np.int16) + step
    frame[170:182, 150:162] = np.clip(region, 0, 255).astype(np.uint8)
    base.update(frame, 6.0)
    assert base.looks == looks + 1


def test_a_change_of_colour_alone_is_looked_at() -> None:
    # a patch as bright as before (same grey), another colour: a poster on a wall of its tone
    base = _settled()
    looks = base.looks
    frame = _with([], 6)
    b, g, r = (float(v) for v in frame[170:182, 150:162].reshape(-1, 3).mean(axis=0))
    grey = 0.114 * b + 0.587 * g + 0.299 * r
    _patch(frame, (int(grey + 40), int(grey), int(grey - 15)))
    base.update(frame, 6.0)
    assert base.looks == looks + 1


def test_a_look_follows_a_change_that_crept_in_over_many_frames() -> None:
    # compared with the last look, not the frame before: a slow change adds up
    base = _settled()
    looks = base.looks
    for k in range(6, 20):
        frame = _with([], k)
        step = (k - 5) * 2
        region = frame[170:182, 150:162].astype(np.int16) + step
        frame[170:182, 150:162] = np.clip(region, 0, 255).astype(np.uint8)
        base.update(frame, float(k))
        if base.looks > looks:
            break
    assert base.looks == looks + 1
    assert 2 * (k - 5) <= 12  # seen by the time it was 12 levels, as a sudden one would be


def test_same_level_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="same_level"):
        dataclasses.replace(FAST, same_level=-1.0)
