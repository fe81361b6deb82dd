"""Training-side subcommands of `streetwatch`: data, train, eval, export, promote.

Handlers import their modules (and torch/ultralytics) only when run, so
registering them costs nothing for `streetwatch serve` and `streetwatch detect`.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _argv(args: argparse.Namespace) -> list[str]:
    """The command as typed (`serve.cli.main` records it; sys.argv when run otherwise)."""
    argv = getattr(args, "argv", None)
    return list(argv) if argv else ["streetwatch", *sys.argv[1:]]


def _synth(args: argparse.Namespace) -> int:
    from training.synth import generate_dataset

    report = generate_dataset(
        args.out,
        args.count,
        args.seed,
        image_size=(args.width, args.height),
        backgrounds=args.backgrounds,
        background_ratio=args.background_ratio,
        sequences=args.sequences,
        sequence_length=args.sequence_length,
    )
    print(f"wrote {report.images} images, {report.sequences} sequences to {args.out}")
    for name, n in report.boxes.items():
        print(f"  {name:<17} {n}")
    return 0


def _print_counts(manifest: dict[str, Any]) -> None:
    for split, info in manifest["splits"].items():
        print(f"{split}: {info['images']} images")
        for name, n in info["boxes"].items():
            print(f"  {name:<17} {n}")
    print("classes with real data:", ", ".join(manifest["classes_with_real_data"]) or "none")
    print("classes synthetic only:", ", ".join(manifest["classes_synthetic_only"]) or "none")


def _import(args: argparse.Namespace) -> int:
    from training.importer import import_recipe
    from training.recipe import Recipe, SourceSpec, load_recipe

    if args.recipe:
        recipe, recipe_dir = load_recipe(args.recipe), args.recipe.resolve().parent
    else:
        if not args.src or not args.class_map:
            raise ValueError("give --recipe FILE, or --src PATH with --class-map FILE")
        import yaml

        class_map = yaml.safe_load(args.class_map.read_text(encoding="utf-8"))
        spec = SourceSpec(
            name=args.name or args.src.stem.lower(),
            path=str(args.src.resolve()),
            format=args.format,
            images_dir=str(args.images_dir.resolve()) if args.images_dir else None,
            licence=args.licence,
            class_map=class_map,
        )
        recipe, recipe_dir = Recipe(name=spec.name, sources=[spec]), Path.cwd()
    manifest = import_recipe(
        recipe, recipe_dir, args.out, recipe_path=str(args.recipe) if args.recipe else None
    )
    print(f"imported {recipe.name!r} into {args.out}")
    _print_counts(manifest)
    return 0


def _build(args: argparse.Namespace) -> int:
    from training.build import build_dataset

    manifest = build_dataset(args.recipe, args.out)
    print(f"built {manifest['name']!r} into {args.out}")
    _print_counts(manifest)
    return 0


def _check(args: argparse.Namespace) -> int:
    from training.dataset_check import check_dataset
    from training.yolo_dataset import load_data_yaml

    report = check_dataset(load_data_yaml(args.data))
    print(report.format())
    return 0 if report.ok else 1


def _pack(args: argparse.Namespace) -> int:
    from training.pack import PackSettings, pack_dataset

    record = pack_dataset(
        args.data,
        args.out,
        settings=PackSettings(args.max_side, args.quality, args.format),
        budget_mib=args.budget_mib,
    )
    s = record["settings"]
    print(
        f"packed {record['images']} images into {args.out}: {record['total_bytes'] / 2**20:.1f} "
        f"MiB ({s['format']} q{s['quality']}, longest side {s['max_side']} px)"
    )
    for name, n in record["splits"].items():
        print(f"  {name:<20} {n}")
    return 0


def _from_reviews(args: argparse.Namespace) -> int:
    from training.reviews import export_reviews, load_cases

    if args.database is None and args.data_dir is None:
        raise ValueError("give --data-dir DIR (SQLite at DIR/streetwatch.db) or --database URL")
    if args.database is not None:
        url = args.database
    else:
        db_file = args.data_dir / "streetwatch.db"
        if not db_file.is_file():
            raise FileNotFoundError(f"--data-dir {args.data_dir}: no database at {db_file}")
        url = f"sqlite:///{db_file.resolve()}"
    evidence = args.evidence_dir or (args.data_dir / "evidence" if args.data_dir else None)
    if evidence is None:
        raise ValueError("with --database, give --evidence-dir (or --data-dir) for the frames")
    since = None
    if args.since:
        since = datetime.fromisoformat(args.since)
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
    from sqlalchemy.engine import make_url

    manifest = export_reviews(
        load_cases(url),
        evidence,
        args.out,
        val_fraction=args.val_fraction,
        since=since,
        source=make_url(url).render_as_string(hide_password=True),
    )
    counts = manifest["counts"]
    print(
        f"wrote {counts['images']['train']} train and {counts['images']['val']} val images "
        f"to {args.out}: {counts['positives']} positives, {counts['corrected']} corrected "
        f"classes, {counts['hard_negatives']} hard negatives from {counts['cases']} cases"
    )
    for reason, n in counts["skipped"].items():
        print(f"  skipped {n:>5}  {reason}")
    return 0


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
        ),
        argv=_argv(args),
    )
    print(f"exported {entry}")
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
    data = sub.add_parser("data", help="build, import, synthesise and check datasets")
    dsub = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")

    p = dsub.add_parser("synth", help="generate synthetic street scenes as a YOLO dataset")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=480)
    p.add_argument("--backgrounds", type=Path, help="YOLO dataset (taxonomy ids) of backdrops")
    p.add_argument("--background-ratio", type=float, default=0.3)
    p.add_argument("--sequences", type=int, default=0, help="short frame sequences to write")
    p.add_argument("--sequence-length", type=int, default=12)
    p.set_defaults(func=_synth)

    p = dsub.add_parser("import", help="merge YOLO/COCO/VOC sources into one YOLO dataset")
    p.add_argument("--recipe", type=Path, help="recipe YAML naming sources and class maps")
    p.add_argument("--src", type=Path, help="one source: YOLO dir, COCO json or VOC dir")
    p.add_argument("--format", choices=["yolo", "coco", "voc"], default="yolo")
    p.add_argument("--images-dir", type=Path, help="COCO images folder")
    p.add_argument("--class-map", type=Path, help="YAML: source class -> taxonomy class|null")
    p.add_argument("--name", help="source name (default: folder name)")
    p.add_argument("--licence", default="unknown")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=_import)

    p = dsub.add_parser("build", help="synthesise + import everything a recipe names")
    p.add_argument("recipe", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=_build)

    p = dsub.add_parser("from-reviews", help="reviewed cases -> YOLO dataset (hard negatives too)")
    p.add_argument(
        "--data-dir", type=Path, help="the service's data dir (streetwatch.db, evidence)"
    )
    p.add_argument("--database", help="SQLAlchemy URL instead of DIR/streetwatch.db")
    p.add_argument("--evidence-dir", type=Path, help="default: DATA_DIR/evidence")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--val-fraction", type=float, default=0.2)
    p.add_argument("--since", help="only cases reviewed at or after (ISO-8601; no offset: UTC)")
    p.set_defaults(func=_from_reviews)

    p = dsub.add_parser("check", help="validate a YOLO dataset; report every bad label line")
    p.add_argument("data", type=Path, help="data.yaml")
    p.set_defaults(func=_check)

    p = dsub.add_parser(
        "pack", help="a compact copy of a built dataset (re-encoded images) for a GPU machine"
    )
    p.add_argument("data", type=Path, help="data.yaml of a built dataset")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--max-side", type=int, default=512, help="longest image side (px)")
    p.add_argument("--quality", type=int, default=75)
    p.add_argument("--format", choices=["webp", "jpg"], default="webp")
    p.add_argument(
        "--budget-mib",
        type=float,
        help="fit the pack under this size, lowering quality, then the side, as needed",
    )
    p.set_defaults(func=_pack)

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
    p.set_defaults(func=_export)

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
    p.set_defaults(func=_promote)
