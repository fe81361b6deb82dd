"""Service settings, from arguments or ``STREETWATCH_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from detector.image_header import ImageLimits
from serve.config.secret_box import SecretBox

MIN_ADMIN_TOKEN_LENGTH = 24


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STREETWATCH_", extra="forbid")

    data_dir: Path = Path("data")
    model: Path = Path("models/current")
    config: Path | None = None
    demo: bool = True
    # SQLAlchemy URL; default: SQLite (WAL) at <data_dir>/streetwatch.db.
    # PostgreSQL: postgresql+psycopg://user:password@host/dbname
    database_url: str | None = None
    # run the cameras on a Ray cluster (serve/cluster): "local:N" starts one here with N
    # camera workers, "auto" or "ray://HOST:PORT" joins one and starts cluster_workers
    # there. None: every camera in this process, and Ray is never imported
    cluster: str | None = Field(None, max_length=500)
    cluster_workers: int = Field(2, ge=1, le=1024)
    # another API process on a cluster whose coordinator (the API process that started
    # the workers) runs already: it forwards frames and calls, starts no worker
    cluster_ingress_only: bool = False
    # the CPUs Ray reserves for each camera worker, and its inference threads (unless
    # inference_threads says otherwise): one-core workers scale out best on a big node
    cluster_worker_cpus: float = Field(1.0, gt=0.0, le=256.0)
    # start a new worker for each one given up (it starts where a CPU is free, or when a
    # node joins) and give it its share of the cameras
    cluster_replace_workers: bool = True
    # detection as a service: this many model replicas that every camera worker sends its
    # frames to, batched across cameras (a GPU node serving many CPU workers: set the
    # GPUs each takes); 0: each camera worker runs its own model
    cluster_detectors: int = Field(0, ge=0, le=256)
    cluster_detector_cpus: float = Field(1.0, gt=0.0, le=256.0)
    cluster_detector_gpus: float = Field(0.0, ge=0.0, le=16.0)
    # where evidence files live; default: <data_dir>/evidence
    evidence_dir: Path | None = None
    # case workflow: hours from confirmation to the fix deadline, per violation overrides
    # (e.g. {"exposed_garbage": 72} for facility work); a rejected false positive holds
    # back new drafts of that class at that place for suppress_days
    deadline_h: float = 48.0
    deadline_h_by_violation: dict[str, float] = {}
    suppress_days: float = 7.0
    # a rejection can be reopened (back to draft, audited) for this many hours after it
    reopen_window_h: float = Field(default=72.0, ge=0)
    # dispatch: confirmed cases are POSTed here when dispatched (None: export files only);
    # evidence URLs in the payload start with public_url; the secret signs each body
    # responsible units (门前三包) from a YAML list (serve/config/units.example.yaml), read at
    # start and kept in the database with those added over the API
    units: Path | None = None
    dispatch_url: str | None = None
    dispatch_secret: SecretStr | None = None
    # what the platform receives: a shipped profile (streetwatch, gbt30428) or the path of
    # a city's own YAML (serve/dispatch_profile.py); checked at start
    dispatch_profile: str = Field("streetwatch", min_length=1, max_length=1000)
    # the address clients reach this server at (evidence links in dispatches and exports,
    # the sign-in link); default: the host and port `streetwatch serve` listens on
    public_url: str = "http://127.0.0.1:8000"
    # re-inspection (回头看) of dispatched cases: cleared once the violation is absent in
    # this many checks, this far apart
    reinspect_checks: int = 3
    reinspect_interval_s: float = 60.0
    # a camera's pending violation clocks are written to the database this often (its frame
    # time) and when it stops, so a restart or a move to another worker resumes them
    checkpoint_interval_s: float = Field(10.0, ge=1.0, le=3600.0)
    # a pushed frame stamped more than this ahead of the server's clock is refused (422)
    max_clock_ahead_s: float = Field(300.0, ge=0.0, le=86400.0)
    # a push camera may send push_rate x its sample_fps frames a second, push_burst_s
    # seconds' worth at once; more get 429 with Retry-After. push_rate unset: no limit
    # (replaying a recording faster than real time)
    push_rate: float | None = Field(2.0, gt=0.0, le=1000.0)
    push_burst_s: float = Field(30.0, ge=1.0, le=3600.0)
    # seconds between checks of the model pointer for a promoted model; 0 turns it off
    model_poll_s: float = Field(5.0, ge=0.0)
    conf: float = 0.25
    iou: float = 0.45
    # the inference runtime. "auto" with no precision: OpenVINO bf16 where the model card's
    # check shows bf16 within 0.01 mAP50 of f32 and the CPU does bf16 natively, else by file
    # suffix (detector/runtime_choice.py). OpenVINO's precision (None: f32) and the
    # runtime's threads (None: one per core); benchmarks/bench_cameras.py measures them
    backend: Literal["auto", "onnxruntime", "openvino"] = "auto"
    precision: Literal["f32", "bf16"] | None = None
    inference_threads: int | None = Field(None, ge=1)
    # fixed: OpenVINO compiles the model for each input shape it sees (a camera's frames
    # keep one), a few % faster than one dynamic-shape model (openvino backend only)
    input_shape: Literal["dynamic", "fixed"] = "dynamic"
    # frames several cameras want detected at the same moment run as one batch of up to
    # this many (1: every frame alone); a batch waits batch_wait_ms for more frames (0: it
    # takes what is waiting when the model is free, adding no latency)
    batch_frames: int = Field(8, ge=1, le=64)
    batch_wait_ms: float = Field(0.0, ge=0.0, le=1000.0)
    max_upload_bytes: int = 20 * 1024 * 1024
    # a request's body must arrive within this long (408 otherwise: slow or dead clients)
    body_timeout_s: float = Field(60.0, gt=0.0, le=3600.0)
    # connections and requests served at once (503 beyond); an idle keep-alive
    # connection is closed after keep_alive_s
    max_connections: int = Field(1000, ge=1, le=100_000)
    keep_alive_s: float = Field(5.0, gt=0.0, le=300.0)
    # untrusted images (uploads, pushed frames, snapshots): checked from the header before
    # decoding; one decode takes at most max_image_pixels x 3 bytes, decode_slots at once
    max_image_pixels: int = Field(40_000_000, ge=1, le=400_000_000)
    min_image_side: int = Field(16, ge=1, le=4096)
    max_image_aspect: float = Field(8.0, ge=1.0, le=100.0)
    decode_slots: int = Field(2, ge=1, le=64)
    # the text signal (flyers' phone numbers): OCR threads (one reader for all cameras)
    # and the reads that may wait for it (more are asked for again later)
    ocr_threads: int = Field(1, ge=1, le=16)
    ocr_queue: int = Field(16, ge=1, le=1000)
    # glibc malloc arenas for the server process (0: glibc's default, up to 8 a core);
    # few arenas keep its memory flat over days (benchmarks/README.md, soak)
    malloc_arenas: int = Field(2, ge=0, le=64)
    # once its cameras are up, the service collects its garbage and keeps what is left out
    # of Python's full collections (serve/heap.py: 50-80 ms pauses with the GIL held)
    gc_freeze: bool = True
    # accounts and access. dev: development mode (session cookies also over plain HTTP)
    dev: bool = False
    # Secure flag on the session cookie; default: on unless dev. Browsers keep Secure
    # cookies over plain HTTP only for localhost: set false to sign in over HTTP on a LAN
    secure_cookies: bool | None = None
    # cameras added over the API may read local files and URLs on this machine or
    # link-local addresses (the cameras file always may)
    allow_local_sources: bool = False
    # addresses of reverse proxies whose X-Forwarded-For / -Proto headers are believed (the
    # client address for sign-in limits and logs); default: none, every header ignored
    trusted_proxies: list[str] = []
    # seals the passwords in camera source URLs in the database (Fernet keys, newest first,
    # comma-separated); default: <data_dir>/secret.key, made on first start
    secret_key: SecretStr | None = None
    # Authorization: Bearer <admin_token> acts as an admin on every API route (automation)
    admin_token: SecretStr | None = None
    # the first admin's password on first start; default: random, in <data_dir>/admin-password.txt
    admin_password: SecretStr | None = None
    # a session ends after this long unused (and after 7 days in any case)
    session_hours: float = Field(12.0, gt=0.0)
    # serve /metrics without credentials (for a Prometheus scraper); default: engineers
    metrics_public: bool = False
    # the plan view's base map from an in-house tile server, e.g.
    # http://tiles.cg.local/{z}/{x}/{y}.png, cameras placed by their lat/lon; default:
    # none, the uploaded plan image only (nothing is fetched from the internet)
    map_tile_url: str | None = Field(None, max_length=500)
    map_attribution: str = Field("", max_length=200)

    @field_validator("map_tile_url")
    @classmethod
    def _tile_template(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not value.startswith(("http://", "https://")) or not all(
            part in value for part in ("{z}", "{x}", "{y}")
        ):
            raise ValueError(
                "map_tile_url must be an http(s) URL with {z}, {x} and {y}, e.g. "
                f"http://tiles.cg.local/{{z}}/{{x}}/{{y}}.png; got {value!r}"
            )
        return value

    @field_validator("admin_token")
    @classmethod
    def _long_admin_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_ADMIN_TOKEN_LENGTH:
            raise ValueError(
                f"admin_token must have at least {MIN_ADMIN_TOKEN_LENGTH} characters, got "
                f"{len(value.get_secret_value())}; make one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return value

    def secret_box(self) -> SecretBox:
        """The box that seals camera passwords (makes <data_dir>/secret.key if needed)."""
        key = self.secret_key.get_secret_value() if self.secret_key is not None else None
        return SecretBox.from_settings(key, self.data_dir)

    @field_validator("secret_key")
    @classmethod
    def _usable_secret_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            SecretBox.from_settings(value.get_secret_value(), Path())  # SecretKeyError
        return value

    @property
    def push_limit(self) -> tuple[float, float] | None:
        return None if self.push_rate is None else (self.push_rate, self.push_burst_s)

    @property
    def image_limits(self) -> ImageLimits:
        return ImageLimits(
            max_pixels=self.max_image_pixels,
            min_side=self.min_image_side,
            max_aspect=self.max_image_aspect,
        )

    @property
    def cookies_secure(self) -> bool:
        return not self.dev if self.secure_cookies is None else self.secure_cookies

    @property
    def database(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'streetwatch.db').resolve()}"

    @property
    def evidence_root(self) -> Path:
        return self.evidence_dir if self.evidence_dir is not None else self.data_dir / "evidence"
