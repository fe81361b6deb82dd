"""Prometheus metrics of the service, in a registry owned by each app (no globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, Info, generate_latest

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.frames_in = Counter(
            "streetwatch_frames_in",
            "Frames received per camera",
            ["camera"],
            registry=self.registry,
        )
        self.frames_processed = Counter(
            "streetwatch_frames_processed",
            "Frames processed per camera; inferred=false when the motion gate skipped inference",
            ["camera", "inferred"],
            registry=self.registry,
        )
        self.frame_errors = Counter(
            "streetwatch_frame_errors",
            "Frames refused or failed, by reason",
            ["camera", "reason"],
            registry=self.registry,
        )
        self.inference_seconds = Histogram(
            "streetwatch_inference_seconds",
            "Detector latency per frame",
            buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self.batch_frames = Histogram(
            "streetwatch_inference_batch_frames",
            "Frames per model call (cameras' frames batched together)",
            buckets=(1, 2, 3, 4, 6, 8, 12, 16, 32, 64),
            registry=self.registry,
        )
        self.stage_seconds = Histogram(
            "streetwatch_stage_seconds",
            "Wall time per stage of the per-frame path (decode, gate, scene, detect, track, "
            "rules, cases), summed over cameras",
            ["stage"],
            buckets=(0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )
        self.ocr_seconds = Histogram(
            "streetwatch_ocr_seconds",
            "Wall time of one text read on the OCR thread: a wall zone's sweep (zone) or a "
            "detected or scene candidate's crop (track, scene)",
            ["kind"],
            buckets=(0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0),
            registry=self.registry,
        )
        self.cases_opened = Counter(
            "streetwatch_cases_opened",
            "Draft cases opened",
            ["camera", "violation"],
            registry=self.registry,
        )
        self.case_updates = Counter(
            "streetwatch_case_updates",
            "Sightings written to open cases",
            ["camera"],
            registry=self.registry,
        )

        self.model = Info(
            "streetwatch_model",
            "The model serving frames: name, version and runtime (e.g. openvino bf16, the "
            "measured choice; detector/runtime_choice.py)",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
