"""A bf16 check per kind of CPU: measured on one, kept beside the others, the worst decides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from detector.runtime_choice import BF16, bf16_check, bf16_isa
from training.card import render_card
from training.runtime_check import merge_cpus

REPO = Path(__file__).resolve().parents[2]
REF = {"all": 0.52, "signboards": 0.79}


def result(drop: float, ref: dict[str, float] = REF) -> dict[str, Any]:
    measured = {name: round(value - drop, 4) for name, value in ref.items()}
    return {"map50": measured, "reference_map50": ref, "max_drop": drop, "ok": drop <= 0.01}


def check(runtime: dict[str, Any]) -> dict[str, Any]:
    return {"at": "2026-12-06T20:37:53+00:00", "runtimes": {BF16: runtime}}


AMX = {"bf16": "amx_bf16", "model": "Intel Xeon", "at": "2026-12-07T10:00:00+00:00"}
ZEN4 = {"bf16": "avx512_bf16", "model": "AMD EPYC", "at": "2026-12-07T21:00:00+00:00"}


@pytest.mark.parametrize(
    ("flags", "isa"),
    [
        (frozenset({"amx_bf16", "avx512_bf16"}), "amx_bf16"),
        (frozenset({"avx512_bf16"}), "avx512_bf16"),
        (frozenset({"avx2", "fma"}), None),
    ],
)
def test_the_instructions_bf16_runs_on(flags: frozenset[str], isa: str | None) -> None:
    assert bf16_isa(flags) == isa


def test_a_first_check_records_its_cpu() -> None:
    merged = merge_cpus(None, result(0.004), ZEN4)
    assert set(merged["by_cpu"]) == {"avx512_bf16"}
    assert merged["by_cpu"]["avx512_bf16"]["model"] == "AMD EPYC"
    assert merged["max_drop"] == 0.004 and merged["ok"]


def test_another_cpu_is_added_and_the_worst_decides() -> None:
    first = merge_cpus(None, result(0.006), AMX)
    merged = merge_cpus(check(first), result(0.002), ZEN4)
    assert set(merged["by_cpu"]) == {"amx_bf16", "avx512_bf16"}
    assert merged["max_drop"] == 0.006
    assert merged["map50"] == first["by_cpu"]["amx_bf16"]["map50"]


def test_the_same_cpu_again_replaces_its_own_result() -> None:
    first = merge_cpus(None, result(0.006), AMX)
    merged = merge_cpus(check(first), result(0.001), {**AMX, "at": "later"})
    assert set(merged["by_cpu"]) == {"amx_bf16"}
    assert merged["max_drop"] == 0.001 and merged["by_cpu"]["amx_bf16"]["at"] == "later"


def test_a_check_that_did_not_record_its_cpu_is_kept_as_unrecorded() -> None:
    merged = merge_cpus(check(result(0.0058)), result(0.0056), ZEN4)
    assert set(merged["by_cpu"]) == {"unrecorded", "avx512_bf16"}
    assert merged["by_cpu"]["unrecorded"]["at"] == "2026-12-06T20:37:53+00:00"
    assert merged["max_drop"] == 0.0058


def test_a_check_of_another_model_or_data_is_dropped() -> None:
    other = result(0.02, {"all": 0.40, "signboards": 0.70})
    merged = merge_cpus(check(other), result(0.003), ZEN4)
    assert set(merged["by_cpu"]) == {"avx512_bf16"} and merged["ok"]


def test_one_cpu_out_of_tolerance_keeps_bf16_off_everywhere() -> None:
    first = merge_cpus(None, result(0.02), AMX)
    merged = merge_cpus(check(first), result(0.001), ZEN4)
    assert not merged["ok"] and merged["max_drop"] == 0.02
    assert not bf16_check({"runtime_checks": check(merged)})[0]


def test_the_card_lists_each_cpu() -> None:
    merged = merge_cpus(check(merge_cpus(None, result(0.006), AMX)), result(0.002), ZEN4)
    card = json.loads((REPO / "models" / "streetwatch-yolo-0.2.2" / "card.json").read_text())
    card["runtime_checks"] |= check(merged)
    text = render_card(card)
    assert "on amx_bf16 (Intel Xeon)" in text and "on avx512_bf16 (AMD EPYC)" in text
