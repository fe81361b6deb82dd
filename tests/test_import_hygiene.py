"""The serving path must never pull in torch or ultralytics (AGPL, heavy, training-only)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest

HEAVY = ("torch", "torchvision", "ultralytics", "openvino")


def run_and_list_modules(code: str) -> set[str]:
    probe = textwrap.dedent(code) + textwrap.dedent(
        """
        import sys
        print("MODULES", " ".join(sorted({m.split(".")[0] for m in sys.modules})))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("MODULES"))
    return set(line.split()[1:])


@pytest.mark.parametrize(
    "code",
    [
        "import detector, detector.model, detector.backends",
        "import serve, serve.app, serve.cli; serve.cli.build_parser()",
    ],
    ids=["import-detector", "import-serve-and-build-cli"],
)
def test_imports_stay_light(code: str) -> None:
    loaded = run_and_list_modules(code)
    assert not loaded & set(HEAVY), f"imported {sorted(loaded & set(HEAVY))}"


def test_detect_command_stays_light(tmp_path: Path, reference_model: Path) -> None:
    image = tmp_path / "street.jpg"
    cv2.imwrite(str(image), np.full((240, 320, 3), 127, np.uint8))
    loaded = run_and_list_modules(
        f"""
        from serve.cli import main
        assert main(["detect", {str(image)!r}, "--model", {str(reference_model)!r}, "--json"]) == 0
        """
    )
    assert "onnxruntime" in loaded
    assert not loaded & set(HEAVY), f"imported {sorted(loaded & set(HEAVY))}"


def test_serve_app_starts_light(reference_model: Path, tmp_path: Path) -> None:
    """The whole embedded default, demo camera included, runs without the training stack."""
    loaded = run_and_list_modules(
        f"""
        from pathlib import Path
        from fastapi.testclient import TestClient
        from serve.app import create_app
        from serve.config.settings import Settings
        TOKEN = "import-hygiene-admin-token-0123456789"
        settings = Settings(
            model=Path({str(reference_model)!r}),
            data_dir=Path({str(tmp_path)!r}),
            admin_token=TOKEN,
        )
        auth = {{"Authorization": "Bearer " + TOKEN}}
        with TestClient(create_app(settings), headers=auth) as client:
            assert client.get("/healthz").status_code == 200
            assert client.get("/v1/cameras/demo").status_code == 200
        """
    )
    assert not loaded & set(HEAVY), f"imported {sorted(loaded & set(HEAVY))}"
