"""``backend: auto`` in the settings is the measured choice; anything set explicitly wins."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from detector.runtime_choice import choose_runtime
from serve.config.settings import Settings
from serve.models import runtime_for


def _entry(reference_model: Path, tmp_path: Path, drop: float) -> Path:
    entry = tmp_path / reference_model.name
    shutil.copytree(reference_model, entry)
    card = json.loads((entry / "card.json").read_text())
    card["runtime_checks"]["runtimes"]["openvino bf16"]["max_drop"] = drop
    (entry / "card.json").write_text(json.dumps(card))
    return entry


def test_auto_is_the_measured_choice(reference_model: Path, tmp_path: Path) -> None:
    entry = _entry(reference_model, tmp_path, 0.002)
    choice = runtime_for(Settings(backend="auto", model=entry), entry)
    assert choice == choose_runtime(entry / "model.onnx")
    refused = _entry(reference_model, tmp_path / "b", 0.05)
    choice = runtime_for(Settings(backend="auto", model=refused), refused)
    assert choice.backend == "auto" and "lost 0.0500" in choice.reason


def test_a_runtime_set_in_the_settings_wins(reference_model: Path, tmp_path: Path) -> None:
    entry = _entry(reference_model, tmp_path, 0.002)
    for settings, label in (
        (Settings(backend="onnxruntime", model=entry), "onnxruntime"),
        (Settings(backend="openvino", precision="f32", model=entry), "openvino f32"),
        (Settings(backend="auto", precision="f32", model=entry), "auto f32"),
    ):
        choice = runtime_for(settings, entry)
        assert choice.label == label and choice.reason == "set in the settings"
