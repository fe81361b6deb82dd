from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from training.dataset_check import check_dataset
from training.yolo_dataset import (
    DatasetError,
    LabelError,
    iter_split,
    label_path_for,
    load_data_yaml,
    read_labels,
)

NAMES = ["car", "bus", "truck"]
GOOD = "1 0.5 0.5 0.2 0.4"


def write_image(path: Path, value: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((8, 12, 3), value, np.uint8))
    return path


def write_label(path: Path, *lines: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def write_yaml(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def make_dataset(root: Path, splits: dict[str, int]) -> Path:
    """images/<split>/<i>.png with distinct pixels and one GOOD box each."""
    value = 0
    for split, n in splits.items():
        for i in range(n):
            value += 1
            write_image(root / "images" / split / f"{i}.png", value)
            write_label(root / "labels" / split / f"{i}.txt", GOOD)
    keys = "".join(f"{s}: images/{s}\n" for s in splits)
    return write_yaml(root / "data.yaml", f"path: .\n{keys}names: {NAMES}\n")


# --- label lines ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("1 0.5 0.5 0.2", "expected 5 fields 'class cx cy w h', got 4"),
        ("1 0.5 0.5 0.2 0.2 0.3 0.3", "got 7 (a segmentation polygon?)"),
        ("car 0.5 0.5 0.2 0.2", "class is not a number: 'car'"),
        ("1 0.5 x 0.2 0.2", "cy is not a number: 'x'"),
        ("1 0.5 nan 0.2 0.2", "cy is not finite"),
        ("1.5 0.5 0.5 0.2 0.2", "class id must be an integer, got '1.5'"),
        ("3 0.5 0.5 0.2 0.2", "class id 3 out of range: names has 3 classes"),
        ("-1 0.5 0.5 0.2 0.2", "class id -1 out of range"),
        ("1 0.5 0.5 0 0.2", "width and height must be positive, got w=0 h=0.2"),
        ("1 0.5 0.5 0.2 -0.1", "width and height must be positive"),
        ("1 0.95 0.5 0.2 0.2", "box corners (0.8500, 0.4000, 1.0500, 0.6000) fall outside [0, 1]"),
        ("1 320 240 50 60", "(pixel coordinates instead of normalised?)"),
    ],
)
def test_bad_label_line_names_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    label = write_label(tmp_path / "a.txt", GOOD, "", line, GOOD)  # bad line is line 3
    with pytest.raises(LabelError) as info:
        read_labels(label, len(NAMES))
    assert (info.value.path, info.value.line) == (label, 3)
    assert message in info.value.message
    assert str(info.value).startswith(f"{label}:3: ")


@pytest.mark.parametrize(
    "line", ["0 0.1 0.1 0.2 0.2", "2 0.9995 0.5 0.001 0.5", "0 0.5 0.5 1.001 1.0", "2.0 .5 .5 1 1"]
)
def test_good_label_lines_parse(tmp_path: Path, line: str) -> None:
    classes, boxes = read_labels(write_label(tmp_path / "a.txt", line, "   "), len(NAMES))
    assert classes.dtype == np.int64 and boxes.dtype == np.float32
    assert classes.shape == (1,) and boxes.shape == (1, 4)


def test_non_utf8_label_names_the_line(tmp_path: Path) -> None:
    label = tmp_path / "a.txt"
    label.write_bytes(f"{GOOD}\n{GOOD}\n1 0.5 0.5 \xff\xfe".encode("latin-1"))
    with pytest.raises(LabelError, match=r"a\.txt:3: not UTF-8"):
        read_labels(label, len(NAMES))


def test_label_path_replaces_last_images_folder() -> None:
    image = Path("/data/images/set/images/train/a.b.jpg")
    assert label_path_for(image) == Path("/data/images/set/labels/train/a.b.txt")
    assert label_path_for(Path("/data/flat/x.png")) == Path("/data/flat/x.txt")


# --- data.yaml ------------------------------------------------------------------------------


def test_directory_list_file_and_mixed_splits(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    for name in ("t0", "t1", "v0", "v1", "v2", "x0"):
        split = {"t": "train", "v": "val", "x": "extra"}[name[0]]
        write_image(root / "images" / split / f"{name}.png")
        write_label(root / "labels" / split / f"{name}.txt", GOOD)
    write_image(root / "images" / "train" / "nested" / "t2.jpg")  # no label: background
    (root / "images" / "train" / "notes.md").write_text("not an image")
    abs_path = root / "images" / "val" / "v2.png"
    (root / "lists").mkdir()
    # "./" is relative to the list file, other relative paths to the root, absolute as is.
    (root / "lists" / "val.txt").write_text(
        f"# val split\n./../images/val/v0.png\nimages/val/v1.png\n\n{abs_path}\n"
    )
    data = write_yaml(
        tmp_path / "cfg" / "data.yaml",
        "path: ../ds\ntrain: images/train\nval: lists/val.txt\n"
        "test: [images/extra, lists/val.txt]\nnames: {0: car, 2: truck, 1: bus}\n",
    )
    spec = load_data_yaml(data)
    assert spec.root == root.resolve()
    assert spec.names == ("car", "bus", "truck")
    train = list(iter_split(spec, "train"))
    assert [s.image.name for s in train] == ["t2.jpg", "t0.png", "t1.png"]  # sorted paths
    assert [s.has_label_file for s in train] == [False, True, True]
    assert train[0].class_id.shape == (0,) and train[0].cxcywh.shape == (0, 4)
    val = list(iter_split(spec, "val"))
    assert [s.image.resolve() for s in val] == [
        (root / "images" / "val" / f"v{i}.png").resolve() for i in range(3)
    ]
    assert val[1].label == root.resolve() / "labels" / "val" / "v1.txt"
    assert [s.image.name for s in iter_split(spec, "test")] == [
        "x0.png",
        "v0.png",
        "v1.png",
        "v2.png",
    ]
    np.testing.assert_allclose(val[0].xyxy(width=100, height=50), [[40, 15, 60, 35]])
    with pytest.raises(KeyError, match="no split 'nope'"):
        list(iter_split(spec, "nope"))


def test_val_sets_are_splits_too(tmp_path: Path) -> None:
    make_dataset(tmp_path, {"train": 1, "val": 2})
    (tmp_path / "val_a.txt").write_text("./images/val/1.png\n")
    data = write_yaml(
        tmp_path / "data.yaml",
        "path: .\ntrain: images/train\nval: images/val\nval_sets: {a: val_a.txt}\n"
        f"names: {NAMES}\n",
    )
    assert [s.image.name for s in iter_split(load_data_yaml(data), "a")] == ["1.png"]


def test_label_error_surfaces_from_iter_split(tmp_path: Path) -> None:
    data = make_dataset(tmp_path, {"val": 2})
    write_label(tmp_path / "labels" / "val" / "1.txt", GOOD, "7 0.5 0.5 0.1 0.1")
    with pytest.raises(LabelError, match=r"1\.txt:2: class id 7 out of range"):
        list(iter_split(load_data_yaml(data), "val"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "expected a mapping"),
        ("train: images\n", "'names' must be"),
        ("train: images\nnames: {0: a, 2: b}\n", "ids 0..n-1"),
        ("train: images\nnames: [a, b]\nnc: 3\n", "nc is 3 but names has 2"),
        ("test: images\nnames: [a]\n", "needs a 'train' or 'val' split"),
        ("train: {a: 1}\nnames: [a]\n", "'train' must be a path or a list of paths"),
        ("train: [images\nnames: [a]\n", "cannot read dataset description"),
    ],
)
def test_bad_data_yaml(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DatasetError, match=message.replace("(", r"\(").replace(".", r"\.")):
        load_data_yaml(write_yaml(tmp_path / "data.yaml", text))


def test_missing_split_source_raises_on_use(tmp_path: Path) -> None:
    spec = load_data_yaml(write_yaml(tmp_path / "data.yaml", "val: images/val\nnames: [a]\n"))
    with pytest.raises(DatasetError, match="does not exist"):
        list(iter_split(spec, "val"))


# --- check_dataset --------------------------------------------------------------------------


def test_clean_dataset_reports_counts(tmp_path: Path) -> None:
    data = make_dataset(tmp_path, {"train": 3, "val": 2})
    write_label(tmp_path / "labels" / "train" / "0.txt", "0 0.5 0.5 0.1 0.1", GOOD, GOOD)
    write_label(tmp_path / "labels" / "val" / "1.txt")  # empty file: background
    write_image(tmp_path / "images" / "val" / "2.png", 99)  # no label file: background too
    report = check_dataset(load_data_yaml(data), progress=False)
    assert report.ok, report.format()
    train, val = report.splits["train"], report.splits["val"]
    assert (train.images, train.background, train.boxes_per_class) == (3, 0, [1, 4, 0])
    assert (val.images, val.background, val.no_label_file, val.boxes) == (3, 2, 1, 1)
    text = report.format()
    assert "no problems found" in text
    assert any(line.split() == ["bus", "4", "1"] for line in text.splitlines())


def test_check_collects_every_problem(tmp_path: Path) -> None:
    data = make_dataset(tmp_path, {"train": 3, "val": 2})
    bad_a = write_label(
        tmp_path / "labels" / "train" / "0.txt", "1 0.5 0.5 0.2", GOOD, "9 .5 .5 .1 .1"
    )
    bad_b = write_label(tmp_path / "labels" / "val" / "1.txt", GOOD, GOOD, "1 0.5 0.5 0 0.1")
    broken = tmp_path / "images" / "train" / "2.png"
    broken.write_bytes(b"not a png at all")
    orphan = write_label(tmp_path / "labels" / "val" / "gone.txt", GOOD)
    write_image(tmp_path / "images" / "train" / "bg.png", 200)  # background: no problem
    report = check_dataset(load_data_yaml(data), workers=2, progress=False)
    found = {(p.path, p.line, p.message) for p in report.problems}
    assert found == {
        (bad_a, 1, "expected 5 fields 'class cx cy w h', got 4"),
        (bad_a, 3, "class id 9 out of range: names has 3 classes"),
        (bad_b, 3, "box width and height must be positive, got w=0 h=0.1"),
        (broken, None, "image cannot be decoded"),
        (orphan, None, "label file has no image in any split"),
    }
    assert not report.ok
    assert report.splits["train"].boxes_per_class == [0, 3, 0]  # good lines still count
    assert report.splits["train"].background == 1
    text = report.format()
    assert "5 problem(s):" in text
    assert f"{bad_a}:3: class id 9" in text
    assert "... and 3 more" in report.format(max_problems=2)


def test_check_reports_missing_listed_image_and_missing_split(tmp_path: Path) -> None:
    write_image(tmp_path / "images" / "a.png")
    (tmp_path / "train.txt").write_text("./images/a.png\n./images/missing.png\n")
    spec = load_data_yaml(
        write_yaml(tmp_path / "data.yaml", f"train: train.txt\nval: nowhere\nnames: {NAMES}\n")
    )
    messages = sorted(str(p) for p in check_dataset(spec, progress=False).problems)
    assert messages == [
        f"{tmp_path / 'images' / 'missing.png'}: train split lists a missing image",
        f"{tmp_path / 'nowhere'}: val split: split source {tmp_path / 'nowhere'} does not exist",
    ]


def test_check_detects_train_val_leakage(tmp_path: Path) -> None:
    data = make_dataset(tmp_path, {"train": 2, "val": 2, "test": 1})
    same = (tmp_path / "images" / "train" / "1.png").read_bytes()
    (tmp_path / "images" / "val" / "0.png").write_bytes(same)
    (tmp_path / "images" / "train" / "0.png").write_bytes(same)  # within a split: counted only
    report = check_dataset(load_data_yaml(data), progress=False)
    assert [(p.path.name, p.message) for p in report.problems] == [
        (
            "0.png",
            f"identical to {tmp_path / 'images' / 'train' / '0.png'} in the train split "
            "(train/val leakage)",
        )
    ]
    assert report.problems[0].path.parent.name == "val"
    assert report.splits["train"].duplicates == 1


def test_check_detects_the_same_path_listed_in_two_splits(tmp_path: Path) -> None:
    make_dataset(tmp_path, {"train": 2})
    (tmp_path / "val.txt").write_text("./images/train/1.png\n")
    spec = load_data_yaml(
        write_yaml(tmp_path / "data.yaml", f"train: images/train\nval: val.txt\nnames: {NAMES}\n")
    )
    [problem] = check_dataset(spec, progress=False).problems
    assert problem.message.endswith("in the train split (train/val leakage)")


def _textured(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return cv2.resize(rng.integers(0, 255, (6, 8, 3), dtype=np.uint8), (320, 240))


def test_check_reports_copies_of_one_photo_across_splits(tmp_path: Path) -> None:
    """Roboflow copies by name wherever they lie, a re-encoded smaller copy by its hash;
    the same plain file name in two folders is two photos."""
    for split, name, seed in [
        ("train", "a_jpg.rf.111.jpg", 1),
        ("val", "a_jpg.rf.222.jpg", 2),  # looks different, but is a copy by name
        ("train", "b.jpg", 3),
        ("train", "0.jpg", 5),
        ("val", "0.jpg", 6),  # same name, other folder, other photo
    ]:
        path = tmp_path / "images" / split / name
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), _textured(seed))
    small = cv2.resize(_textured(3), (160, 120), interpolation=cv2.INTER_AREA)
    cv2.imwrite(
        str(tmp_path / "images" / "val" / "b_small.jpg"), small, [cv2.IMWRITE_JPEG_QUALITY, 50]
    )
    data = write_yaml(
        tmp_path / "data.yaml", f"train: images/train\nval: images/val\nnames: {NAMES}\n"
    )
    report = check_dataset(load_data_yaml(data), progress=False)
    found = sorted((p.path.name, p.message) for p in report.problems)
    assert [name for name, _ in found] == ["a_jpg.rf.222.jpg", "b_small.jpg"]
    assert all("(train/val leakage by photo)" in m for _, m in found)
    assert "the same photo as 1 train image(s) (" in found[1][1]
    assert str(tmp_path / "images" / "train" / "b.jpg") in found[1][1]
