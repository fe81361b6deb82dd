"""The vendored browser libraries are what ``vendor.json`` says: every file listed with
its hash, each package with its licence, nothing unlisted."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from serve.ui.routes import STATIC_DIR

VENDOR = STATIC_DIR / "vendor"


def test_vendored_files_match_their_manifest() -> None:
    manifest = json.loads((VENDOR / "vendor.json").read_text())
    listed: set[Path] = set()
    for folder, meta in manifest.items():
        assert meta["version"] and meta["licence"], folder
        assert "LICENSE" in meta["files"], f"{folder} has no licence file"
        for name, digest in meta["files"].items():
            path = VENDOR / folder / name
            assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, path
            listed.add(path)
        assert f"| {meta['version']} |" in (VENDOR / "VENDORED.md").read_text(), folder
    present = {p for p in VENDOR.rglob("*") if p.is_file() and p.parent != VENDOR}
    assert present == listed, sorted(map(str, present ^ listed))
