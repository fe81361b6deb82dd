"""What a model card promises on real photos, and how the card says it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from training.card import render_card
from training.export import real_data_capabilities

CARD = Path(__file__).resolve().parents[2] / "models" / "streetwatch-yolo-0.2.2" / "card.json"
MANIFEST = {"sources": [{"name": "vehicles"}, {"name": "synth", "synthetic": True}]}


def per_class(ap50: float, n_gt: int, recall: float | None) -> dict[str, Any]:
    row: dict[str, Any] = {"ap50": ap50, "n_gt": n_gt}
    if recall is not None:
        row["recall_at_serving"] = recall
    return row


def metrics(**classes: dict[str, Any]) -> dict[str, Any]:
    return {
        "vehicles": {"metrics": {"per_class": classes}},
        "synth": {"metrics": {"per_class": {"car": per_class(0.9, 500, 0.9)}}},
    }


def test_a_class_is_promised_on_ap50_and_recall_at_the_serving_confidence() -> None:
    caps = real_data_capabilities(
        metrics(
            car=per_class(0.83, 1502, 0.79),
            bus=per_class(0.34, 34, 0.26),  # ranked well, mostly below the serving confidence
            truck=per_class(0.36, 48, 0.40),
            two_wheeler=per_class(0.09, 53, 0.04),
            stall=per_class(0.9, 5, 0.9),  # too few real boxes to promise anything
        ),
        MANIFEST,
    )
    assert {c: v["reliable"] for c, v in caps.items()} == {
        "car": True,
        "bus": False,
        "truck": True,
        "two_wheeler": False,
        "stall": False,
    }
    # a synthetic set is never where a real-photo promise is judged
    assert caps["car"] == {
        "val_set": "vehicles",
        "ap50": 0.83,
        "recall_at_serving": 0.79,
        "n_gt": 1502,
        "reliable": True,
    }


def test_a_card_without_recall_at_serving_keeps_its_ap50_rule() -> None:
    caps = real_data_capabilities(metrics(bus=per_class(0.34, 34, None)), MANIFEST)
    assert caps["bus"]["reliable"] and caps["bus"]["recall_at_serving"] is None


def test_the_card_shows_the_recall_its_promise_rests_on() -> None:
    caps = real_data_capabilities(
        metrics(car=per_class(0.83, 1502, 0.79), bus=per_class(0.34, 34, 0.26)), MANIFEST
    )
    card = json.loads(CARD.read_text(encoding="utf-8"))
    text = render_card({**card, "real_data_capabilities": caps})
    assert "| car | vehicles | 1502 | 0.830 | 0.790 | yes |" in text
    assert "| bus | vehicles | 34 | 0.340 | 0.260 | no |" in text
