"""Head rows of classes a base never saw restart; nothing else changes."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

pytestmark = pytest.mark.train


def test_reset_rows_of_unseen_classes_only(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("ultralytics")
    from ultralytics.nn.tasks import DetectionModel

    from training.head import checkpoint_with_reset_rows

    model = DetectionModel(cfg="yolov8n.yaml", nc=3, verbose=False)
    model.names = {0: "car", 1: "flyer", 2: "graffiti"}
    with torch.no_grad():
        for seq in model.model[-1].cv3:
            seq[-1].bias[:] = -13.0  # what training without a box of a class does
    base = tmp_path / "base.pt"
    torch.save({"model": model.half(), "ema": None, "epoch": -1}, base)
    before = torch.load(base, map_location="cpu", weights_only=False)["model"].float().state_dict()

    out = checkpoint_with_reset_rows(base, ["flyer"], tmp_path / "reset.pt")
    after_model = torch.load(out, map_location="cpu", weights_only=False)["model"].float()
    after = after_model.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed == {f"model.22.cv3.{i}.2.{p}" for i in range(3) for p in ("weight", "bias")}
    for level, seq in enumerate(after_model.model[-1].cv3):
        bias = seq[-1].bias
        stride = float(after_model.model[-1].stride[level])
        assert bias[1].item() == pytest.approx(math.log(5 / 3 / (640 / stride) ** 2), abs=1e-2)
        assert bias[0].item() == bias[2].item() == pytest.approx(-13.0)
        assert not torch.equal(seq[-1].weight[1], before[f"model.22.cv3.{level}.2.weight"][1])

    with pytest.raises(ValueError, match=r"\['stall'\]: not classes of the base model"):
        checkpoint_with_reset_rows(base, ["stall"], tmp_path / "x.pt")


def test_a_head_grows_to_classes_added_at_the_end(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("ultralytics")
    from ultralytics.nn.tasks import DetectionModel

    from training.head import checkpoint_with_grown_head

    model = DetectionModel(cfg="yolov8n.yaml", nc=2, verbose=False)
    model.names = {0: "car", 1: "garbage_bin"}
    base = tmp_path / "base.pt"
    torch.save({"model": model.half(), "ema": None, "epoch": -1}, base)
    before = torch.load(base, map_location="cpu", weights_only=False)["model"].float()

    names = ["car", "garbage_bin", "materials", "garbage_bag"]
    out = checkpoint_with_grown_head(base, names, tmp_path / "grown.pt")
    assert out is not None
    grown = torch.load(out, map_location="cpu", weights_only=False)["model"].float()
    head = grown.model[-1]
    assert (head.nc, head.no, grown.names) == (4, 4 + 16 * 4, dict(enumerate(names)))
    for level, (old, new) in enumerate(zip(before.model[-1].cv3, head.cv3, strict=True)):
        assert new[-1].weight.shape[0] == 4
        assert torch.equal(new[-1].weight[:2], old[-1].weight), "known classes' rows kept"
        assert torch.equal(new[-1].bias[:2], old[-1].bias)
        prior = math.log(5 / 4 / (640 / float(head.stride[level])) ** 2)
        assert new[-1].bias[2].item() == pytest.approx(prior, abs=1e-2)
    # every other tensor is the base's
    same = {k for k, v in before.state_dict().items() if ".cv3." not in k}
    assert all(torch.equal(before.state_dict()[k], grown.state_dict()[k]) for k in same)
    out_shape = grown.eval()(torch.zeros(1, 3, 64, 64))[0].shape
    assert out_shape[1] == 4 + 4, "boxes and four class scores per anchor"

    assert checkpoint_with_grown_head(base, ["car", "garbage_bin"], tmp_path / "x.pt") is None
    assert checkpoint_with_grown_head(base, ["bus", "car", "x"], tmp_path / "y.pt") is None
