"""Reading flyers: OCR on rendered sheets, grouping lines, and the flyer-or-sign rule."""

from __future__ import annotations

import numpy as np
import pytest

from detector.text.flyer import FlyerRule, group_lines
from detector.text.reader import TextLine, TextReader, sweep, tiles
from training.synth.text_flyers import paste_flyer, render_flyer

FRAME = (1280, 720)


@pytest.fixture(scope="module")
def reader() -> TextReader:
    return TextReader()


def _wall(height: int = 720, width: int = 1280) -> np.ndarray:
    rng = np.random.default_rng(3)
    wall = np.full((height, width, 3), (120, 130, 140), np.uint8)
    noise = rng.normal(0, 6, wall.shape)
    return np.clip(wall + noise, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("seed", range(6))
def test_a_rendered_flyers_number_is_read_exactly(reader: TextReader, seed: int) -> None:
    rng = np.random.default_rng(seed)
    scene = paste_flyer(_wall(), rng, digit_px=12)
    x1, y1, x2, y2 = scene.box
    crop = scene.image[max(0, y1 - 20) : y2 + 20, max(0, x1 - 20) : x2 + 20]
    blocks = group_lines(reader.read(crop))
    numbers = [p.number for b in blocks for p in b.phones]
    assert scene.number in numbers, (scene.printed, [b.text for b in blocks])
    # the whole frame, swept at its own resolution, finds it too
    swept = group_lines(sweep(reader, scene.image))
    assert scene.number in [p.number for b in swept for p in b.phones]


def test_a_plain_wall_has_no_text(reader: TextReader) -> None:
    assert reader.read(_wall(200, 300)) == []


def test_the_reader_refuses_what_is_no_image(reader: TextReader) -> None:
    with pytest.raises(ValueError, match="BGR uint8"):
        reader.read(np.zeros((10, 10), np.uint8))
    assert reader.read(np.zeros((2, 50, 3), np.uint8)) == []
    with pytest.raises(ValueError, match="min_side"):
        TextReader(min_side=2000, max_side=1000)


def test_small_crops_are_enlarged_and_big_frames_tiled() -> None:
    r = TextReader(min_side=320, max_side=1280)
    assert r.scale_for(100, 80) == 4.0
    assert r.scale_for(2000, 1000) == pytest.approx(0.64)
    assert r.scale_for(600, 400) == 1.0
    windows = tiles(3840, 2160, 1280)
    covered = np.zeros((2160, 3840), bool)
    for x1, y1, x2, y2 in windows:
        assert x2 - x1 <= 1280 and y2 - y1 <= 1280
        covered[y1:y2, x1:x2] = True
    assert covered.all()


def _line(text: str, box: tuple[float, float, float, float], conf: float = 0.99) -> TextLine:
    return TextLine(text, conf, box)


def test_lines_of_one_sheet_group_and_neighbours_do_not() -> None:
    sheet = [
        _line("专业开锁", (100, 100, 180, 124)),
        _line("24小时服务", (104, 130, 176, 146)),
        _line("138-1234-5678", (98, 152, 182, 168)),
    ]
    sign = [_line("老王面馆 0532-88886666", (600, 20, 1100, 90))]
    blocks = group_lines(sheet + sign)
    assert [len(b.lines) for b in blocks] == [1, 3]
    flyer = blocks[1]
    assert [p.number for p in flyer.phones] == ["13812345678"]
    assert flyer.box == (98, 100, 182, 168)


def test_the_rule_tells_flyers_from_signs() -> None:
    rule = FlyerRule()
    flyer = group_lines(
        [_line("专业开锁", (100, 100, 180, 124)), _line("13812345678", (98, 130, 182, 146))]
    )[0]
    assert rule.judge(flyer, FRAME).flyer
    assert not rule.judge(flyer, FRAME, permitted=True).flyer
    assert "outdoor ad" in rule.judge(flyer, FRAME, in_sign=True).reason
    big = group_lines(
        [_line("老王面馆", (400, 10, 900, 80)), _line("13812345678", (420, 90, 880, 150))]
    )[0]
    assert "larger than a flyer" in rule.judge(big, FRAME).reason
    tall = group_lines([_line("13812345678", (100, 100, 400, 160))])[0]
    assert "a sign's" in rule.judge(tall, FRAME).reason
    fascia = group_lines([_line("老王面馆 订餐电话 13812345678", (100, 100, 600, 120))])[0]
    assert "fascia" in rule.judge(fascia, FRAME).reason
    unsure = group_lines([_line("13812345678", (100, 100, 180, 116), conf=0.6)])[0]
    assert "confidence" in rule.judge(unsure, FRAME).reason
    words = group_lines([_line("专业开锁", (100, 100, 180, 124))])[0]
    assert rule.judge(words, FRAME).reason == "no phone number read"


def test_rendered_flyers_print_their_number() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        flyer = render_flyer(rng, 12)
        assert flyer.sheet.shape[2] == 4 and flyer.printed in flyer.text
        assert "".join(c for c in flyer.printed if c.isdigit()) == flyer.number
    with pytest.raises(ValueError, match="does not fit"):
        paste_flyer(_wall(40, 40), rng, digit_px=12)


def test_a_flyer_on_a_wall_of_text_is_cut_out_around_its_number() -> None:
    wall = [_line(f"橱窗广告 {i}", (60, 20 + 30 * i, 260, 40 + 30 * i)) for i in range(12)]
    sheet = [
        _line("专业开锁", (300, 170, 380, 190)),
        _line("13812345678", (298, 196, 382, 212)),
    ]
    # the sheet's lines overlap the wall's column a little, so single-link would chain them
    wide = [
        _line("橱窗广告 跨栏", (200, 140, 330, 160)),
        _line("橱窗广告 跨栏", (200, 216, 330, 236)),
    ]
    blocks = group_lines(wall + sheet + wide)
    flyer = next(b for b in blocks if b.phones)
    assert flyer.box[2] - flyer.box[0] < 250 and flyer.box[3] - flyer.box[1] < 200
    assert FlyerRule().judge(flyer, FRAME).flyer


def test_a_flyer_pasted_on_a_sign_is_carved_out_of_its_letters() -> None:
    # a sheet (headline, small print, number) pasted over a shop sign whose lines are of
    # nearly the same size and chain with it: the sign's taller or wider lines stay out
    sheet = [
        _line("高价回收", (410, 352, 585, 410)),
        _line("急用找我", (455, 401, 539, 432)),
        _line("021-63196804", (410, 429, 581, 464)),
    ]
    sign = [
        _line("QUAN AN NGON", (234, 278, 424, 338)),
        _line("A十", (553, 475, 592, 561)),  # 2.5 times the number's height
        _line("Sura Xe Chuyen Nghiep", (36, 470, 750, 530)),  # 4 times its width
    ]
    blocks = group_lines(sheet + sign)
    [flyer] = [b for b in blocks if b.phones]
    assert {ln.text for ln in flyer.lines} == {ln.text for ln in sheet}
    assert FlyerRule().judge(flyer, (662, 1024)).flyer
    # the sign's lines alone print no number: never a flyer
    assert not any(FlyerRule().judge(b, (662, 1024)).flyer for b in blocks if b is not flyer)
