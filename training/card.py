"""Render a registry entry's ``card.json`` as the Markdown model card people read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _metrics_table(result: dict[str, Any]) -> list[str]:
    metrics = result.get("metrics", result)
    per_class = metrics.get("per_class", {})
    serving = metrics.get("serving_conf")
    at = f"@{serving:g}" if serving is not None else ""
    lines = [
        f"| class | images w/ GT | boxes | AP50 | AP50-95 | P | R | P{at} | R{at} | FP{at} |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, m in per_class.items():
        if not m.get("n_gt") and not m.get("fp_at_serving"):
            continue
        lines.append(
            f"| {name} | {m.get('n_images', '')} | {m['n_gt']} | {_fmt(m['ap50'])} | "
            f"{_fmt(m['ap50_95'])} | {_fmt(m.get('precision'))} | {_fmt(m.get('recall'))} | "
            f"{_fmt(m.get('precision_at_serving'))} | {_fmt(m.get('recall_at_serving'))} | "
            f"{m.get('fp_at_serving', '')} |"
        )
    boxes = sum(m.get("n_gt", 0) for m in per_class.values())
    fp_rate = metrics.get("fp_per_image_at_serving")
    ap50, ap = (
        (f"**{metrics.get('map50', 0):.3f}**", f"**{metrics.get('map50_95', 0):.3f}**")
        if boxes
        else ("-", "-")
    )
    lines.append(
        f"| **all** | {result.get('images', '')} | {boxes} | {ap50} | {ap} | | | | | "
        f"{'' if fp_rate is None else f'{fp_rate:.2f}/image'} |"
    )
    return lines


def _side_by_side(card: dict[str, Any]) -> list[str]:
    """AP50 per class and validation set: this model beside each compared one."""
    compared = card.get("compared") or []
    if not compared:
        return []
    me = f"{card['name']} {card['version']}"
    out = [
        "## Side by side",
        "",
        "AP50 on the same validation sets, measured by the same code in the same export "
        "(onnxruntime, conf 0.001); *Δ* is this model minus the first compared one.",
        "",
    ]
    heads = [me, *(f"`{c['model']}`" for c in compared)]
    for name, result in card.get("metrics", {}).items():
        rows = {c: m for c, m in result["metrics"]["per_class"].items() if m.get("n_gt")}
        if not rows:
            continue
        out += [
            f"### {_set_title(name)}",
            "",
            "| class | boxes | " + " | ".join(heads) + " | Δ |",
            "| --- | ---: | " + " | ".join("---:" for _ in heads) + " | ---: |",
        ]
        for cls, m in rows.items():
            theirs = [c["sets"].get(name, {}).get(cls, {}).get("ap50") for c in compared]
            delta = "-" if theirs[0] is None else f"{m['ap50'] - theirs[0]:+.3f}"
            cells = [_fmt(m["ap50"]), *(_fmt(t) for t in theirs)]
            out.append(f"| {cls} | {m['n_gt']} | " + " | ".join(cells) + f" | {delta} |")
        out.append("")
    return out


_SET_TITLES = {
    "all": "All validation images (real and synthetic)",
    "real": "Every real validation photo (all real sources)",
}


def _set_title(name: str) -> str:
    return _SET_TITLES.get(name, f"Validation set `{name}`")


def _runtime_checks(card: dict[str, Any]) -> list[str]:
    """The bf16 check the service's runtime choice reads (``streetwatch check-runtimes``)."""
    check = card.get("runtime_checks")
    if not check:
        return []
    out = [
        "## Runtimes",
        "",
        f"mAP50 per validation set against {check['reference']} (f32), measured "
        f"{check['at']} on `{check['data']}` (code `{check.get('git_revision')}`); a runtime "
        f"within {check['tolerance']} on every set may be the service's default.",
        "",
    ]
    for name, r in check["runtimes"].items():
        sets = ", ".join(
            f"{s} {r['map50'][s]:.4f} ({r['reference_map50'][s]:.4f})" for s in r["map50"]
        )
        verdict = "within tolerance" if r["ok"] else "NOT within tolerance"
        out += [f"- {name}: largest drop {r['max_drop']:.4f}, {verdict}. {sets}"]
        for isa, run in r.get("by_cpu", {}).items():
            cpu = f" ({run['model']})" if run.get("model") else ""
            sets = ", ".join(f"{s} {v:.4f}" for s, v in run["map50"].items())
            out += [
                f"  - on {isa}{cpu}, {run.get('at')}: largest drop {run['max_drop']:.4f}. {sets}"
            ]
        out += [""]
    return out


def render_card(card: dict[str, Any]) -> str:
    training = card.get("training", {})
    data = card.get("data", {})
    out = [
        f"# {card['name']} {card['version']}",
        "",
        f"Object detector for streetwatch, exported {card['created']}. "
        f"Architecture `{card.get('architecture')}`, input {card['imgsz'][0]}x{card['imgsz'][1]}, "
        f"taxonomy version {card.get('taxonomy_version')}.",
        "",
        "Classes (model id order): " + ", ".join(f"`{n}`" for n in card["names"]),
        "",
        "## Training data",
        "",
        "Real labelled data for: "
        + (", ".join(data.get("classes_with_real_data", [])) or "none")
        + ".",
        "",
        "**Synthetic data only** (procedural scenes, no real labelled photos yet; expect weak "
        "recall on real footage until reviewed camera frames supply labels) for: "
        + (", ".join(data.get("classes_synthetic_only", [])) or "none")
        + ".",
        "",
        "| source | licence | synthetic | train images | val images | boxes |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    for s in data.get("sources", []):
        images = s.get("images", {})
        synthetic = "yes" if s.get("synthetic") else "no"
        boxes = sum(s.get("boxes", {}).values())
        out.append(
            f"| {s['name']} | {s.get('licence', '')} | {synthetic} | "
            f"{images.get('train', 0)} | {images.get('val', 0)} | {boxes} |"
        )
    out += [
        "",
        "The images are not in this repository: `data_manifest.json` names every file "
        "by source path and SHA-256.",
        "",
        "## How it was made",
        "",
        "Reproduce with (from the repository root, `../shared` beside it; the dataset was "
        f"built at revision `{data.get('git_revision')}`, the model trained at "
        f"`{training.get('git_revision')}`: the synthetic scenes depend on the generator's code, "
        "so check out the dataset revision to rebuild the same images):",
        "",
        "```sh",
        f"streetwatch data build {data['recipe']} --out build/data/{data.get('name')}"
        if data.get("recipe")
        else "# data: see data_manifest.json",
        str(training.get("command") or "(training command not recorded)"),
        str(card.get("export_command") or ""),
        "```",
        "",
        f"Epochs completed: {training.get('epochs_completed')}; "
        f"training wall time: {training.get('wall_s')} s on the machine that trained it.",
    ]
    if card.get("base"):
        out.append(f"Fine-tuned from `{card['base']['path']}` (sha256 `{card['base']['sha256']}`).")
    if training.get("transfer"):
        t = training["transfer"]
        out.append(
            f"Fine-tuned: {t['matched']} of {t['model_tensors']} tensors transferred from the base."
        )
    capabilities = card.get("real_data_capabilities", {})
    if capabilities:
        out += [
            "",
            "## What it finds in real photos",
            "",
            "Each class on the real validation set holding most of its boxes. *Promised* means "
            "AP50 >= 0.3 and recall >= 0.4 at the serving confidence (R@), on at least 10 real "
            "boxes; `tests/test_reference_model.py` holds the model to it: on every validation "
            "photo of that set holding such an object, `streetwatch detect` (conf 0.25) must "
            "find one (IoU >= 0.5) in at least 40% of them.",
            "",
            "| class | validation set | boxes | AP50 | R@ | promised |",
            "| --- | --- | ---: | ---: | ---: | --- |",
            *[
                f"| {cls} | {c['val_set']} | {c['n_gt']} | {c['ap50']:.3f} | "
                f"{_fmt(c.get('recall_at_serving'))} | {'yes' if c['reliable'] else 'no'} |"
                for cls, c in capabilities.items()
            ],
        ]
    if card.get("notes"):
        out += ["", "## Caveats", "", *[f"- {n}" for n in card["notes"]]]
    metrics = card.get("metrics", {})
    if metrics:
        out += [
            "",
            "## Validation (onnxruntime backend, conf 0.001, NMS IoU 0.6)",
            "",
            "Validation photos are held out by photo: Roboflow copies and near-identical "
            "images of one photo stay on one side (`training/splits.py`). P and R are read at "
            "the confidence that maximises mean F1; P@, R@ and FP@ are counted at the serving "
            "confidence (the rules' default `min_confidence`, where a case opens), IoU 0.5.",
            "",
        ]
        for name, result in metrics.items():
            out += [f"### {_set_title(name)}", "", *_metrics_table(result), ""]
    out += _side_by_side(card)
    out += _runtime_checks(card)
    for r in card.get("rescored", []):
        out += [
            f"Re-measured {r['at']} on `{r['data']}` (code `{r.get('git_revision')}`): "
            f"{r['reason']}",
            "",
        ]
    out += [
        "## Files",
        "",
        *[f"- `{f}` sha256 `{h}`" for f, h in card.get("files", {}).items()],
        "",
    ]
    return "\n".join(out)


def write_card(entry: Path, card: dict[str, Any]) -> None:
    """Rewrite a registry entry's ``card.json`` and ``card.md`` (each atomically)."""
    for name, text in (
        ("card.json", json.dumps(card, indent=1, ensure_ascii=False)),
        ("card.md", render_card(card)),
    ):
        tmp = entry / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(entry / name)
