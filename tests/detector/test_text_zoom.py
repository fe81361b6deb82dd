"""Reading small print closer: a whole frame's numbered blocks read again from a crop
(``detector.text.zoom.read_closer``), and a number's readings decided by majority."""

from __future__ import annotations

import numpy as np
import pytest

from detector.text.flyer import group_lines
from detector.text.reader import TextLine, TextReader, digits
from detector.text.zoom import read_closer, vote
from tests.detector.test_text import _wall
from training.synth.text_flyers import paste_flyer

BOX = (10.0, 10.0, 200.0, 40.0)


def test_a_number_read_alike_twice_wins() -> None:
    closer = TextLine("电话13812345670", 0.91, BOX, (("电话13812345678", 0.88),))
    before = (TextLine("电话 138 1234 5678", 0.7, (0.0, 0.0, 220.0, 50.0)),)
    won = vote(closer, before)
    assert won.text == "电话13812345678" and won.confidence == 0.88
    assert ("电话13812345670", 0.91) in won.others  # the outvoted reading is kept


def test_without_a_majority_the_closer_reading_stands() -> None:
    closer = TextLine("13812345670", 0.91, BOX, (("13812345679", 0.95),))
    assert vote(closer, ()) is closer
    words = TextLine("专业开锁", 0.99, BOX)
    assert vote(words, (TextLine("专业开锁", 0.5, BOX),)) is words  # no number: untouched
    assert digits("TEL: 0532-8888 6666") == 12


@pytest.mark.parametrize("seed", range(4))
def test_small_print_on_a_whole_frame_is_read_closer(seed: int) -> None:
    reader = TextReader()
    scene = paste_flyer(_wall(), np.random.default_rng(100 + seed), digit_px=11)
    lines = read_closer(reader, scene.image)
    numbers = [p.number for b in group_lines(lines) for p in b.phones]
    assert scene.number in numbers, (scene.printed, [ln.text for ln in lines])
    h, w = scene.image.shape[:2]
    assert all(
        0 <= ln.box[0] <= ln.box[2] <= w and 0 <= ln.box[1] <= ln.box[3] <= h for ln in lines
    )
