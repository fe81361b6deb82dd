"""Group images by the photo they show, so a split never puts copies of one photo on both sides.

Two images are the same photo when

- their names say so: Roboflow exports write each augmented copy of a photo as
  ``<stem>_<ext>.rf.<hash>.jpg``, so copies share the part before ``.rf.``; or
- they look the same: the 64-bit DCT perceptual hash of one is within ``max_distance``
  bits of the other's, or of its mirror image's (a flipped copy).

Groups are closed under both relations (union-find), so frames of one fixed camera a few
seconds apart, which differ only by the cars that moved, chain into one group: they are
near-copies, and validating on one while training on its neighbour would flatter the model.

>>> photo_key("0_png.rf.37fef15008dd17ae0a329859e3294c65.jpg")
'0_png'
>>> photo_key("street/img_1.jpg")
'street/img_1.jpg'
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

RF_MARK = ".rf."
MAX_DISTANCE = 4  # bits of 64; a re-encode or resize moves 0-2, another photo 20+
FLAT_STD = 4.0  # grey levels: below this an image has no structure to hash (all one colour)
_HASH_SIDE, _DCT_SIDE = 32, 8


def photo_key(rel_path: str) -> str:
    """The part of a path that all copies of one photo share (Roboflow's ``.rf.`` copies)."""
    head, mark, _ = rel_path.partition(RF_MARK)
    return head if mark else rel_path


def perceptual_hash(image: npt.NDArray[np.uint8]) -> tuple[int, int]:
    """64-bit DCT hashes of a BGR or grey image and of its mirror image."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    resized = cv2.resize(grey, (_HASH_SIDE, _HASH_SIDE), interpolation=cv2.INTER_AREA)
    small: npt.NDArray[np.float32] = np.asarray(resized, dtype=np.float32)
    return _dct_bits(small), _dct_bits(np.ascontiguousarray(small[:, ::-1]))


def _dct_bits(small: npt.NDArray[np.float32]) -> int:
    low = cv2.dct(small)[:_DCT_SIDE, :_DCT_SIDE].flatten()
    bits = low > np.median(low[1:])  # the DC term would dominate the median
    return int.from_bytes(np.packbits(bits).tobytes(), "big")


def hash_file(path: Path) -> tuple[int, int] | None:
    """`perceptual_hash` of an image file, or None for a flat image (one colour: its hash
    is noise, and would match every other flat image). A reduced decode is plenty."""
    image = cv2.imread(str(path), cv2.IMREAD_REDUCED_GRAYSCALE_2)
    if image is None:
        raise ValueError(f"{path}: image cannot be decoded")
    grey: npt.NDArray[np.uint8] = np.asarray(image, dtype=np.uint8)
    return None if is_flat(grey) else perceptual_hash(grey)


def is_flat(image: npt.NDArray[np.uint8]) -> bool:
    """Whether an image is one colour at hash scale (its hash would be noise)."""
    small = cv2.resize(image, (_HASH_SIDE, _HASH_SIDE), interpolation=cv2.INTER_AREA)
    return float(np.std(small)) < FLAT_STD


def hash_files(paths: Sequence[Path], workers: int = 4) -> list[tuple[int, int] | None]:
    with ThreadPoolExecutor(max(1, workers)) as pool:
        return list(pool.map(hash_file, paths))


@dataclass(frozen=True)
class PhotoItem:
    """One image to group: its source, path inside the source and perceptual hashes."""

    source: str
    rel_path: str
    phash: int
    phash_mirror: int


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def _popcount(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint8]:
    counts: npt.NDArray[np.uint8] = _BITS[x.view(np.uint8).reshape(*x.shape, 8)].sum(
        axis=-1, dtype=np.uint8
    )
    return counts


def near_pairs(
    hashes: Sequence[int], mirrors: Sequence[int], max_distance: int, block: int = 512
) -> list[tuple[int, int]]:
    """Index pairs (i < j) whose hashes, or one's and the other's mirror, are within
    ``max_distance`` bits; blockwise, so memory stays bounded for large sets."""
    h = np.array(hashes, dtype=np.uint64)
    m = np.array(mirrors, dtype=np.uint64)
    pairs: list[tuple[int, int]] = []
    for start in range(0, len(h), block):
        rows = h[start : start + block, None]
        near = (_popcount(rows ^ h[None, :]) <= max_distance) | (
            _popcount(rows ^ m[None, :]) <= max_distance
        )
        for i, j in zip(*np.nonzero(near), strict=True):
            if start + int(i) < int(j):
                pairs.append((start + int(i), int(j)))
    return pairs


def group_photos(
    items: Sequence[PhotoItem],
    *,
    max_distance: int = MAX_DISTANCE,
    compare: Sequence[bool] | None = None,
    links: Sequence[tuple[int, int]] = (),
) -> list[int]:
    """A group index per item (the smallest item index of its group).

    Items sharing a `photo_key` within a source are one photo; so are items whose
    perceptual hashes are near, across sources too. ``compare[i]`` False keeps item ``i``
    out of the hash comparison (synthetic scenes: every one is new, and their real
    backdrops must not pull train photos into another group). ``links`` are index pairs
    known to be one photo (a crop and the photo it was cut from).
    """
    uf = _UnionFind(len(items))
    for a, b in links:
        uf.union(a, b)
    first: dict[tuple[str, str], int] = {}
    for i, item in enumerate(items):
        key = (item.source, photo_key(item.rel_path))
        if key in first:
            uf.union(i, first[key])
        else:
            first[key] = i
    if max_distance >= 0:
        idx = [i for i in range(len(items)) if compare is None or compare[i]]
        pairs = near_pairs(
            [items[i].phash for i in idx], [items[i].phash_mirror for i in idx], max_distance
        )
        for a, b in pairs:
            uf.union(idx[a], idx[b])
    return [uf.find(i) for i in range(len(items))]


def group_keys(items: Sequence[PhotoItem], groups: Sequence[int]) -> list[tuple[str, str]]:
    """Each item's group key: the (source, rel_path) of the group's smallest member.

    A split decided on this key keeps a group together; for a photo with one copy the key
    is the image itself, so such photos keep the split they had before grouping.
    """
    least: dict[int, tuple[str, str]] = {}
    for item, g in zip(items, groups, strict=True):
        key = (item.source, item.rel_path)
        if g not in least or key < least[g]:
            least[g] = key
    return [least[g] for g in groups]
