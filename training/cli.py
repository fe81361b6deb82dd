"""Training-side subcommands of `streetwatch`: data, train, eval, export, promote.

Handlers import their modules (and torch/ultralytics) only when run, so
registering them costs nothing for `streetwatch serve` and `streetwatch detect`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from training.cli_data import register_data


def _argv(args: argparse.Namespace) -> list[str]:
    """The command as typed (`serve.cli.main` records it; sys.argv when run otherwise)."""
    argv = getattr(args, "argv", None)
    return list(argv) if argv else ["streetwatch", *sys.argv[1:]]


def _train_overrides(pairs: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` strings as ultralytics arguments; values parsed as YAML scalars."""
    import yaml

    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set {pair!r}: expected KEY=VALUE")
        out[key.strip()] = yaml.safe_load(value)
    return out


def _train(args: argparse.Namespace) -> int:
    from training.train import TrainConfig, resume, train

    if args.resume:
        result = resume(args.resume, argv=_argv(args))
    else:
        data = args.data
        if args.merge:
            from training.merge import merge_for_training

            out = args.merged_out or Path("build/data") / f"{args.name}-merged"
            data = merge_for_training(base=args.base, data=args.data, merge=args.merge, out=out)
            print(f"training on the merged dataset {data}")
        if data is None:
            raise ValueError("--data is required unless --resume or --merge is given")
        cfg = TrainConfig(
            data=data,
            model=args.model,
            base=args.base,
            epochs=args.epochs,
            imgsz=args.imgsz,
            batch=args.batch,
            seed=args.seed,
            workers=args.workers,
            device=args.device,
            project=args.project,
            name=args.name,
            close_mosaic=args.close_mosaic,
            fraction=args.fraction,
            cache=args.cache,
            time_h=args.time,
            freeze=args.freeze,
            optimizer=args.optimizer,
            lr0=args.lr0,
            warmup_epochs=args.warmup_epochs,
            patience=args.patience,
            copy_to=args.copy_to,
            reset_classes=tuple(c for c in args.reset_classes.split(",") if c),
            extra=_train_overrides(args.set),
        )
        result = train(cfg, argv=_argv(args))
    print(f"best weights: {result.best} ({result.record['wall_s']:.0f} s)")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from detector.model import Detector
    from training.evaluate import evaluate
    from training.yolo_dataset import load_data_yaml

    detector = Detector.load(
        args.model, backend=args.backend, conf=args.conf, iou=args.iou, check_taxonomy=False
    )
    result = evaluate(
        detector,
        load_data_yaml(args.data),
        split=args.split,
        conf=args.conf,
        iou=args.iou,
        batch=args.batch,
    )
    print(result.table())
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result.to_dict(), indent=1, ensure_ascii=False))
        print(f"wrote {args.json}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from training.export import ExportConfig, export_model

    entry = export_model(
        ExportConfig(
            weights=args.weights,
            name=args.name,
            version=args.version,
            registry=args.registry,
            imgsz=args.imgsz,
            openvino=args.openvino,
            eval_data=args.eval_data,
            set_current=args.set_current,
            keep_pt=args.keep_pt,
            notes=tuple(args.note),
            compare=tuple(args.compare),
        ),
        argv=_argv(args),
    )
    print(f"exported {entry}")
    return 0


def _rescore(args: argparse.Namespace) -> int:
    from training.rescore import rescore_entry
    from training.valsets import registry_entry

    card = rescore_entry(registry_entry(args.entry), args.eval_data, args.reason, tuple(args.note))
    for name, result in card["metrics"].items():
        print(f"{name:<14} mAP50 {result['metrics']['map50']:.3f}  ({result['images']} images)")
    return 0


def _check_runtimes(args: argparse.Namespace) -> int:
    from training.runtime_check import check_runtimes
    from training.valsets import registry_entry

    check = check_runtimes(registry_entry(args.entry), args.eval_data)
    for name, r in check["runtimes"].items():
        verdict = "ok" if r["ok"] else "refused"
        print(f"{name}: largest mAP50 drop {r['max_drop']:.4f} against f32: {verdict}")
    return 0


def _promote(args: argparse.Namespace) -> int:
    from training.promote import PromoteConfig, promote

    decision = promote(
        PromoteConfig(
            candidate=args.candidate,
            current=args.current,
            data=tuple(args.data),
            tolerance=args.tolerance,
            min_boxes=args.min_boxes,
            dry_run=args.dry_run,
            demo_check=not args.no_demo_check,
        ),
        argv=_argv(args),
    )
    print(decision.table())
    verdict = decision.verdict.upper() + (" (dry run: nothing changed)" if args.dry_run else "")
    print(f"{verdict}: {args.candidate}")
    for reason in decision.reasons:
        print(f"  - {reason}")
    return 0 if decision.promote else 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    register_data(sub)
    p = sub.add_parser("train", help="train or fine-tune a detector (needs [train])")
    p.add_argument("--data", type=Path, help="data.yaml")
    p.add_argument("--model", default="yolov8n.yaml", help="model yaml to train from scratch")
    p.add_argument("--base", type=Path, help="checkpoint or registry entry to fine-tune from")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--imgsz", type=int, default=416)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--device", default="cpu", help="cpu, or a GPU: cuda:0 (AMP on)")
    p.add_argument(
        "--time",
        type=float,
        help="wall-clock budget in hours: the schedule fits the epochs to it and training "
        "stops when it is spent; best.pt and last.pt are saved after every epoch",
    )
    p.add_argument("--freeze", type=int, help="freeze the first N layers (10: the backbone)")
    p.add_argument(
        "--reset-classes",
        default="",
        metavar="A,B",
        help="classes the --base never saw a box of: their head rows start afresh",
    )
    p.add_argument("--optimizer", default="auto", help="SGD, AdamW, ... (auto: ultralytics')")
    p.add_argument("--lr0", type=float, help="initial learning rate")
    p.add_argument("--warmup-epochs", type=float)
    p.add_argument("--patience", type=int, default=50, help="epochs without improvement")
    p.add_argument(
        "--copy-to",
        type=Path,
        help="copy best.pt, last.pt and results.csv here after every epoch (a GPU "
        "machine's output folder, so a run cut off at its limit still returns its best)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other ultralytics training argument (repeatable), e.g. warmup_bias_lr=0",
    )
    p.add_argument("--project", type=Path, default=Path("runs/train"))
    p.add_argument("--name", default="streetwatch")
    p.add_argument("--close-mosaic", type=int, default=2)
    p.add_argument("--fraction", type=float, default=1.0, help="fraction of train images")
    p.add_argument("--cache", choices=["ram", "disk"], help="cache decoded training images")
    p.add_argument("--resume", type=Path, help="last.pt of an interrupted run")
    p.add_argument(
        "--merge",
        type=Path,
        action="append",
        default=[],
        metavar="DATA_YAML",
        help="add this dataset (repeatable) to --data, or to the --base entry's training data; "
        "the base's frozen validation sets are kept out of training",
    )
    p.add_argument("--merged-out", type=Path, help="default: build/data/<name>-merged")
    p.set_defaults(func=_train)

    p = sub.add_parser("eval", help="mAP per class of a model on a dataset")
    p.add_argument("--model", type=Path, required=True)
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--split", default="val")
    p.add_argument("--backend", default="auto")
    p.add_argument("--conf", type=float, default=0.001)
    p.add_argument("--iou", type=float, default=0.6)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--json", type=Path, help="write the metrics as JSON here")
    p.set_defaults(func=_eval)

    p = sub.add_parser("export", help="export weights to ONNX into the model registry")
    p.add_argument("--weights", type=Path, required=True, help="best.pt of a training run")
    p.add_argument("--name", default="streetwatch-yolo")
    p.add_argument("--version", required=True)
    p.add_argument("--registry", type=Path, default=Path("models"))
    p.add_argument("--imgsz", type=int, default=None, help="default: the training imgsz")
    p.add_argument("--openvino", action="store_true", help="also write OpenVINO IR")
    p.add_argument("--eval-data", type=Path, help="data.yaml whose val sets go into the card")
    p.add_argument("--set-current", action="store_true", help="point models/current at it")
    p.add_argument("--keep-pt", action="store_true", help="keep model.pt for fine-tuning")
    p.add_argument(
        "--note",
        action="append",
        default=[],
        help="a caveat the card must state (repeatable), e.g. what the base model saw",
    )
    p.add_argument(
        "--compare",
        type=Path,
        action="append",
        default=[],
        metavar="MODEL",
        help="also measure this model (registry entry or .onnx) on the --eval-data val sets "
        "and put its AP50 beside the new model's in the card (repeatable)",
    )
    p.set_defaults(func=_export)

    p = sub.add_parser(
        "rescore", help="re-measure a registry entry's card on today's validation data"
    )
    p.add_argument("entry", type=Path, help="registry entry, e.g. models/streetwatch-yolo-0.1.0")
    p.add_argument("--eval-data", type=Path, required=True, help="data.yaml to measure on")
    p.add_argument("--reason", required=True, help="why (kept in the card's history)")
    p.add_argument("--note", action="append", default=[], help="a caveat to add to the card")
    p.set_defaults(func=_rescore)

    p = sub.add_parser(
        "check-runtimes",
        help="measure a registry entry in OpenVINO bf16 against onnxruntime f32 and record "
        "in its card whether the service may run it in bf16",
    )
    p.add_argument("entry", type=Path, help="registry entry, e.g. models/streetwatch-yolo-0.1.0")
    p.add_argument("--eval-data", type=Path, required=True, help="data.yaml to measure on")
    p.set_defaults(func=_check_runtimes)

    p = sub.add_parser(
        "promote",
        help="make a registry entry current if it beats the current model on its frozen val sets",
        description="Exit status: 0 promoted, 1 refused, 2 error.",
    )
    p.add_argument(
        "candidate", type=Path, help="registry entry, e.g. models/streetwatch-yolo-0.2.0"
    )
    p.add_argument("--current", type=Path, default=Path("models/current"))
    p.add_argument(
        "--data",
        type=Path,
        action="append",
        default=[],
        help="evaluate on this data yaml's val sets instead of the current card's (repeatable)",
    )
    p.add_argument("--tolerance", type=float, default=0.02, help="AP50 a class may lose")
    p.add_argument("--min-boxes", type=int, default=10, help="classes with fewer are not held")
    p.add_argument("--dry-run", action="store_true", help="decide and print; change nothing")
    p.add_argument(
        "--no-demo-check",
        action="store_true",
        help="do not hold the candidate to the demo clip's culprits (for a registry whose "
        "reviewers judged the demo clip itself)",
    )
    p.set_defaults(func=_promote)
