"""Synthesise -> import -> train one epoch -> export ONNX -> detect with onnxruntime."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from detector.image import load_image
from detector.model import Detector
from detector.taxonomy import load_taxonomy

pytestmark = [pytest.mark.slow, pytest.mark.train]
TAXONOMY = load_taxonomy()


@dataclass(frozen=True)
class Pipeline:
    data_yaml: Path
    run_best: Path
    entry: Path
    registry: Path
    sample_image: Path


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    pytest.importorskip("ultralytics")
    from training.export import ExportConfig, export_model
    from training.importer import import_recipe
    from training.recipe import Recipe, SourceSpec
    from training.synth import generate_dataset
    from training.train import TrainConfig, train

    tmp = tmp_path_factory.mktemp("e2e")
    generate_dataset(tmp / "synth", 24, seed=1, image_size=(320, 240), progress=False)
    recipe = Recipe(
        name="e2e",
        val_fraction=0.25,
        sources=[
            SourceSpec(
                name="synth",
                path=str(tmp / "synth"),
                synthetic=True,
                class_map={n: n for n in TAXONOMY.names},
            )
        ],
    )
    import_recipe(recipe, tmp, tmp / "data", progress=False)
    data_yaml = tmp / "data" / "data.yaml"
    result = train(
        TrainConfig(
            data=data_yaml,
            epochs=1,
            imgsz=128,
            batch=8,
            workers=0,
            project=tmp / "runs",
            name="e2e",
        ),
        argv=["streetwatch", "train", "--data", str(data_yaml), "--epochs", "1"],
    )
    registry = tmp / "models"
    entry = export_model(
        ExportConfig(
            weights=result.best,
            name="e2e",
            version="0.0.1",
            registry=registry,
            eval_data=data_yaml,
            set_current=True,
            keep_pt=True,
        )
    )
    sample = next((tmp / "synth" / "images" / "train").glob("*.jpg"))
    return Pipeline(data_yaml, result.best, entry, registry, sample)


def test_exported_model_loads_and_detects(pipeline: Pipeline) -> None:
    # a fresh head's class prior is 5 / nc / 400 at the coarsest stride (9e-4 for the 14
    # classes): an untrained score sits just under 0.001, so propose from 1e-4
    detector = Detector.load(pipeline.registry / "current", backend="onnxruntime", conf=1e-4)
    assert detector.names == TAXONOMY.names
    assert (detector.info.name, detector.info.version) == ("e2e", "0.0.1")
    assert detector.info.imgsz == (128, 128)
    image = load_image(pipeline.sample_image)
    detections = detector.detect(image)
    assert len(detections) > 0, "at conf 1e-4 even a one-epoch model proposes boxes"
    h, w = image.shape[:2]
    assert detections.xyxy[:, [0, 2]].max() <= w and detections.xyxy[:, [1, 3]].max() <= h
    batch = detector.detect_batch([image, image[:100, :50]])
    assert len(batch) == 2 and len(batch[0]) == len(detections)


def test_card_records_command_data_and_metrics(pipeline: Pipeline) -> None:
    card = json.loads((pipeline.entry / "card.json").read_text())
    assert card["training"]["command"].startswith("streetwatch train --data")
    assert card["training"]["epochs_completed"] == 1
    assert set(card["metrics"]) == {"all", "synth"}
    assert set(card["metrics"]["all"]["metrics"]["per_class"]) <= set(TAXONOMY.names)
    assert card["data"]["classes_synthetic_only"] == TAXONOMY.names
    assert (pipeline.entry / "data_manifest.json").is_file()
    text = (pipeline.entry / "card.md").read_text()
    assert "Synthetic data only" in text and "| AP50 |" in text and "P@0.3" in text
    assert (pipeline.registry / "current").read_text().strip() == "e2e-0.0.1"


def test_registry_entries_are_immutable(pipeline: Pipeline) -> None:
    from training.export import ExportConfig, export_model

    with pytest.raises(FileExistsError, match="immutable"):
        export_model(
            ExportConfig(
                weights=pipeline.run_best, name="e2e", version="0.0.1", registry=pipeline.registry
            )
        )


def test_card_puts_compared_models_side_by_side(pipeline: Pipeline, tmp_path: Path) -> None:
    from training.export import ExportConfig, export_model

    config = ExportConfig(
        weights=pipeline.run_best,
        name="e2e",
        version="0.0.2",
        registry=tmp_path,
        compare=(pipeline.entry,),
    )
    with pytest.raises(ValueError, match="--compare needs --eval-data"):
        export_model(config)
    entry = export_model(replace(config, eval_data=pipeline.data_yaml))
    card = json.loads((entry / "card.json").read_text())
    [other] = card["compared"]
    assert other["model"] == str(pipeline.entry.resolve())
    for name, result in card["metrics"].items():
        mine = {c: m["ap50"] for c, m in result["metrics"]["per_class"].items() if m["n_gt"]}
        assert mine and {c: m["ap50"] for c, m in other["sets"][name].items()} == mine
    text = (entry / "card.md").read_text()
    assert "## Side by side" in text and "| Δ |" in text and "+0.000 |" in text
    rows = text.split("## Side by side")[1].split("## Files")[0].splitlines()
    deltas = [r.rsplit("|", 2)[1].strip() for r in rows if r.startswith("| ") and "---" not in r]
    assert deltas.count("+0.000") == len(deltas) - len(card["metrics"])  # all but the heads


def test_eval_cli_writes_json(pipeline: Pipeline, tmp_path: Path) -> None:
    from serve.cli import main

    out = tmp_path / "eval.json"
    model = pipeline.entry / "model.onnx"
    assert (
        main(["eval", "--model", str(model), "--data", str(pipeline.data_yaml), "--json", str(out)])
        == 0
    )
    result = json.loads(out.read_text())
    assert 0.0 <= result["metrics"]["map50"] <= 1.0
    assert result["metrics"]["map50_95"] <= result["metrics"]["map50"]


def test_finetune_from_checkpoint_with_other_classes(pipeline: Pipeline, tmp_path: Path) -> None:
    import torch
    from ultralytics.nn.tasks import DetectionModel

    from training.train import TrainConfig, train

    foreign = DetectionModel(cfg="yolov8n.yaml", nc=3, verbose=False)
    foreign.names = {0: "person", 1: "dog", 2: "kite"}
    base = tmp_path / "foreign.pt"
    torch.save({"model": foreign, "epoch": -1, "train_args": {}}, base)

    result = train(
        TrainConfig(
            data=pipeline.data_yaml,
            base=base,
            epochs=1,
            imgsz=128,
            batch=8,
            workers=0,
            project=tmp_path / "runs",
            name="ft",
        )
    )
    transfer = result.record["transfer"]
    # everything but the class-prediction convolutions of the head fits
    assert 0 < transfer["matched"] < transfer["model_tensors"]
    assert transfer["model_tensors"] - transfer["matched"] <= 6
    from ultralytics import YOLO

    tuned = YOLO(str(result.best))
    assert [tuned.names[i] for i in sorted(tuned.names)] == TAXONOMY.names


def test_interrupted_run_resumes_to_the_end(pipeline: Pipeline, tmp_path: Path) -> None:
    import shlex
    import subprocess
    import sys
    import textwrap

    from training.train import resume

    project = tmp_path / "runs"
    last = project / "r" / "weights" / "last.pt"
    args = ["train", "--data", str(pipeline.data_yaml), "--epochs", "3", "--imgsz", "96"]
    args += ["--batch", "8", "--workers", "0", "--project", str(project), "--name", "r"]
    # the process dies abruptly (as in a power cut) right after its first checkpoint
    crash_after_first_save = textwrap.dedent(
        f"""
        import os
        from training.ultralytics_env import offline_ultralytics
        from ultralytics.engine.model import Model
        offline_ultralytics()
        original = Model.train
        def train(self, **kwargs):
            self.add_callback("on_model_save", lambda trainer: os._exit(9))
            return original(self, **kwargs)
        Model.train = train
        from serve.cli import main
        main({args!r})
        """
    )
    proc = subprocess.run([sys.executable, "-c", crash_after_first_save], capture_output=True)
    assert proc.returncode == 9, proc.stderr.decode()[-2000:]
    rows = (project / "r" / "results.csv").read_text().strip().splitlines()
    assert len(rows) - 1 == 1, "killed after the first epoch"

    started = json.loads((project / "r" / "streetwatch_run.json").read_text())
    assert started["command"] == shlex.join(["streetwatch", *args]), "recorded before training"
    first_epoch_s = float(rows[1].split(",")[rows[0].split(",").index("time")])
    result = resume(last)
    assert result.record["resumed"] is True
    assert result.record["command"] == started["command"], "the command that started the run"
    assert result.record["resumed_with"][0].startswith("streetwatch")
    assert result.record["wall_s"] > first_epoch_s, "the time before the cut counts too"
    rows = (project / "r" / "results.csv").read_text().strip().splitlines()
    assert len(rows) - 1 == 3, "the resumed run finishes all three epochs"

    with pytest.raises(ValueError, match="already finished"):
        resume(last)


def test_a_time_budget_stops_training_and_hands_back_weights(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    """`train --time` (hours) ends a run whatever its epochs, and --copy-to holds best and last
    weights after every epoch, as a GPU machine's output folder must. It runs as on the lent
    GPU machine, whose Python has neither polars nor onnxslim nor ultralytics-platform."""
    import csv
    import subprocess
    import sys
    import textwrap

    out = tmp_path / "out"
    argv = [
        "train", "--data", str(pipeline.data_yaml), "--epochs", "200", "--time", "0.002",
        "--imgsz", "96", "--batch", "8", "--workers", "0", "--project", str(tmp_path / "runs"),
        "--name", "budget", "--copy-to", str(out), "--set", "warmup_bias_lr=0.0",
    ]  # fmt: skip
    as_on_the_device = textwrap.dedent(
        f"""
        import importlib.abc, sys
        class Absent(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("polars", "onnxslim", "ultralytics_platform"):
                    raise ImportError("not on the device: " + name)
        sys.meta_path.insert(0, Absent())
        from serve.cli import main
        raise SystemExit(main({argv!r}))
        """
    )
    proc = subprocess.run([sys.executable, "-c", as_on_the_device], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert 1 <= len(rows) < 200, "the 7.2 s budget ends the run long before 200 epochs"
    for name in ("best.pt", "last.pt", "args.yaml"):
        assert (out / name).is_file() and not (out / f".{name}.tmp").exists()
    record = json.loads((tmp_path / "runs" / "budget" / "streetwatch_run.json").read_text())
    assert record["args"]["time"] == 0.002 and record["args"]["warmup_bias_lr"] == 0.0
    assert "--time 0.002" in record["command"]
    from ultralytics import YOLO

    tuned = YOLO(str(out / "best.pt"))
    assert [tuned.names[i] for i in sorted(tuned.names)] == TAXONOMY.names


def test_rescore_replaces_the_cards_numbers_and_keeps_their_history(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    import shutil

    from training.rescore import rescore_entry

    entry = tmp_path / "e2e-0.0.1"
    shutil.copytree(pipeline.entry, entry)
    before = json.loads((entry / "card.json").read_text())
    card = rescore_entry(entry, pipeline.data_yaml, "split changed", ("a caveat",))
    assert card["files"] == before["files"]
    assert set(card["metrics"]) == set(before["metrics"])
    [history] = card["rescored"]
    assert history["reason"] == "split changed"
    assert history["replaced"]["all"]["map50"] == before["metrics"]["all"]["metrics"]["map50"]
    assert card["notes"] == ["a caveat"]
    text = (entry / "card.md").read_text()
    assert "a caveat" in text and "Re-measured" in text and "split changed" in text
    (entry / "model.onnx").write_bytes(b"tampered")
    with pytest.raises(ValueError, match="does not match the sha256"):
        rescore_entry(entry, pipeline.data_yaml, "again")


def test_check_runtimes_writes_a_bf16_check_the_service_reads(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    import shutil

    from detector.runtime_choice import bf16_check, bf16_isa, cpu_flags
    from training.runtime_check import check_runtimes, measure

    entry = tmp_path / "e2e-0.0.1"
    shutil.copytree(pipeline.entry, entry)
    if not {"amx_bf16", "avx512_bf16"} & cpu_flags():
        with pytest.raises(RuntimeError, match="does not compute bf16 natively"):
            check_runtimes(entry, pipeline.data_yaml)
        result = measure(entry / "model.onnx", pipeline.data_yaml)  # emulated, still measured
        assert set(result["map50"]) == set(result["reference_map50"])
        return
    check = check_runtimes(entry, pipeline.data_yaml)
    card = json.loads((entry / "card.json").read_text())
    assert card["runtime_checks"] == check
    result = check["runtimes"]["openvino bf16"]
    assert set(result["by_cpu"]) == {bf16_isa(cpu_flags())}  # the CPU it was measured on
    assert set(result["map50"]) == set(result["reference_map50"]) >= {"all"}
    worst = max(result["reference_map50"][s] - result["map50"][s] for s in result["map50"])
    assert result["max_drop"] == round(max(worst, 0.0), 4)
    assert bf16_check(card)[0] == result["ok"] == (worst <= 0.01)
    assert "## Runtimes" in (entry / "card.md").read_text()
    (entry / "model.onnx").write_bytes(b"tampered")
    with pytest.raises(ValueError, match="does not match the sha256"):
        check_runtimes(entry, pipeline.data_yaml)
