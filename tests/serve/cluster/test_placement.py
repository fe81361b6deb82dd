"""Which worker owns which camera (rendezvous hashing), and that the single-process
service never imports Ray."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from serve.cluster.placement import assign, moves, owner

CAMERAS = [f"cam-{i:05d}" for i in range(10_000)]


def test_every_camera_has_one_owner_spread_evenly() -> None:
    plan = assign(CAMERAS, ["w0", "w1", "w2", "w3"])
    assert sorted(c for cams in plan.values() for c in cams) == sorted(CAMERAS)
    sizes = [len(c) for c in plan.values()]
    assert min(sizes) > 2300 and max(sizes) < 2700, sizes  # 2500 each, within ~8%


def test_a_worker_leaving_moves_only_its_cameras_spread_over_the_rest() -> None:
    before = assign(CAMERAS, ["w0", "w1", "w2", "w3"])
    after = assign(CAMERAS, ["w0", "w1", "w3"])
    moved = moves(before, after)
    assert set(moved) == set(before["w2"])
    landed = Counter(moved.values())
    assert set(landed) == {"w0", "w1", "w3"} and min(landed.values()) > 700


def test_a_worker_joining_takes_its_share_and_nothing_else_moves() -> None:
    before = assign(CAMERAS, ["w0", "w1"])
    after = assign(CAMERAS, ["w0", "w1", "w2"])
    moved = moves(before, after)
    assert set(moved.values()) == {"w2"} and 3000 < len(moved) < 3700


def test_weights_give_a_bigger_worker_more() -> None:
    plan = assign(CAMERAS, ["big", "small"], {"big": 3.0, "small": 1.0})
    assert 0.72 < len(plan["big"]) / len(CAMERAS) < 0.78


def test_the_same_owner_in_any_process_and_order() -> None:
    assert owner("cam-00042", ["w1", "w0"]) == owner("cam-00042", ["w0", "w1"])
    with pytest.raises(ValueError, match="no worker"):
        owner("cam-1", [])


def test_the_single_process_service_imports_no_ray(tmp_path: object) -> None:
    code = (
        "import sys\n"
        "from serve.cli import build_parser\n"
        "from serve.app import create_app\n"
        "from serve.config.settings import Settings\n"
        f"create_app(Settings(data_dir={str(tmp_path)!r}, demo=False))\n"
        "build_parser()\n"
        "assert 'ray' not in sys.modules, 'ray imported'\n"
        "print('no ray')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0 and "no ray" in out.stdout, out.stderr


def test_a_cluster_across_hosts_refuses_sqlite_before_starting(tmp_path: Path) -> None:
    from serve.app import create_app
    from serve.config.settings import Settings

    with pytest.raises(ValueError, match=r"cannot share a SQLite file.*--database"):
        create_app(Settings(data_dir=tmp_path, demo=False, cluster="auto"))
    with pytest.raises(ValueError, match="expected local:N, auto or ray://"):
        create_app(Settings(data_dir=tmp_path, demo=False, cluster="everywhere"))
