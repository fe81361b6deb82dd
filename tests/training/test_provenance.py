from __future__ import annotations

from pathlib import Path

import pytest

from training.provenance import from_repo, repo_relative


@pytest.mark.parametrize(
    ("path", "recorded"),
    [
        ("repo/build/data/x/data.yaml", "build/data/x/data.yaml"),
        ("repo", "."),
        ("shared/models/base/best.pt", "../shared/models/base/best.pt"),
    ],
)
def test_paths_are_recorded_relative_to_the_repository(
    tmp_path: Path, path: str, recorded: str
) -> None:
    root = tmp_path / "repo"
    assert repo_relative(tmp_path / path, root) == recorded
    assert from_repo(recorded, root).resolve() == (tmp_path / path).resolve()


def test_a_path_elsewhere_stays_absolute(tmp_path: Path) -> None:
    assert repo_relative("/etc/hosts", tmp_path / "a" / "repo") == "/etc/hosts"
    # another folder beside the clone (a clone in /tmp, pytest's folders there) is not shared
    beside = tmp_path / "pytest-of-root" / "x.yaml"
    assert repo_relative(beside, tmp_path / "repo") == str(beside.resolve())
    assert from_repo("/etc/hosts") == Path("/etc/hosts")


def test_training_time_sums_the_segments_of_a_resumed_run(tmp_path: Path) -> None:
    from training.train import _trained_s

    (tmp_path / "results.csv").write_text(
        "epoch, time,metrics\n1,700.0,0.1\n2,1500.0,0.2\n3,800.0,0.3\n4,1600.0,0.4\n"
    )
    assert _trained_s(tmp_path) == 1500.0 + 1600.0
    assert _trained_s(tmp_path / "nowhere") == 0.0
