"""`streetwatch promote`: crafted detectors whose AP on a crafted val set is known exactly."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import yaml

from detector.taxonomy import load_taxonomy
from serve.cli import main
from tests.detector.factories import Box, make_onnx_detector, raw_tensor
from training.promote import FrozenSetChangedError, PromoteConfig, decide, promote
from training.valsets import ValSet, build_missing, frozen_sets
from training.yolo_dataset import load_data_yaml

pytest.importorskip("onnx")
NAMES = load_taxonomy().names

# ground truth of every val image, in its 64 x 64 pixels: (cx, cy, w, h, class id)
GT = [(20, 20, 16, 16, 0), (48, 40, 10, 20, 4), (10, 50, 8, 8, 9)]  # car, stall, garbage
N_IMAGES = 4


def hit(cls: int) -> Box:
    cx, cy, w, h, _ = next(g for g in GT if g[4] == cls)
    return (cx, cy, w, h, cls, 0.9)


def miss(cls: int) -> Box:
    return (54, 8, 6, 6, cls, 0.9)  # overlaps no ground truth


# AP50 per class on the crafted set: a hit is 0.995 (ultralytics' interpolation), a miss 0
MODELS: dict[str, list[Box]] = {
    "tiny-1.0": [hit(0), miss(4), miss(9)],  # current: car only, mAP50 0.332
    "tiny-2.0": [hit(0), hit(4), hit(9)],  # better everywhere: 0.995
    "tiny-3.0": [miss(0), hit(4), hit(9)],  # better overall (0.663) but loses car
    "tiny-4.0": [hit(0), miss(4), miss(9)],  # the same as current
}


@dataclass(frozen=True)
class World:
    registry: Path
    data: Path

    @property
    def current(self) -> Path:
        return self.registry / "current"

    def entry(self, name: str) -> Path:
        return self.registry / name


def write_val_set(root: Path, n: int = N_IMAGES) -> Path:
    (root / "images" / "val").mkdir(parents=True)
    (root / "labels" / "val").mkdir(parents=True)
    for i in range(n):
        cv2.imwrite(str(root / "images" / "val" / f"{i}.png"), np.zeros((64, 64, 3), np.uint8))
        lines = [f"{c} {cx / 64} {cy / 64} {w / 64} {h / 64}" for cx, cy, w, h, c in GT]
        (root / "labels" / "val" / f"{i}.txt").write_text("\n".join(lines) + "\n")
    data = root / "data.yaml"
    names = dict(enumerate(NAMES))
    spec = {"val": "images/val", "names": names, "val_sets": {"street": "images/val"}}
    data.write_text(yaml.safe_dump(spec))
    return data


@pytest.fixture
def world(tmp_path: Path) -> World:
    from training.export import evaluate_val_sets

    data = write_val_set(tmp_path / "data")
    registry = tmp_path / "models"
    for entry, boxes in MODELS.items():
        (registry / entry).mkdir(parents=True)
        make_onnx_detector(registry / entry / "model.onnx", raw_tensor(boxes))
    # the current model's card, scored as `streetwatch export --eval-data` scores it
    metrics = evaluate_val_sets(registry / "tiny-1.0" / "model.onnx", data)
    card = {"name": "tiny", "version": "1.0", "metrics": metrics}
    (registry / "tiny-1.0" / "card.json").write_text(json.dumps(card))
    (registry / "current").write_text("tiny-1.0\n")
    return World(registry, data)


def run(world: World, candidate: str, *args: str) -> int:
    return main(["promote", str(world.entry(candidate)), "--current", str(world.current), *args])


def current_of(world: World) -> str:
    return world.current.read_text().strip()


def log_lines(world: World) -> list[dict[str, Any]]:
    path = world.registry / "promotions.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_better_candidate_is_promoted_and_recorded(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(world, "tiny-2.0", "--min-boxes", "2") == 0
    assert current_of(world) == "tiny-2.0"
    out = capsys.readouterr().out
    assert "PROMOTED" in out and "overall mAP50 0.9950 > current 0.3317" in out
    record = json.loads((world.entry("tiny-2.0") / "promotion.json").read_text())
    assert record["verdict"] == "promoted" and record["promoted"] is True
    assert record["candidate"]["entry"] == "tiny-2.0" and record["current"]["entry"] == "tiny-1.0"
    assert record["tolerance"] == 0.02 and record["min_boxes"] == 2
    assert record["sets_from"] == "tiny-1.0/card.json"
    assert set(record["sets"]) == {"all", "street"}
    street = record["sets"]["street"]
    assert street["images"] == N_IMAGES
    assert street["current"]["per_class"]["car"]["ap50"] == pytest.approx(0.995)
    assert street["candidate"]["per_class"]["stall"]["ap50"] == pytest.approx(0.995)
    assert street["current"]["per_class"]["stall"]["ap50"] == 0.0
    assert record["overall_map50"]["candidate"] == pytest.approx(0.995)
    assert len(record["checks"]) == 6 and all(c["ok"] for c in record["checks"])
    assert record["decided_at"] and "git_revision" in record
    # the demo clip's culprits, as each model saw them (these tiny models find none: no loss)
    demo = record["demo"]
    assert [c["class"] for c in demo["current"]] == ["car", "stall", "outdoor_ad"]
    assert all(c["frames"] >= 80 for c in demo["candidate"]) and demo["min_rate"] == 0.85
    assert record["command"].split()[0] == "streetwatch"  # argv: here pytest's, maybe none
    assert log_lines(world) == [record]


def test_a_candidate_worse_on_one_class_is_refused(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(world, "tiny-3.0", "--min-boxes", "2") == 1
    assert current_of(world) == "tiny-1.0"
    out = capsys.readouterr().out
    assert "REFUSED" in out
    assert "car on all: AP50 0.000 < current 0.995 - tolerance 0.020" in out
    assert "car on street" in out
    record = json.loads((world.entry("tiny-3.0") / "promotion.json").read_text())
    assert record["verdict"] == "refused" and record["promoted"] is False
    assert record["overall_map50"]["candidate"] > record["overall_map50"]["current"]
    assert [c["class"] for c in record["checks"] if not c["ok"]] == ["car", "car"]
    assert log_lines(world) == [record]


def test_classes_with_too_few_boxes_are_not_held(world: World) -> None:
    # with the default of 10 boxes, no class of the 4-image set is held: overall decides
    assert run(world, "tiny-3.0") == 0
    assert current_of(world) == "tiny-3.0"


def test_a_candidate_no_better_overall_is_refused(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(world, "tiny-4.0", "--min-boxes", "2") == 1
    assert "is not better than current" in capsys.readouterr().out
    assert current_of(world) == "tiny-1.0"


def test_a_dry_run_decides_but_writes_nothing(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(world, "tiny-2.0", "--min-boxes", "2", "--dry-run") == 0
    assert "PROMOTED (dry run: nothing changed)" in capsys.readouterr().out
    assert current_of(world) == "tiny-1.0"
    assert not (world.entry("tiny-2.0") / "promotion.json").exists()
    assert log_lines(world) == []


def test_the_demo_check_can_be_left_out(world: World) -> None:
    assert run(world, "tiny-2.0", "--min-boxes", "2", "--no-demo-check") == 0
    record = json.loads((world.entry("tiny-2.0") / "promotion.json").read_text())
    assert record["demo"] is None and record["promoted"] is True


def test_named_data_replaces_the_card_sets(world: World, tmp_path: Path) -> None:
    other = write_val_set(tmp_path / "other", n=2)
    decision = promote(
        PromoteConfig(
            candidate=world.entry("tiny-2.0"),
            current=world.current,
            data=(other,),
            min_boxes=2,
            progress=False,
        )
    )
    assert decision.promote
    assert decision.record["sets_from"] == "--data"
    assert decision.record["sets"]["all"]["images"] == 2


def test_a_changed_frozen_set_is_an_error(world: World) -> None:
    extra = world.data.parent / "images" / "val" / "9.png"
    cv2.imwrite(str(extra), np.zeros((64, 64, 3), np.uint8))
    with pytest.raises(FrozenSetChangedError, match=r"changed since tiny-1\.0 was scored"):
        promote(PromoteConfig(candidate=world.entry("tiny-2.0"), current=world.current))
    assert current_of(world) == "tiny-1.0"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tiny-1.0"], "already the current model"),
        (["nowhere-1.0"], "model path not found"),
        (["tiny-2.0", "--tolerance", "-1"], "tolerance must be >= 0"),
    ],
)
def test_errors_exit_2(
    world: World, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert run(world, *args) == 2
    assert message in capsys.readouterr().err
    assert current_of(world) == "tiny-1.0"


def test_a_candidate_outside_the_registry_is_an_error(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere" / "tiny-9.0"
    elsewhere.mkdir(parents=True)
    make_onnx_detector(elsewhere / "model.onnx", raw_tensor(MODELS["tiny-2.0"]))
    assert main(["promote", str(elsewhere), "--current", str(world.current)]) == 2
    assert "is not an entry of the registry" in capsys.readouterr().err


def test_a_card_without_validation_sets_is_an_error(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    (world.entry("tiny-1.0") / "card.json").write_text(json.dumps({"name": "tiny"}))
    assert run(world, "tiny-2.0") == 2
    assert "records no validation sets" in capsys.readouterr().err


# -- the decision rule alone ------------------------------------------------------------


def result(map50: float, **per_class: tuple[int, float]) -> dict[str, Any]:
    return {
        "metrics": {
            "map50": map50,
            "per_class": {c: {"n_gt": n, "ap50": ap} for c, (n, ap) in per_class.items()},
        }
    }


SETS = [ValSet("all", Path("d.yaml"), "val"), ValSet("real", Path("d.yaml"), "real")]


@pytest.mark.parametrize(
    ("current", "candidate", "promoted", "reason"),
    [
        ((0.50, 0.40), (0.51, 0.40), True, "> current"),
        ((0.50, 0.40), (0.50, 0.40), False, "not better"),
        ((0.50, 0.40), (0.52, 0.381), True, "> current"),  # within the tolerance of 0.02
        ((0.50, 0.40), (0.60, 0.379), False, "car on real: AP50 0.379 < current 0.400"),
    ],
    ids=["better", "equal", "within-tolerance", "beyond-tolerance"],
)
def test_decide(
    current: Sequence[float], candidate: Sequence[float], promoted: bool, reason: str
) -> None:
    def results(values: Sequence[float]) -> dict[str, dict[str, Any]]:
        overall, car = values
        return {
            "all": result(overall, car=(50, overall), bus=(3, 0.0)),
            "real": result(overall, car=(20, car), bus=(3, 0.0)),
        }

    # the bus (3 boxes) is never held: with 1.0 current AP it would refuse every candidate
    cur = results(current)
    cur["real"]["metrics"]["per_class"]["bus"]["ap50"] = 1.0
    decision = decide(cur, results(candidate), SETS, tolerance=0.02, min_boxes=10)
    assert decision.promote is promoted
    assert any(reason in r for r in decision.reasons), decision.reasons
    assert {(c.val_set, c.label) for c in decision.checks} == {("all", "car"), ("real", "car")}


def test_overall_is_the_mean_over_whole_val_splits() -> None:
    sets = [*SETS, ValSet("all2", Path("e.yaml"), "val")]
    cur = {"all": result(0.4), "real": result(0.9), "all2": result(0.6)}
    cand = {"all": result(0.6), "real": result(0.1), "all2": result(0.5)}
    decision = decide(cur, cand, sets, tolerance=0.02, min_boxes=10)
    assert decision.overall_current == pytest.approx(0.5)
    assert decision.overall_candidate == pytest.approx(0.55)
    assert decision.promote


# -- the real path: reviews -> fine-tune on merged data -> export -> promote --------------


@pytest.mark.slow
@pytest.mark.train
def test_fine_tune_on_reviews_export_and_promote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("ultralytics")
    from tests.training.review_factories import review_world
    from training.export import ExportConfig, export_model
    from training.importer import import_recipe
    from training.recipe import Recipe, SourceSpec
    from training.synth import generate_dataset
    from training.train import TrainConfig, train

    generate_dataset(tmp_path / "synth", 12, seed=3, image_size=(160, 120), progress=False)
    class_map = {n: n for n in NAMES}
    recipe = Recipe(
        name="earlier",
        val_fraction=0.3,
        sources=[SourceSpec(name="synth", path=str(tmp_path / "synth"), class_map=class_map)],
    )
    import_recipe(recipe, tmp_path, tmp_path / "earlier", progress=False)
    earlier = tmp_path / "earlier" / "data.yaml"
    base = train(
        TrainConfig(
            data=earlier,
            epochs=1,
            imgsz=64,
            batch=4,
            workers=0,
            project=tmp_path / "runs",
            name="base",
        )
    )
    registry = tmp_path / "models"
    for version in ("0.1.0", "0.1.1"):  # the same weights twice: a twin is never "better"
        export_model(
            ExportConfig(
                weights=base.best,
                name="sw",
                version=version,
                registry=registry,
                eval_data=earlier,
                set_current=version == "0.1.0",
                keep_pt=True,
            )
        )

    data_dir = tmp_path / "service"
    with review_world(data_dir) as w:
        for i in range(6):
            w.confirm(w.case("car", (20.0 + 10 * i, 100.0, 140.0 + 10 * i, 200.0)))
        w.reject(w.case("flyer", (250.0, 20.0, 280.0, 60.0)), "false_positive")
    reviews = tmp_path / "reviews"
    argv = ["data", "from-reviews", "--data-dir", str(data_dir), "--out", str(reviews)]
    assert main(argv) == 0

    argv = ["train", "--base", str(registry / "current"), "--merge", str(reviews / "data.yaml")]
    argv += ["--epochs", "1", "--imgsz", "64", "--batch", "4", "--workers", "0"]
    argv += ["--project", str(tmp_path / "runs"), "--name", "ft"]
    assert main([*argv, "--merged-out", str(tmp_path / "merged")]) == 0
    merged = load_data_yaml(tmp_path / "merged" / "data.yaml")
    assert set(merged.val_sets) == {"frozen-all", "synth", "reviews"}
    record = json.loads((tmp_path / "runs" / "ft" / "streetwatch_run.json").read_text())
    assert record["transfer"]["matched"] > 0, "fine-tuned from the current entry's model.pt"
    candidate = export_model(
        ExportConfig(
            weights=tmp_path / "runs" / "ft" / "weights" / "best.pt",
            name="sw",
            version="0.2.0",
            registry=registry,
            eval_data=tmp_path / "merged" / "data.yaml",
        )
    )
    card = json.loads((candidate / "card.json").read_text())
    assert [s["name"] for s in card["data"]["sources"]] == ["synth", "reviews"]

    current = str(registry / "current")
    assert main(["promote", str(registry / "sw-0.1.1"), "--current", current]) == 1
    assert "is not better than current" in capsys.readouterr().out
    code = main(["promote", str(candidate), "--current", current])
    assert code in (0, 1), "a one-epoch model may or may not beat its base"
    decision = json.loads((candidate / "promotion.json").read_text())
    assert set(decision["sets"]) == {"all", "synth"}, "the base card's frozen sets"
    assert decision["promoted"] is (code == 0)
    expected = "sw-0.2.0" if code == 0 else "sw-0.1.0"
    assert (registry / "current").read_text().strip() == expected
    assert len((registry / "promotions.jsonl").read_text().splitlines()) == 2


# -- a fresh clone: cards name data relative to the repository -------------------------------


def test_frozen_sets_named_relative_to_the_repository_resolve_on_another_checkout(
    world: World, tmp_path: Path
) -> None:
    """The card names ``data/data.yaml`` as a path inside the repository (the registry's
    parent); a clone elsewhere finds it there, never under the machine that made the card."""
    card_path = world.entry("tiny-1.0") / "card.json"
    card = json.loads(card_path.read_text())
    for result in card["metrics"].values():
        result["data"] = "data/data.yaml"
    card_path.write_text(json.dumps(card))
    assert run(world, "tiny-2.0", "--min-boxes", "2", "--dry-run") == 0
    record_sets = {s.data for s in frozen_sets(card, tmp_path)}
    assert record_sets == {tmp_path / "data" / "data.yaml"}


def test_a_missing_frozen_set_is_built_from_the_cards_recipe(tmp_path: Path) -> None:
    from tests.training.test_importer import yolo_source

    yolo_source(tmp_path / "src", {f"p{i}": "0 0.5 0.5 0.2 0.2\n" for i in range(10)}, ["car"])
    recipe = {
        "name": "mini",
        "val_fraction": 0.5,
        "sources": [{"name": "src", "path": "../src", "class_map": {"car": "car"}}],
    }
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "mini.yaml").write_text(yaml.safe_dump(recipe))
    card = {
        "name": "x",
        "version": "1",
        "data": {"recipe": "datasets/mini.yaml"},
        "metrics": {
            "all": {"data": "build/data/mini/data.yaml", "split": "val"},
            "src": {"data": "build/data/mini/data.yaml", "split": "src"},
        },
    }
    sets = frozen_sets(card, tmp_path)
    with pytest.raises(FileNotFoundError, match="streetwatch data build"):
        sets[0].spec()
    assert build_missing(card, sets, tmp_path) == [tmp_path / "build/data/mini/data.yaml"]
    assert sets[1].images() and set(sets[0].images()) == set(sets[1].images())
    assert build_missing(card, sets, tmp_path) == []  # built once
