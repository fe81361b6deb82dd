"""The measured runtime choice: OpenVINO bf16 only where the card's check, the CPU and the
installed packages all allow it, onnxruntime otherwise, always with the reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from detector.model import Detector
from detector.runtime_choice import BF16, bf16_check, choose_runtime, cpu_flags

AMX = frozenset({"avx512f", "amx_bf16"})


def _check(drop: float, tolerance: float = 0.01) -> dict[str, Any]:
    return {
        "runtime_checks": {
            "reference": "onnxruntime",
            "tolerance": tolerance,
            "runtimes": {BF16: {"max_drop": drop, "ok": drop <= tolerance}},
        }
    }


def _model(tmp_path: Path, card: dict[str, Any] | None) -> Path:
    model = tmp_path / "model.onnx"
    model.write_bytes(b"not read by the choice")
    if card is not None:
        (tmp_path / "card.json").write_text(json.dumps(card))
    return model


def test_a_checked_model_on_a_bf16_cpu_runs_in_bf16_with_a_fixed_shape(tmp_path: Path) -> None:
    choice = choose_runtime(_model(tmp_path, _check(0.003)), flags=AMX, openvino=True)
    assert (choice.backend, choice.precision, choice.fixed_shape) == ("openvino", "bf16", True)
    assert "0.0030" in choice.reason and choice.label == "openvino bf16"


@pytest.mark.parametrize(
    ("card", "flags", "openvino", "why"),
    [
        (None, AMX, True, "no bf16 check"),
        ({"name": "x"}, AMX, True, "no bf16 check"),
        (_check(0.02), AMX, True, "lost 0.0200"),
        # a card may not loosen the project's tolerance
        (_check(0.02, tolerance=0.05), AMX, True, "lost 0.0200"),
        ({"runtime_checks": {"runtimes": {BF16: {"max_drop": "small"}}}}, AMX, True, "numeric"),
        (_check(0.001), frozenset({"avx2"}), True, "no native bf16"),
        (_check(0.001), AMX, False, "openvino is not installed"),
    ],
)
def test_anything_missing_keeps_onnxruntime_and_says_why(
    tmp_path: Path,
    card: dict[str, Any] | None,
    flags: frozenset[str],
    openvino: bool,
    why: str,
) -> None:
    choice = choose_runtime(_model(tmp_path, card), flags=flags, openvino=openvino)
    assert (choice.backend, choice.precision, choice.fixed_shape) == ("auto", None, False)
    assert why in choice.reason


def test_a_broken_card_keeps_onnxruntime(tmp_path: Path) -> None:
    model = _model(tmp_path, None)
    (tmp_path / "card.json").write_text("{not json")
    choice = choose_runtime(model, flags=AMX, openvino=True)
    assert choice.backend == "auto" and "card" in choice.reason


def test_other_model_formats_keep_their_own_runtime(tmp_path: Path) -> None:
    assert choose_runtime(tmp_path / "model.pt", flags=AMX, openvino=True).backend == "auto"


def test_the_check_reads_only_a_numeric_drop() -> None:
    assert bf16_check(_check(0.0))[0]
    assert not bf16_check({"runtime_checks": []})[0]


def test_the_reference_model_runs_in_bf16_where_this_machine_can(
    reference_model: Path, tmp_path: Path
) -> None:
    """The committed model's card carries a passing check, and on a CPU with native bf16
    the service's choice loads it in bf16."""
    ok, said = bf16_check(json.loads((reference_model / "card.json").read_text()))
    assert ok, said
    if not {"amx_bf16", "avx512_bf16"} & cpu_flags():
        pytest.skip("this CPU has no native bf16: the choice stays onnxruntime")
    entry = tmp_path / reference_model.name
    shutil.copytree(reference_model, entry)
    choice = choose_runtime(entry / "model.onnx")
    assert choice.label == "openvino bf16", choice.reason
    fast = Detector.load(
        entry, backend=choice.backend, precision=choice.precision, fixed_shape=True
    )
    assert fast.backend.runtime == "openvino bf16"
