from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from training.photos import (
    PhotoItem,
    group_keys,
    group_photos,
    hash_file,
    near_pairs,
    perceptual_hash,
    photo_key,
)


def _scene(seed: int, size: tuple[int, int] = (480, 640)) -> np.ndarray:
    """A textured photo-like image: smooth random blobs, different for every seed."""
    rng = np.random.default_rng(seed)
    low = rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)
    return cv2.resize(low, (size[1], size[0]), interpolation=cv2.INTER_CUBIC)


def _item(name: str, image: np.ndarray, source: str = "s") -> PhotoItem:
    return PhotoItem(source, name, *perceptual_hash(image))


def _distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("0_png.rf.37fef15008dd17ae0a329859e3294c65.jpg", "0_png"),
        ("train/12_jpg.rf.abc.jpg", "train/12_jpg"),
        ("train/img_1.jpg", "train/img_1.jpg"),
        ("rf.jpg", "rf.jpg"),
    ],
)
def test_photo_key(path: str, key: str) -> None:
    assert photo_key(path) == key


def test_hash_survives_reencoding_and_resizing_but_not_another_photo(tmp_path: Path) -> None:
    photo = _scene(1)
    h, _ = perceptual_hash(photo)
    small = cv2.resize(photo, (320, 240), interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 40])
    assert ok
    path = tmp_path / "copy.jpg"
    path.write_bytes(jpeg.tobytes())
    assert _distance(hash_file(path)[0], h) <= 4
    assert min(_distance(perceptual_hash(_scene(s))[0], h) for s in range(2, 12)) > 12


def test_a_mirrored_copy_matches_through_the_mirror_hash() -> None:
    photo = _scene(5)
    h, mirror = perceptual_hash(photo)
    flipped, _ = perceptual_hash(np.ascontiguousarray(photo[:, ::-1]))
    assert _distance(flipped, mirror) <= 2
    assert near_pairs([h, flipped], [mirror, perceptual_hash(photo[:, ::-1].copy())[1]], 4) == [
        (0, 1)
    ]


def test_groups_join_rf_copies_near_copies_and_links_but_not_others() -> None:
    a, b, c = _scene(1), _scene(2), _scene(3)
    noisy = np.clip(a.astype(np.int16) + 6, 0, 255).astype(np.uint8)
    items = [
        _item("x_jpg.rf.1.jpg", a),
        _item("x_jpg.rf.2.jpg", b),  # same photo by name, whatever it looks like
        _item("y.jpg", c),
        _item("z.jpg", noisy, source="other"),  # near copy of a, across sources
        _item("w.jpg", _scene(9)),
        _item("crop.jpg", _scene(10)),
    ]
    groups = group_photos(items, links=[(5, 4)])
    assert groups[0] == groups[1] == groups[3]
    assert groups[4] == groups[5]
    assert len({groups[0], groups[2], groups[4]}) == 3
    keys = group_keys(items, groups)
    assert keys[0] == keys[1] == keys[3] == ("other", "z.jpg")  # the least member
    assert keys[2] == ("s", "y.jpg")


def test_items_left_out_of_the_comparison_join_only_by_name() -> None:
    a = _scene(1)
    items = [_item("p.jpg", a), _item("q.jpg", a)]
    assert len(set(group_photos(items, compare=[True, False]))) == 2
    assert len(set(group_photos(items))) == 1
    assert len(set(group_photos(items, max_distance=-1))) == 2


def test_near_pairs_in_blocks_equal_the_full_comparison() -> None:
    rng = np.random.default_rng(0)
    hashes = [int(v) for v in rng.integers(0, 2**63, 300, dtype=np.int64)]
    hashes += [h ^ 1 for h in hashes[:40]]  # 40 one-bit neighbours
    mirrors = [int(v) for v in rng.integers(0, 2**63, len(hashes), dtype=np.int64)]
    full = near_pairs(hashes, mirrors, 2, block=10_000)
    assert near_pairs(hashes, mirrors, 2, block=7) == full
    assert {(i, j) for i, j in full} >= {(i, 300 + i) for i in range(40)}


def test_a_flat_image_has_no_hash(tmp_path: Path) -> None:
    for i, value in enumerate((0, 128)):
        cv2.imwrite(str(tmp_path / f"{i}.png"), np.full((40, 60, 3), value, np.uint8))
    cv2.imwrite(str(tmp_path / "scene.png"), _scene(3))
    assert hash_file(tmp_path / "0.png") is None
    assert hash_file(tmp_path / "1.png") is None
    assert hash_file(tmp_path / "scene.png") is not None
