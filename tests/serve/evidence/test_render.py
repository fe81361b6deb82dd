from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detector.image import Image
from serve.evidence.render import (
    BOX_COLOR,
    LABEL_TEXT,
    ZONE_COLOR,
    Annotation,
    RenderResult,
    annotate,
)
from tests.serve.evidence.factories import gray, make_annotation

WHITE = np.array(LABEL_TEXT, np.uint8)


def frame_of(result: RenderResult) -> Image:
    return result.image[result.header_height :]


def text_pixels(frame: Image) -> np.ndarray:
    """(N, 2) (y, x) of the pure-white text pixels (the gray test frames have none)."""
    return np.argwhere((frame == WHITE).all(axis=2))


def test_input_is_untouched() -> None:
    image = gray()
    image.flags.writeable = False  # would raise if annotate drew on it
    before = image.copy()
    annotate(
        image, make_annotation(zone_polygon=((10, 10), (300, 10), (300, 200)), header=("cam-1",))
    )
    np.testing.assert_array_equal(image, before)


@pytest.mark.parametrize(("height", "width"), [(480, 640), (1080, 1920), (200, 200)])
def test_box_edges_have_the_box_colour(height: int, width: int) -> None:
    x1, y1, x2, y2 = width * 0.3, height * 0.4, width * 0.6, height * 0.8
    result = annotate(gray(height, width), make_annotation(box=(x1, y1, x2, y2)))
    frame = frame_of(result)
    mid_x, mid_y = round((x1 + x2) / 2), round((y1 + y2) / 2)
    for x, y in [(round(x1), mid_y), (round(x2), mid_y), (mid_x, round(y2))]:
        assert tuple(frame[y, x]) == BOX_COLOR, (x, y)
    assert tuple(frame[mid_y, mid_x]) == (128, 128, 128)  # inside stays as it was
    assert tuple(frame[5, 5]) == (128, 128, 128)  # far away too


def test_label_sits_above_the_box() -> None:
    box = (200, 150, 400, 300)
    ys = text_pixels(frame_of(annotate(gray(), make_annotation(box=box))))[:, 0]
    assert len(ys) > 0
    assert ys.max() < box[1]


# the same label, wherever the box is, must show every text pixel: never cut by the border
@pytest.mark.parametrize(
    "box",
    [
        (200, 0, 400, 100),  # at the top edge: label goes below
        (0, 0, 80, 60),  # top-left corner
        (580, 0, 660, 60),  # top-right corner, box partly outside
        (560, 420, 640, 480),  # bottom-right corner
        (0, 0, 640, 480),  # the whole frame: no room above or below
        (-100, -100, 900, 700),  # larger than the frame
    ],
    ids=["top-edge", "top-left", "top-right", "bottom-right", "whole-frame", "overflowing"],
)
def test_label_stays_inside_the_image(box: tuple[float, float, float, float]) -> None:
    reference = len(text_pixels(frame_of(annotate(gray(), make_annotation()))))
    frame = frame_of(annotate(gray(), make_annotation(box=box)))
    assert len(text_pixels(frame)) == reference


def test_label_below_a_box_at_the_top_edge_does_not_hide_it() -> None:
    box = (200, 0, 400, 100)
    ys = text_pixels(frame_of(annotate(gray(), make_annotation(box=box))))[:, 0]
    assert ys.min() > box[3]


def test_chinese_is_drawn(cjk_font: Path) -> None:
    def label_pixels(label: str) -> Image:
        result = annotate(gray(), make_annotation(label=label))
        assert result.cjk
        return frame_of(result)

    parking, ads = label_pixels("违停"), label_pixels("张贴")
    notdef = label_pixels("\U0010fffd\U0010fffd")  # unmapped: the font's .notdef boxes
    assert not np.array_equal(parking, ads)
    assert not np.array_equal(parking, notdef)
    assert not np.array_equal(ads, notdef)


def test_english_fallback_without_cjk_font(no_cjk_font: None) -> None:
    header = ("人民路 cam-12", "2026-11-23 08:15:02 +08:00")
    one = annotate(gray(), make_annotation(label="机动车违停", header=header))
    other = annotate(gray(), make_annotation(label="暴露垃圾", header=header))
    assert one.cjk is False
    # the Chinese label is not drawn at all: the English one is, the same for both
    np.testing.assert_array_equal(one.image, other.image)
    assert len(text_pixels(frame_of(one))) > 0
    english = annotate(gray(), make_annotation(fallback_label="exposed garbage"))
    assert not np.array_equal(frame_of(one), frame_of(english))


def test_header_band_is_added_above_the_frame() -> None:
    image = gray()
    plain = annotate(image, make_annotation())
    headed = annotate(image, make_annotation(header=("街道 cam-12", "2026-11-23 08:15:02 +08:00")))
    assert plain.header_height == 0
    assert headed.header_height > 0
    assert headed.image.shape == (480 + headed.header_height, 640, 3)
    np.testing.assert_array_equal(frame_of(headed), frame_of(plain))  # no scene pixel hidden
    assert len(text_pixels(headed.image[: headed.header_height])) > 0


@pytest.mark.parametrize(
    "line",
    ["Renmin Rd x Jiefang Rd, north-east corner, cam-012 " * 4, "人民路与解放路交叉口东北角" * 6],
    ids=["spaces", "chinese"],
)
def test_long_header_lines_wrap_instead_of_running_off(
    line: str, request: pytest.FixtureRequest
) -> None:
    if not line.isascii():
        request.getfixturevalue("cjk_font")
    short = annotate(gray(), make_annotation(header=(line[:6],)))
    long = annotate(gray(), make_annotation(header=(line,)))
    assert long.header_height > 1.5 * short.header_height  # two lines or more
    band = long.image[: long.header_height]
    assert len(text_pixels(band[:, -8:])) == 0  # nothing runs into the right margin


def test_text_scales_with_the_image() -> None:
    header = ("cam-12",)
    small = annotate(gray(480, 640), make_annotation(header=header))
    large = annotate(gray(1080, 1920), make_annotation(header=header))
    assert large.header_height > 1.5 * small.header_height


def test_zone_is_tinted_inside_only() -> None:
    zone = ((20, 300), (300, 300), (300, 460), (20, 460))
    frame = frame_of(annotate(gray(), make_annotation(zone_polygon=zone)))
    inside, outside = frame[400, 150].astype(int), frame[100, 500].astype(int)
    assert tuple(outside) == (128, 128, 128)
    # moved towards the zone colour in every channel
    for channel in range(3):
        assert (inside[channel] - 128) * (ZONE_COLOR[channel] - 128) > 0


@pytest.mark.parametrize(
    "box",
    [(110, 185, 300, 350), (105, 160, 300, 350), (400, 300, 590, 440)],
    ids=["label-on-the-corner", "box-on-the-corner", "at-the-bottom-right"],
)
def test_zone_label_and_box_label_do_not_cover_each_other(
    box: tuple[float, float, float, float],
) -> None:
    zone = ((100, 150), (600, 150), (600, 450), (100, 450))

    def render(where: tuple[float, float, float, float]) -> RenderResult:
        return annotate(gray(), make_annotation(where, zone_polygon=zone, zone_label="禁停区 A"))

    apart, near = render((400, 200, 500, 260)), render(box)
    assert len(text_pixels(frame_of(near))) == len(text_pixels(frame_of(apart)))


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"box": (10, 10, 5, 20)}, "x2 >= x1"),
        ({"box": (10, float("nan"), 20, 20)}, "finite"),
        ({"label": " "}, "label"),
        ({"fallback_label": ""}, "fallback_label"),
        ({"zone_polygon": ((0, 0), (10, 10))}, "at least 3"),
    ],
    ids=["inverted", "nan", "empty-label", "empty-fallback", "two-point-zone"],
)
def test_annotation_is_validated(kwargs: dict[str, object], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        make_annotation(**kwargs)  # type: ignore[arg-type]


def test_header_must_be_lines_not_one_string() -> None:
    with pytest.raises(TypeError, match="tuple of lines"):
        Annotation((0, 0, 10, 10), "违停", "parking", header="cam-12")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "box", [(700, 10, 800, 50), (-80, -80, -10, -10), (10, 500, 50, 600)], ids=str
)
def test_box_outside_the_image_is_refused(box: tuple[float, float, float, float]) -> None:
    with pytest.raises(ValueError, match="outside the 640x480 image"):
        annotate(gray(), make_annotation(box=box))


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((480, 640), np.uint8),
        np.zeros((480, 640, 3), np.float32),
        np.zeros((0, 5, 3), np.uint8),
    ],
    ids=["gray", "float", "empty"],
)
def test_bad_image_is_refused(image: Image) -> None:
    with pytest.raises(ValueError, match="image"):
        annotate(image, make_annotation())
