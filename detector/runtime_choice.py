"""Which runtime a service runs a model on when nobody says: chosen by measurement.

OpenVINO computes an f32 model in bf16 on CPUs that do bf16 natively (AMX, AVX-512 BF16):
about twice onnxruntime's frames per second on this project's benchmark machine
(``benchmarks/bench_cameras.py``). bf16 rounds, so a model earns it only by a check:
``streetwatch check-runtimes`` evaluates the model on its validation sets with
onnxruntime (f32, the reference) and with OpenVINO bf16 and records both in the model's
``card.json`` (``runtime_checks``). The measured choice is OpenVINO bf16 with a fixed input
shape where all of these hold, onnxruntime (by file suffix) otherwise, with the reason:

- the model is an ``.onnx`` file with a card whose check says bf16's mAP50 is within the
  check's tolerance (0.01) of f32 on every validation set;
- this CPU reports ``amx_bf16`` or ``avx512_bf16``;
- the ``openvino`` package is installed.

>>> choice = choose_runtime(Path("models/none.onnx"), flags=frozenset())
>>> choice.backend, choice.precision, choice.reason
('auto', None, 'no bf16 check in the model card (streetwatch check-runtimes)')
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from detector.errors import ModelLoadError
from detector.metadata import read_card

BF16 = "openvino bf16"  # the runtime_checks key of OpenVINO bf16
TOLERANCE = 0.01  # the largest mAP50 drop against f32 on any validation set


@dataclass(frozen=True)
class RuntimeChoice:
    """A backend and its options, and why (shown in the service's log and model info)."""

    backend: str  # "auto" (by file suffix) or a registered backend name
    precision: str | None = None
    fixed_shape: bool = False
    reason: str = ""

    @property
    def label(self) -> str:
        return self.backend if self.precision is None else f"{self.backend} {self.precision}"


@cache
def _cpuinfo(field: str) -> str:
    """A field of this CPU's first processor in Linux ``/proc/cpuinfo`` ("" elsewhere)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return ""
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == field:
            return value.strip()
    return ""


def cpu_flags() -> frozenset[str]:
    """This CPU's feature flags (empty where ``/proc/cpuinfo`` is not)."""
    return frozenset(_cpuinfo("flags").split())


def cpu_model() -> str:
    """This CPU's model name (empty where ``/proc/cpuinfo`` is not)."""
    return _cpuinfo("model name")


def bf16_isa(flags: frozenset[str]) -> str | None:
    """The instructions OpenVINO computes bf16 with on a CPU of these flags (AMX first),
    None where it has neither (bf16 would be emulated)."""
    return next((f for f in ("amx_bf16", "avx512_bf16") if f in flags), None)


def bf16_check(card: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether a card's ``runtime_checks`` clears bf16, and what it says."""
    checks = card.get("runtime_checks")
    entry = checks.get("runtimes", {}).get(BF16) if isinstance(checks, Mapping) else None
    if not isinstance(entry, Mapping):
        return False, "no bf16 check in the model card (streetwatch check-runtimes)"
    drop = entry.get("max_drop")
    tolerance = checks.get("tolerance", TOLERANCE) if isinstance(checks, Mapping) else TOLERANCE
    if not isinstance(drop, int | float) or not isinstance(tolerance, int | float):
        return False, "the model card's bf16 check has no numeric max_drop"
    if drop > min(float(tolerance), TOLERANCE):
        return False, f"bf16 lost {drop:.4f} mAP50 against f32 in the model card's check"
    return True, f"bf16 within {drop:.4f} mAP50 of f32 on every validation set"


def choose_runtime(
    model_path: Path,
    *,
    flags: frozenset[str] | None = None,
    openvino: bool | None = None,
) -> RuntimeChoice:
    """The measured choice for ``model_path`` (a model file) on this machine."""
    if model_path.suffix.lower() != ".onnx":
        return RuntimeChoice("auto", reason=f"{model_path.suffix} model: its own runtime")
    try:
        card = read_card(model_path)
    except ModelLoadError as exc:
        return RuntimeChoice("auto", reason=str(exc))
    ok, said = bf16_check(card)
    if not ok:
        return RuntimeChoice("auto", reason=said)
    if bf16_isa(cpu_flags() if flags is None else flags) is None:
        return RuntimeChoice("auto", reason="this CPU has no native bf16 (AMX or AVX-512 BF16)")
    if not (_has_openvino() if openvino is None else openvino):
        return RuntimeChoice("auto", reason="openvino is not installed")
    return RuntimeChoice("openvino", "bf16", True, f"{said}; this CPU does bf16 natively")


def _has_openvino() -> bool:
    return importlib.util.find_spec("openvino") is not None
