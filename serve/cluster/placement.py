"""Which worker owns which camera: rendezvous (highest-random-weight) hashing.

Each camera goes to the worker with the highest hash of (camera, worker). When a worker
leaves, only its cameras move (each to its next-highest worker, so they spread over the
others instead of landing on one); when one joins, it takes about 1/N of the cameras from
the others and nothing else moves. No ring, no virtual nodes, no state: any process that
knows the worker names computes the same owners. ``weights`` lets a bigger node take more
(a worker of weight 2 owns about twice the cameras of one of weight 1).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping

_SCALE = float(2**64)


def _score(camera_id: str, worker: str, weight: float) -> float:
    digest = hashlib.blake2b(f"{camera_id}\x00{worker}".encode(), digest_size=8).digest()
    # a uniform number in (0, 1], turned into a weighted score (-w / ln u is the standard
    # weighted rendezvous: P(worker wins) = w / sum of weights)
    u = (int.from_bytes(digest, "big") + 1) / _SCALE
    return -weight / math.log(u) if u < 1.0 else math.inf


def owner(
    camera_id: str, workers: Iterable[str], weights: Mapping[str, float] | None = None
) -> str:
    """The worker that owns ``camera_id``; ValueError when there is none."""
    best: tuple[float, str] | None = None
    for worker in workers:
        weight = (weights or {}).get(worker, 1.0)
        if weight <= 0:
            continue
        score = (_score(camera_id, worker, weight), worker)
        if best is None or score > best:
            best = score
    if best is None:
        raise ValueError(f"no worker to own camera {camera_id!r}")
    return best[1]


def assign(
    camera_ids: Iterable[str],
    workers: Iterable[str],
    weights: Mapping[str, float] | None = None,
) -> dict[str, list[str]]:
    """Every worker's cameras (sorted), every worker listed even with none."""
    names = sorted(set(workers))
    out: dict[str, list[str]] = {w: [] for w in names}
    for camera_id in sorted(set(camera_ids)):
        out[owner(camera_id, names, weights)].append(camera_id)
    return out


def moves(before: Mapping[str, list[str]], after: Mapping[str, list[str]]) -> dict[str, str]:
    """camera id -> its new worker, for the cameras whose owner changed (or that are new)."""
    old = {c: w for w, cams in before.items() for c in cams}
    return {c: w for w, cams in after.items() for c in cams if old.get(c) != w}


def parse_cluster(text: str) -> str | None:
    """The Ray address a ``--cluster`` value names (None: start a local cluster);
    ValueError for anything else than ``local:N`` (N from 1 to 64), ``auto``, ``ray://...``."""
    if text.startswith("local:"):
        count = text.removeprefix("local:")
        if not count.isdigit() or not 1 <= int(count) <= 64:
            raise ValueError(f"--cluster {text!r}: expected local:N with N from 1 to 64")
        return None
    if text == "auto" or text.startswith("ray://"):
        return text
    raise ValueError(f"--cluster {text!r}: expected local:N, auto or ray://HOST:PORT")
