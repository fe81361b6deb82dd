"""Camera configuration: strict pydantic models, loaded from YAML or the API."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from detector.rules.config import RuleOverrides
from detector.zones import ID_PATTERN, Zone
from serve.config.yaml_file import read_yaml

logger = logging.getLogger(__name__)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class PushSource(_Strict):
    """The camera or a gateway POSTs frames to ``/v1/cameras/{id}/frames``."""

    kind: Literal["push"] = "push"


class RtspSource(_Strict):
    kind: Literal["rtsp"]
    url: str = Field(pattern=r"^rtsps?://", max_length=2000)
    transport: Literal["tcp", "udp"] = "tcp"


class MjpegSource(_Strict):
    """An HTTP multipart MJPEG stream."""

    kind: Literal["mjpeg"]
    url: str = Field(pattern=r"^https?://", max_length=2000)


class StreamSource(_Strict):
    """A stream re-served by a media gateway (GB/T 28181 cameras through WVP-PRO with
    ZLMediaKit, an NVR, a CDN): RTMP, HTTP-FLV, HLS (``.m3u8``) or HTTP-fMP4, read through
    FFmpeg. Gateways stop streams nobody watches and come back on the next open: the
    reader re-opens a stream that ended or stalled as it does a dropped RTSP feed."""

    kind: Literal["stream"]
    url: str = Field(pattern=r"^(rtmps?|https?)://", max_length=2000)


class SnapshotSource(_Strict):
    """An HTTP URL returning one JPEG per request, polled at the camera's sample rate."""

    kind: Literal["snapshot"]
    url: str = Field(pattern=r"^https?://", max_length=2000)
    timeout_s: float = Field(5.0, gt=0, le=60)


class FileSource(_Strict):
    """A video file (or a folder of frames), replayed in real time and looped."""

    kind: Literal["file"]
    path: Path
    loop: bool = True
    # the clip's own frame rate when the container does not say (frame folders)
    fps: float = Field(2.0, gt=0, le=120)


Source = Annotated[
    PushSource | RtspSource | MjpegSource | StreamSource | SnapshotSource | FileSource,
    Field(discriminator="kind"),
]


class MotionConfig(_Strict):
    """Motion gating: skip inference on unchanged frames, but re-check static scenes."""

    enabled: bool = True
    # fraction of (downscaled) pixels that must change for a frame to count as "moved"
    min_changed: float = Field(0.002, ge=0.0, le=1.0)
    # a static scene is still run through the detector this often
    recheck_s: float = Field(10.0, gt=0, le=3600)


class SceneSettings(_Strict):
    """The scene baseline: a new object that appears in a sidewalk, roadway, no-parking or
    wall zone and stays its zone's ``static_dwell_s`` is a case, named or not."""

    enabled: bool = True
    # at most one baseline update this often (frame time), whatever the camera's rate (the
    # warm-up's pace)
    interval_s: float = Field(1.0, gt=0, le=60)
    # a changed frame (a busy street: passers-by, traffic) is looked at once this often
    # (benchmarks/bench_scene.py: the same finds as every second, 0.8 s later on average)
    busy_interval_s: float = Field(3.0, gt=0, le=60)
    # when the motion gate sees no change, one look this often; the unchanged frames in
    # between only advance the baseline's clock (detector/scene/cadence.py;
    # benchmarks/bench_scene.py measures the choice)
    still_interval_s: float = Field(10.0, gt=0, le=60)


class TextSettings(_Strict):
    """The text signal: flyers found by their print and phone number (OCR). It reads only
    inside ``wall`` and ``ad_prohibited`` zones: each zone whole every ``sweep_s`` of
    camera time, and the detector's flyer/ad boxes and the scene baseline's new objects
    there at most once each ``recheck_s``. A flyer is a case once read ``confirm_reads``
    times at the same place (a leaflet someone holds up is not)."""

    enabled: bool = True
    sweep_s: float = Field(300.0, ge=10.0, le=86400.0)
    recheck_s: float = Field(600.0, ge=10.0, le=86400.0)
    confirm_reads: int = Field(2, ge=1, le=10)


class InferenceSettings(_Strict):
    """How the detector looks at this camera's frames. ``tiles`` (rows, cols) also runs it
    on overlapping tiles of each frame, for small distant objects on a large frame; it
    costs one inference per tile more (see benchmarks/README.md for when it pays)."""

    tiles: tuple[int, int] | None = None
    tile_overlap: float = Field(0.2, ge=0.0, lt=0.5)

    @field_validator("tiles")
    @classmethod
    def _grid(cls, tiles: tuple[int, int] | None) -> tuple[int, int] | None:
        if tiles is not None and not all(1 <= n <= 4 for n in tiles):
            raise ValueError(f"tiles must be [rows, cols], each 1 to 4, got {list(tiles)}")
        return tiles


class Camera(_Strict):
    """One camera, as in the YAML file (a list of these) and the API."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field("", max_length=200)
    address: str = Field("", max_length=500)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    timezone: str = "Asia/Shanghai"
    enabled: bool = True
    source: Source = Field(default_factory=PushSource)
    sample_fps: float = Field(1.0, gt=0, le=30)
    zones: tuple[Zone, ...] = Field((), max_length=100)
    rules: RuleOverrides = Field(default_factory=RuleOverrides)
    motion: MotionConfig = Field(default_factory=MotionConfig)
    scene: SceneSettings = Field(default_factory=SceneSettings)
    inference: InferenceSettings = Field(default_factory=InferenceSettings)
    text: TextSettings = Field(default_factory=TextSettings)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, tz: str) -> str:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {tz!r} (use an IANA name like Asia/Shanghai)"
            ) from None
        return tz

    @field_validator("zones")
    @classmethod
    def _unique_zone_ids(cls, zones: tuple[Zone, ...]) -> tuple[Zone, ...]:
        ids = [z.id for z in zones]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate zone ids: {dupes}")
        return zones

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class CameraConfigError(ValueError):
    """A cameras file that cannot be used; the message names the file and the field."""


_CAMERA_LIST = TypeAdapter(list[Camera])


def _where(loc: tuple[int | str, ...], data: object) -> str:
    """``cameras[1] (cam-02).zones[0].polygon`` from a pydantic error location."""
    parts: list[str] = []
    for i, key in enumerate(loc):
        if isinstance(key, int):
            parts.append(f"[{key}]")
            if i == 0 and isinstance(data, list) and isinstance(data[key], dict):
                cam_id = data[key].get("id")
                if cam_id:
                    parts.append(f" ({cam_id})")
        else:
            parts.append(f".{key}")
    return "cameras" + "".join(parts)


def parse_cameras(data: object, origin: str) -> list[Camera]:
    """Validate a list of camera dicts; ``origin`` names where it came from in errors."""
    if isinstance(data, dict) and set(data) == {"cameras"}:
        data = data["cameras"]
    if not isinstance(data, list):
        raise CameraConfigError(
            f"{origin}: expected a list of cameras (or a mapping with one key 'cameras'), "
            f"got {type(data).__name__}"
        )
    try:
        cameras = _CAMERA_LIST.validate_python(data)
    except ValidationError as e:
        lines = [f"{_where(tuple(err['loc']), data)}: {err['msg']}" for err in e.errors()]
        raise CameraConfigError(
            f"{origin}: invalid camera configuration:\n  " + "\n  ".join(lines)
        ) from None
    ids = [c.id for c in cameras]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CameraConfigError(f"{origin}: duplicate camera ids: {dupes}")
    return cameras


def load_cameras(path: Path) -> list[Camera]:
    """Read a cameras YAML file; relative file-source paths are taken from the file's folder."""
    data = read_yaml(path, "cameras", CameraConfigError)
    cameras = parse_cameras(data if data is not None else [], str(path))
    if not cameras:
        logger.warning(
            "%s names no cameras: the service starts with none (add them to the file or "
            "with POST /v1/cameras)",
            path,
        )
    base = path.parent
    return [
        c.model_copy(update={"source": c.source.model_copy(update={"path": base / c.source.path})})
        if isinstance(c.source, FileSource) and not c.source.path.is_absolute()
        else c
        for c in cameras
    ]
