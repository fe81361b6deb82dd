"""The whole learning loop, through a running service: frames -> draft cases -> reviews over
the API -> `data from-reviews` -> a one-epoch fine-tune -> `promote` -> the service swaps in
the promoted model without a restart."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest
import yaml
from fastapi.testclient import TestClient

from detector.taxonomy import load_taxonomy
from serve.app import create_app
from serve.cli import main
from serve.config.cameras import PushSource
from serve.config.settings import Settings
from serve.demo import demo_camera, demo_expectations, ensure_demo_clip
from tests.serve.service import ADMIN_HEADERS, ADMIN_TOKEN, T0
from tests.serve.test_demo import read_frames

Frame = npt.NDArray[np.uint8]
Box = tuple[float, float, float, float]

# the loop starts from the 0.1.0 reference weights by name (trained at 384 px), whatever
# models/current names: exported at 448 px they find the demo clip's car and stall but
# not its banner, at 384 px all three. The test needs that blind spot, not the best model.
LOOP_WEIGHTS = Path(__file__).resolve().parents[1] / "models" / "streetwatch-yolo-0.1.0"
CURRENT_IMGSZ, FINE_TUNE_IMGSZ = 448, 384
# ... and on the demo clip's first looks (v1: a fruit mat and banner look 4), on which those
# blind spots were measured; the served demo has since chosen looks that 0.2.x finds too
V1_STALL, V1_BANNER = 873, 4


@pytest.fixture(autouse=True)
def v1_demo_looks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import training.synth.demo as synth_demo
    from training.demo_check import demo_clip

    v1 = dataclasses.replace(synth_demo.SCRIPT, stall_look=V1_STALL, banner_look=V1_BANNER)
    monkeypatch.setattr(synth_demo, "SCRIPT", v1)
    demo_clip.cache_clear()  # the promotion check's rendered clip: v1 here, and only here
    yield
    demo_clip.cache_clear()


BEFORE_SWAP_S = 35.0  # clip seconds pushed before the reviews (car and stall cases open)


def write_clip_dataset(root: Path, splits: dict[str, Sequence[tuple[int, float]]]) -> Path:
    """A YOLO dataset of demo clips labelled with their script's own boxes.

    ``splits`` maps a split to clips, each (seed, frames per second): every frame of the
    minute-long clip rendered with that seed (other looks and scenery, the same script)."""
    from training.synth.demo import render_demo_clip

    names = load_taxonomy().names
    for split, clips in splits.items():
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for seed, fps in clips:
            clip = render_demo_clip(seed=seed, fps=fps)
            w, h = clip.size
            for k, frame in enumerate(clip.frames):
                lines = [
                    f"{names.index(o.class_name)} {(x0 + x1) / 2 / w:.6f} "
                    f"{(y0 + y1) / 2 / h:.6f} {(x1 - x0) / w:.6f} {(y1 - y0) / h:.6f}\n"
                    for o in clip.objects
                    for t, (x0, y0, x1, y1) in o.track
                    if t == k / fps
                ]
                stem = f"demo{seed}-{k:03d}"
                cv2.imwrite(str(root / "images" / split / f"{stem}.jpg"), frame)
                (root / "labels" / split / f"{stem}.txt").write_text("".join(lines))
    spec = {split: f"images/{split}" for split in splits} | {"names": dict(enumerate(names))}
    (root / "data.yaml").write_text(yaml.safe_dump(spec))
    return root / "data.yaml"


def push_camera_config(data_dir: Path, path: Path) -> Path:
    """The demo camera (its zones and rule times), fed by pushed frames instead of its file."""
    camera = demo_camera(data_dir).model_copy(update={"source": PushSource()})
    path.write_text(yaml.safe_dump([camera.model_dump(mode="json")], allow_unicode=True))
    return path


class Camera:
    """Pushes the clip's frames to the service in clip time, as a camera gateway would."""

    def __init__(self, client: TestClient, frames: Sequence[Frame]) -> None:
        self.client = client
        self.frames = frames
        self.next = 0
        self.offset_s = 0.0

    def push_until(self, seconds: float) -> list[int]:
        """Push frames up to ``seconds`` into the clip; the ids of the cases they opened."""
        opened: list[int] = []
        while self.next < len(self.frames) and self.next / 2.0 < seconds:
            ok, jpeg = cv2.imencode(".jpg", self.frames[self.next])
            assert ok
            at = T0 + dt.timedelta(seconds=self.offset_s + self.next / 2.0)
            r = self.client.post(
                "/v1/cameras/demo/frames",
                files={"image": ("f.jpg", jpeg.tobytes(), "image/jpeg")},
                data={"timestamp": at.isoformat()},
            )
            assert r.status_code == 200, r.text
            opened += r.json()["cases_opened"]
            self.next += 1
        return opened

    def replay_after(self, gap_s: float) -> list[int]:
        """The whole clip again, ``gap_s`` after the last frame: the scene set up anew."""
        self.offset_s += self.next / 2.0 + gap_s
        self.next = 0
        return self.push_until(len(self.frames) / 2.0)


def cases_by_label(client: TestClient) -> dict[str, dict[str, Any]]:
    r = client.get("/v1/cases", params={"limit": 500})
    assert r.status_code == 200, r.text
    found = r.json()["data"]
    by_label = {c["label"]: c for c in found}
    assert len(by_label) == len(found), f"one case per object expected, got {found}"
    return by_label


def wait_for(what: str, condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


@pytest.mark.slow
@pytest.mark.train
def test_reviews_fine_tune_promote_and_hot_swap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's full loop on synthetic data, through the service's HTTP API.

    Setup. The registry's current model, ``sw-0.1.0``, holds the 0.1.0 reference weights
    (trained at 384 px) exported for 448-px input, with ``model.pt`` kept for fine-tuning.
    Its card is scored on a frozen validation set: the demo script rendered with another
    seed (other looks and scenery), labelled with the script's own boxes. At 448 px the
    weights open car and stall cases on the demo clip but never the banner (outdoor_ad
    AP50 0.43 on the frozen set). ``sw-0.1.1`` is the same weights exported the same way:
    a twin, never better, so `promote` refuses it. The fine-tune trains and exports at
    384 px, where the weights find the banner (AP50 about 0.99); with six earlier frames
    and the reviewed ones it is one batch, so it stays close to the reference weights and
    its overall mAP50 on the frozen set is about 0.94 against current's 0.78. Per class
    that single batch is not stable (car AP50 0.84 against 0.91 here), so the candidate is
    held to overall mAP50 only (``--min-boxes 50``: every class has 30-42 frozen boxes).
    The promotion is therefore decided by the current model's export size, not by what one
    epoch learns; every number is measured, none is set by the test.

    Steps: push the first 35 s of the demo clip -> two drafts (car, stall) by sw 0.1.0 ->
    over the API, confirm the car with the whole car's box (0.1.0 cuts its roof off) and
    reject the stall as a false positive -> `data from-reviews` on the service's data dir
    -> `train --base models/current --data earlier --merge reviews` for one epoch ->
    `export` as sw 0.2.0 -> `promote` the twin (refused) and the fine-tune (promoted) ->
    the watcher swaps it in: ``/healthz`` says 0.2.0, and the clip replayed an hour later
    opens cases recorded as sw 0.2.0, while the earlier cases keep 0.1.0.
    """
    pytest.importorskip("ultralytics")
    from training.export import ExportConfig, export_model

    started = time.monotonic()
    registry = tmp_path / "models"
    frozen = write_clip_dataset(tmp_path / "frozen", {"val": [(1, 2 / 3)]})
    earlier = write_clip_dataset(
        tmp_path / "earlier",
        {"train": [(2, 0.1)], "val": [(3, 1 / 30)]},
    )
    weights = tmp_path / "reference" / "weights" / "best.pt"
    weights.parent.mkdir(parents=True)
    shutil.copyfile(LOOP_WEIGHTS / "model.pt", weights)
    for version in ("0.1.0", "0.1.1"):
        export_model(
            ExportConfig(
                weights=weights,
                name="sw",
                version=version,
                registry=registry,
                imgsz=CURRENT_IMGSZ,
                eval_data=frozen,
                set_current=version == "0.1.0",
                keep_pt=True,
            )
        )
    assert (registry / "current").read_text().strip() == "sw-0.1.0"

    data_dir = tmp_path / "service"
    frames = read_frames(ensure_demo_clip(data_dir))
    settings = Settings(
        data_dir=data_dir,
        model=registry / "current",
        config=push_camera_config(data_dir, tmp_path / "cameras.yaml"),
        demo=False,
        model_poll_s=0.2,
        admin_token=ADMIN_TOKEN,
    )
    with TestClient(create_app(settings), headers=ADMIN_HEADERS) as client:

        def serving() -> str:
            version: str = client.get("/healthz").json()["model"]["version"]
            return version

        assert serving() == "0.1.0"
        camera = Camera(client, frames)

        # frames -> draft cases, by the current model
        opened = camera.push_until(BEFORE_SWAP_S)
        drafts = cases_by_label(client)
        assert set(drafts) == {"car", "stall"}, "sw 0.1.0 does not see the banner"
        assert sorted(opened) == sorted(c["id"] for c in drafts.values())
        for case in drafts.values():
            assert case["status"] == "draft"
            assert (case["model"]["name"], case["model"]["version"]) == ("sw", "0.1.0")

        # decisions through the API
        car_box = next(e.box for e in demo_expectations(data_dir) if e.label == "car")
        # the same car, but sw 0.1.0 cuts its roof off: the reviewer draws the whole car
        assert 0.3 < iou(drafts["car"]["box"], car_box) < 0.9
        r = client.post(
            f"/v1/cases/{drafts['car']['id']}/review",
            json={"decision": "confirm", "box": list(car_box)},
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "confirmed" and r.json()["box"] == list(car_box)
        r = client.post(
            f"/v1/cases/{drafts['stall']['id']}/review",
            json={"decision": "reject", "reason": "false_positive"},
        )
        assert r.status_code == 200 and r.json()["status"] == "rejected", r.text

        # reviews -> a dataset -> a one-epoch fine-tune of the current model
        reviews = tmp_path / "reviews"
        argv = ["data", "from-reviews", "--data-dir", str(data_dir), "--out", str(reviews)]
        assert main(argv) == 0
        counts = json.loads((reviews / "manifest.json").read_text())["counts"]
        assert (counts["positives"], counts["hard_negatives"]) == (1, 1)
        merged = tmp_path / "merged"
        argv = ["train", "--base", str(registry / "current"), "--data", str(earlier)]
        argv += ["--merge", str(reviews / "data.yaml"), "--merged-out", str(merged)]
        argv += ["--epochs", "1", "--imgsz", str(FINE_TUNE_IMGSZ), "--batch", "8"]
        argv += ["--workers", "0", "--project", str(tmp_path / "runs"), "--name", "ft"]
        assert main(argv) == 0
        run = tmp_path / "runs" / "ft"
        record = json.loads((run / "streetwatch_run.json").read_text())
        assert record["transfer"]["matched"] == record["transfer"]["base_tensors"]
        assert len((run / "results.csv").read_text().splitlines()) == 2, "one epoch"
        argv = ["export", "--weights", str(run / "weights" / "best.pt"), "--name", "sw"]
        argv += ["--version", "0.2.0", "--registry", str(registry)]
        assert main([*argv, "--eval-data", str(merged / "data.yaml")]) == 0

        # promote: the twin is refused, the fine-tune promoted
        current = str(registry / "current")
        capsys.readouterr()
        assert main(["promote", str(registry / "sw-0.1.1"), "--current", current]) == 1
        assert "is not better than current" in capsys.readouterr().out
        # each class has 30-42 frozen boxes: --min-boxes 50 holds none, overall mAP50 decides;
        # the reviewers rejected the demo's stall, so the fine-tune rightly unlearns it: the
        # demo-clip check (which would refuse it for that) is not for this registry
        argv = ["promote", str(registry / "sw-0.2.0"), "--current", current, "--min-boxes", "50"]
        argv.append("--no-demo-check")
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert "PROMOTED" in out, out
        decision = json.loads((registry / "sw-0.2.0" / "promotion.json").read_text())
        assert decision["sets_from"] == "sw-0.1.0/card.json" and decision["demo"] is None
        frozen_all = decision["sets"]["all"]
        assert frozen_all["images"] == 40
        ad = {m: frozen_all[m]["per_class"]["outdoor_ad"]["ap50"] for m in ("current", "candidate")}
        assert ad["candidate"] > ad["current"] + 0.3, ad
        assert (registry / "current").read_text().strip() == "sw-0.2.0"
        log = (registry / "promotions.jsonl").read_text().splitlines()
        assert [json.loads(line)["verdict"] for line in log] == ["refused", "promoted"]

        # the running service swaps the model in, and new frames make cases with it
        wait_for("the promoted model", lambda: serving() == "0.2.0")
        # an hour later the street fills again from empty: the cases that opens are sw 0.2.0's
        opened = camera.replay_after(3600.0)
        assert opened, "the promoted model opens cases"
        for case_id in opened:
            case = client.get(f"/v1/cases/{case_id}").json()
            assert (case["model"]["name"], case["model"]["version"]) == ("sw", "0.2.0")
        for case in drafts.values():
            r = client.get(f"/v1/cases/{case['id']}")
            assert r.json()["model"]["version"] == "0.1.0", "a case keeps the model that opened it"
    print(f"learning loop: {time.monotonic() - started:.0f} s")
