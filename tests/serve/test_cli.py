from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from serve.cli import main


def write_image(path: Path, w: int = 128, h: int = 64) -> Path:
    cv2.imwrite(str(path), np.full((h, w, 3), 100, np.uint8))
    return path


def test_detect_json_one_line_per_image(
    registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    images = [write_image(tmp_path / "a.jpg"), write_image(tmp_path / "b.png", 64, 128)]
    code = main(["detect", *map(str, images), "--model", str(registry / "current"), "--json"])
    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["image"] for line in lines] == [str(p) for p in images]
    for line in lines:
        assert line["model"] == {"name": "tiny", "version": "1.0"}
        assert {d["label"] for d in line["detections"]} == {"car", "stall"}
        for d in line["detections"]:
            assert set(d) == {"label", "class_id", "confidence", "box"}
    car = next(d for d in lines[0]["detections"] if d["label"] == "car")
    assert car["box"] == pytest.approx([24.0, 0.0, 56.0, 24.0], abs=0.2)


def test_detect_reports_a_bad_image_and_goes_on(
    registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"definitely not a jpeg")
    good = write_image(tmp_path / "good.jpg")
    code = main(["detect", str(bad), str(good), "--model", str(registry / "current"), "--json"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "bad.jpg" in err and "not a decodable image" in err
    assert [json.loads(line)["image"] for line in out.splitlines()] == [str(good)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "nowhere/model.onnx"], "not found"),
        (["--conf", "1.5"], "conf must be in"),
        (["--backend", "tensorrt"], "unknown backend 'tensorrt'"),
    ],
)
def test_detect_usage_errors_exit_2(
    registry: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    image = write_image(tmp_path / "a.jpg")
    argv = ["detect", str(image), "--model", str(registry / "current"), *args]
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_data_check_reports_every_bad_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "labels").mkdir()
    for name in ("a", "b"):
        write_image(tmp_path / "images" / f"{name}.jpg")
    (tmp_path / "labels" / "a.txt").write_text("0 0.5 0.5 0.1 0.1\n99 0.5 0.5 0.1 0.1\n")
    (tmp_path / "labels" / "b.txt").write_text("0 0.5 0.5 0.1\n")
    (tmp_path / "data.yaml").write_text("train: images\nval: images\nnames: [car, bus]\n")
    assert main(["data", "check", str(tmp_path / "data.yaml")]) == 1
    out = capsys.readouterr().out
    assert "a.txt:2" in out and "b.txt:1" in out


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("detect", "serve", "data", "train", "eval", "export"):
        assert command in out


def test_data_import_single_source_with_class_map(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    images = tmp_path / "voc" / "JPEGImages"
    images.mkdir(parents=True)
    write_image(images / "v1.jpg", 200, 100)
    (tmp_path / "voc" / "Annotations").mkdir()
    (tmp_path / "voc" / "Annotations" / "v1.xml").write_text(
        "<annotation><size><width>200</width><height>100</height></size>"
        "<object><name>bike</name><bndbox><xmin>0</xmin><ymin>0</ymin><xmax>50</xmax>"
        "<ymax>100</ymax></bndbox></object><object><name>window</name><bndbox><xmin>60</xmin>"
        "<ymin>0</ymin><xmax>90</xmax><ymax>40</ymax></bndbox></object></annotation>"
    )
    class_map = tmp_path / "map.yaml"
    class_map.write_text("bike: two_wheeler\nwindow: null\n")
    out = tmp_path / "out"
    argv = ["data", "import", "--src", str(tmp_path / "voc"), "--format", "voc"]
    argv += ["--class-map", str(class_map), "--licence", "CC0", "--out", str(out)]
    assert main(argv) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sources"][0]["dropped_boxes"] == {"window": 1}
    assert manifest["sources"][0]["boxes"] == {"two_wheeler": 1}
    assert "two_wheeler" in capsys.readouterr().out
    assert main(["data", "check", str(out / "data.yaml")]) == 0


def test_links_use_the_address_the_server_listens_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from serve.cli import with_public_url
    from serve.config.settings import Settings

    monkeypatch.delenv("STREETWATCH_PUBLIC_URL", raising=False)
    plain = Settings(data_dir=tmp_path)
    assert with_public_url(plain, "127.0.0.1", 8080).public_url == "http://127.0.0.1:8080"
    assert with_public_url(plain, "::1", 9000).public_url == "http://[::1]:9000"
    lan = with_public_url(plain, "0.0.0.0", 8000).public_url
    assert lan.startswith("http://") and lan.endswith(":8000") and "0.0.0.0" not in lan
    # set by the operator (behind a proxy, say): kept as set
    monkeypatch.setenv("STREETWATCH_PUBLIC_URL", "https://sw.cg.local")
    told = Settings(data_dir=tmp_path)
    assert with_public_url(told, "0.0.0.0", 8000).public_url == "https://sw.cg.local"
    assert (
        with_public_url(Settings(data_dir=tmp_path, public_url="https://a.b"), "h", 1).public_url
        == "https://a.b"
    )
