"""`streetwatch data from-reviews`: reviewed cases become a deterministic YOLO dataset."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from detector.taxonomy import load_taxonomy
from serve.cli import main
from serve.store import CaseRecord, EvidenceIn
from tests.training.review_factories import FRAME, ReviewWorld, frame_jpeg, review_world
from training.dataset_check import check_dataset
from training.reviews import (
    NothingToExportError,
    ReviewExportError,
    export_reviews,
    load_cases,
)
from training.splits import is_val
from training.yolo_dataset import load_data_yaml

TAXONOMY = load_taxonomy()
W, H = FRAME


def yolo(label: str, box: tuple[float, float, float, float]) -> str:
    x1, y1, x2, y2 = box
    return (
        f"{TAXONOMY.class_id(label)} {(x1 + x2) / 2 / W:.6f} {(y1 + y2) / 2 / H:.6f} "
        f"{(x2 - x1) / W:.6f} {(y2 - y1) / H:.6f}"
    )


CAR = (10.0, 100.0, 110.0, 180.0)
STALL = (150.0, 60.0, 230.0, 140.0)
STALL_FIXED = (140.0, 50.0, 240.0, 150.0)
FLYER = (250.0, 20.0, 280.0, 60.0)


@dataclass(frozen=True)
class Reviewed:
    data_dir: Path
    cases: dict[str, CaseRecord]

    @property
    def url(self) -> str:
        return f"sqlite:///{self.data_dir / 'streetwatch.db'}"


def open_and_review(w: ReviewWorld) -> dict[str, CaseRecord]:
    c: dict[str, CaseRecord] = {}
    c["parked"] = w.confirm(w.case("car", CAR, seen_s=(0, 600)))
    c["stall"] = w.confirm(
        w.case("stall", STALL, seen_s=(1000, 1100)), label="goods", box=STALL_FIXED
    )
    # a false flyer while the parked car stood there: the car stays labelled in that frame
    c["false_flyer"] = w.reject(w.case("flyer", FLYER, seen_s=(90, 110)), "false_positive")
    # on another camera nothing else is known: an empty label file
    c["false_graffiti"] = w.reject(
        w.case("graffiti", FLYER, camera="cam-02", seen_s=(90, 110)), "false_positive"
    )
    c["relabelled"] = w.reject(
        w.case("outdoor_ad", FLYER, seen_s=(2000, 2100)), "wrong_class", label="flyer"
    )
    c["unlabelled"] = w.reject(w.case("outdoor_ad", FLYER, seen_s=(3000, 3100)), "wrong_class")
    c["duplicate"] = w.reject(w.case("car", CAR, seen_s=(0, 600)), "duplicate")
    c["draft"] = w.case("car", CAR, seen_s=(5000, 5100))
    dispatched = w.confirm(w.case("truck", CAR, camera="cam-03", seen_s=(0, 60)))
    c["dispatched"] = w.repo.transition(dispatched.id, "dispatched", actor="carol")
    return c


@pytest.fixture
def reviewed(tmp_path: Path) -> Reviewed:
    data_dir = tmp_path / "data"
    with review_world(data_dir) as w:
        return Reviewed(data_dir, open_and_review(w))


def export(reviewed: Reviewed, out: Path, **kwargs: Any) -> dict[str, Any]:
    return export_reviews(load_cases(reviewed.url), reviewed.data_dir / "evidence", out, **kwargs)


def labels_of(out: Path, manifest: dict[str, Any], case: CaseRecord) -> list[str]:
    [entry] = [f for f in manifest["files"] if case.id in f["case_ids"]]
    return (out / entry["label"]).read_text().splitlines()


def test_confirmed_cases_are_positives_with_the_reviewers_class_and_box(
    reviewed: Reviewed, tmp_path: Path
) -> None:
    out = tmp_path / "reviews"
    manifest = export(reviewed, out)
    c = reviewed.cases
    assert labels_of(out, manifest, c["parked"]) == [yolo("car", CAR)]
    assert labels_of(out, manifest, c["stall"]) == [yolo("goods", STALL_FIXED)]
    assert labels_of(out, manifest, c["dispatched"]) == [yolo("truck", CAR)]
    assert labels_of(out, manifest, c["relabelled"]) == [yolo("flyer", FLYER)]


def test_false_positives_are_hard_negatives_keeping_the_true_objects(
    reviewed: Reviewed, tmp_path: Path
) -> None:
    out = tmp_path / "reviews"
    manifest = export(reviewed, out)
    c = reviewed.cases
    # the car case was open at 100 s on cam-01 when the false flyer's frame was taken
    assert labels_of(out, manifest, c["false_flyer"]) == [yolo("car", CAR)]
    assert labels_of(out, manifest, c["false_graffiti"]) == []


def test_the_manifest_records_cases_decisions_hashes_and_counts(
    reviewed: Reviewed, tmp_path: Path
) -> None:
    out = tmp_path / "reviews"
    manifest = export(reviewed, out)
    c = reviewed.cases
    assert manifest["counts"] | {"images": None, "boxes": None} == {
        "cases": 9,
        "positives": 3,
        "corrected": 1,
        "hard_negatives": 2,
        "frames_after_review": 0,
        "skipped": {
            "draft": 1,
            "rejected/duplicate": 1,
            "rejected/wrong_class_uncorrected": 1,
        },
        "images": None,
        "boxes": None,
    }
    assert sum(manifest["counts"]["images"].values()) == 6
    decisions = {e["id"]: e["decision"] for e in manifest["cases"]}
    assert decisions == {
        c["parked"].id: "positive",
        c["stall"].id: "positive",
        c["false_flyer"].id: "hard_negative",
        c["false_graffiti"].id: "hard_negative",
        c["relabelled"].id: "corrected",
        c["unlabelled"].id: "rejected/wrong_class_uncorrected",
        c["duplicate"].id: "rejected/duplicate",
        c["dispatched"].id: "positive",
    }, "drafts are counted, never listed"
    stall = next(e for e in manifest["cases"] if e["id"] == c["stall"].id)
    assert stall["detected_label"] == "stall" and stall["label"] == "goods"
    assert stall["detected_box"] == list(STALL) and stall["box"] == list(STALL_FIXED)
    assert stall["reviewed_by"] == "alice" and stall["model"] == {"name": "tiny", "version": "1.0"}
    for f in manifest["files"]:
        assert hashlib.sha256((out / f["image"]).read_bytes()).hexdigest() == f["sha256"]
        assert hashlib.sha256((out / f["label"]).read_bytes()).hexdigest() == f["label_sha256"]
        [case_id] = f["case_ids"]
        assert f["split"] == ("val" if is_val("case", str(case_id), 0.2) else "train")
        assert f["image"].startswith(f"images/{f['split']}/case{case_id:07d}-{f['sha256'][:12]}")
    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk == manifest


def test_the_dataset_is_a_valid_yolo_dataset(reviewed: Reviewed, tmp_path: Path) -> None:
    out = tmp_path / "reviews"
    export(reviewed, out, val_fraction=0.5)
    spec = load_data_yaml(out / "data.yaml")
    assert list(spec.names) == TAXONOMY.names
    report = check_dataset(spec)
    assert report.ok, report.format()
    # case ids 2, 3, 6, 8 and 9 hash into val at 0.5; 6 (uncorrected) and 8 (draft) are skipped
    assert len(spec.image_paths("train")) == 3 and len(spec.image_paths("val")) == 3
    assert spec.val_sets["reviews"] == spec.splits["val"]


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_exporting_twice_gives_byte_identical_datasets(reviewed: Reviewed, tmp_path: Path) -> None:
    export(reviewed, tmp_path / "a")
    export(reviewed, tmp_path / "b")
    first = tree(tmp_path / "a")
    assert first == tree(tmp_path / "b")
    export(reviewed, tmp_path / "a")  # again over the earlier export
    assert tree(tmp_path / "a") == first
    assert {"data.yaml", "manifest.json", "train.txt", "val.txt"} <= set(first)


def test_cases_sharing_a_frame_become_one_image(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with review_world(data_dir) as w:
        frame = frame_jpeg(7)
        car = w.confirm(w.case("car", CAR, frame=frame, seen_s=(0, 100), taken_s=50))
        flyer = w.reject(w.case("flyer", FLYER, frame=frame, seen_s=(0, 100)), "false_positive")
    url = f"sqlite:///{data_dir / 'streetwatch.db'}"
    manifest = export_reviews(load_cases(url), data_dir / "evidence", tmp_path / "out")
    [entry] = manifest["files"]
    assert entry["case_ids"] == [car.id, flyer.id]
    assert (tmp_path / "out" / entry["label"]).read_text().splitlines() == [yolo("car", CAR)]


def test_named_new_static_objects_are_labels_unnamed_ones_and_scene_mistakes_are_not(
    tmp_path: Path,
) -> None:
    """The scene baseline's cases: naming one is how a class without data gets labels."""
    data_dir = tmp_path / "data"
    scene = {"violation": "new_static_object", "signal": "scene"}
    with review_world(data_dir) as w:
        goods = w.confirm(
            w.case("unknown", STALL, seen_s=(0, 10), **scene),
            label="goods",
            violation="out_of_store_trading",
        )
        ad = w.reject(w.case("unknown", FLYER, seen_s=(20, 30), **scene), "no_violation")
        ad = w.repo.get(ad.id) or ad
        bin_ = w.reject(
            w.case("unknown", CAR, seen_s=(40, 50), **scene), "no_violation", label="garbage_bin"
        )
        shadow = w.reject(w.case("unknown", CAR, seen_s=(60, 70), **scene), "false_positive")
    url = f"sqlite:///{data_dir / 'streetwatch.db'}"
    manifest = export_reviews(load_cases(url), data_dir / "evidence", tmp_path / "out")
    decisions = {c["id"]: c["decision"] for c in manifest["cases"]}
    assert decisions == {
        goods.id: "positive",
        ad.id: "rejected/no_violation_unnamed",
        bin_.id: "named",
        shadow.id: "rejected/scene_false_positive",
    }
    labels = {
        tuple(e["case_ids"]): (tmp_path / "out" / e["label"]).read_text().splitlines()
        for e in manifest["files"]
    }
    assert labels == {(goods.id,): [yolo("goods", STALL)], (bin_.id,): [yolo("garbage_bin", CAR)]}


def test_an_altered_original_frame_is_an_error_naming_the_case(
    reviewed: Reviewed, tmp_path: Path
) -> None:
    case = reviewed.cases["stall"]
    original = case.evidence_of("original")
    assert original is not None
    (reviewed.data_dir / "evidence" / original.path).write_bytes(b"tampered")
    with pytest.raises(ReviewExportError, match=f"case {case.id}: original frame .* sha256"):
        export(reviewed, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_nothing_to_export_is_a_clear_error(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with review_world(data_dir) as w:
        w.case("car", CAR)
        w.reject(w.case("car", CAR), "duplicate")
    with pytest.raises(NothingToExportError, match=r"nothing to export.*1 draft, 1 rejected/dup"):
        export_reviews(
            load_cases(f"sqlite:///{data_dir / 'streetwatch.db'}"),
            data_dir / "evidence",
            tmp_path / "out",
        )


def test_since_keeps_cases_reviewed_from_then_on(reviewed: Reviewed, tmp_path: Path) -> None:
    now = dt.datetime.now(dt.UTC)
    manifest = export(reviewed, tmp_path / "a", since=now - dt.timedelta(hours=1))
    assert manifest["counts"]["cases"] == 8  # the draft has no review time
    with pytest.raises(NothingToExportError, match="reviewed since"):
        export(reviewed, tmp_path / "b", since=now + dt.timedelta(hours=1))


def test_an_unrelated_output_folder_is_never_replaced(reviewed: Reviewed, tmp_path: Path) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(ReviewExportError, match="holds other files"):
        export(reviewed, out)
    assert (out / "notes.txt").read_text() == "keep me"


def test_cli(reviewed: Reviewed, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reviews"
    args = ["data", "from-reviews", "--data-dir", str(reviewed.data_dir), "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "3 positives, 1 corrected classes, 2 hard negatives from 9 cases" in printed
    assert "skipped     1  rejected/duplicate" in printed
    assert (out / "data.yaml").is_file()
    missing = ["data", "from-reviews", "--data-dir", str(tmp_path / "nowhere"), "--out", str(out)]
    assert main(missing) == 2
    assert "no database at" in capsys.readouterr().err


def test_a_frame_replaced_after_the_review_is_flagged(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with review_world(data_dir) as w:
        case = w.confirm(w.case("car", CAR))
        later = w.files.write("cam-01-later", "original", frame_jpeg(99))
        original = case.evidence_of("original")
        assert original is not None
        replacement = EvidenceIn(
            kind="original",
            path=later.relpath,
            sha256=later.sha256,
            size=later.size,
            width=W,
            height=H,
            taken_at=original.taken_at + dt.timedelta(seconds=30),
        )
        w.repo.update(case.id, last_seen=case.last_seen, evidence=[replacement])
    url = f"sqlite:///{data_dir / 'streetwatch.db'}"
    manifest = export_reviews(load_cases(url), data_dir / "evidence", tmp_path / "out")
    assert manifest["counts"]["frames_after_review"] == 1
    assert manifest["cases"][0]["frame_after_review"] is True
    assert manifest["files"][0]["sha256"] == later.sha256
