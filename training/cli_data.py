"""`streetwatch data ...`: synthesise, import, build, check, pack and export reviewed data.

Handlers import their modules only when run, so registering them costs nothing.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


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


def _export(args: argparse.Namespace) -> int:
    from training.dataset_export import export_dataset

    counts = export_dataset(args.data, args.out, args.format, tuple(args.split))
    for split, c in counts.items():
        print(f"{split:<10} {c['images']:>6} images {c['objects']:>7} objects ({args.format})")
    print(f"exported to {args.out}")
    return 0


def register_data(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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

    p = dsub.add_parser(
        "export",
        help="a YOLO dataset as COCO, Pascal VOC or a standalone YOLO copy (CVAT, Label Studio)",
    )
    p.add_argument("data", type=Path, help="data.yaml of a built, imported or reviews dataset")
    p.add_argument("--format", choices=["coco", "voc", "yolo"], required=True)
    p.add_argument("--out", type=Path, required=True, help="a new, empty folder")
    p.add_argument("--split", nargs="+", default=["train", "val"], help="splits to write")
    p.set_defaults(func=_export)

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
