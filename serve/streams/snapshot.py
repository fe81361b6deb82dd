"""Snapshot cameras: one HTTP GET per frame, each reply a JPEG (or PNG)."""

from __future__ import annotations

import base64
import http.client
import logging
import time
import urllib.error
import urllib.request
from urllib.parse import unquote, urlsplit, urlunsplit

from detector.errors import ImageDecodeError
from detector.image import Image, decode_image
from detector.image_header import ImageLimits
from serve.streams.capture import redact
from serve.streams.errors import SourceError
from serve.streams.pacing import Pacer

logger = logging.getLogger(__name__)

# a snapshot larger than this is not a camera still; refuse rather than buffer it
MAX_SNAPSHOT_BYTES = 32 * 1024 * 1024
# some cameras label JPEGs generically; anything else (text/html, JSON) is an error page
_GENERIC_TYPES = frozenset({"application/octet-stream", "binary/octet-stream"})


def _request(url: str) -> urllib.request.Request:
    """A GET for ``url``; ``user:password@`` in the URL becomes HTTP basic auth."""
    parts = urlsplit(url)
    if parts.username is None:
        return urllib.request.Request(url)
    host = parts.netloc.rsplit("@", 1)[1]
    bare = urlunsplit(parts._replace(netloc=host))
    token = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
    headers = {"Authorization": "Basic " + base64.b64encode(token).decode("ascii")}
    return urllib.request.Request(bare, headers=headers)


class SnapshotReader:
    """Polls a snapshot URL every ``interval_s``; the first fetch happens on construction."""

    def __init__(self, url: str, *, timeout_s: float, interval_s: float) -> None:
        self._req = _request(url)
        self._label = f"snapshot {redact(url)}"
        self._timeout_s = timeout_s
        # fetching once here makes a bad URL an open error rather than a later read error
        self._pending: Image | None = self.fetch()
        self._pacer = Pacer(interval_s, first_at=time.monotonic() + interval_s)

    def fetch(self) -> Image:
        """GET one image now; raise ``SourceError`` naming the URL when that fails."""
        try:
            with urllib.request.urlopen(self._req, timeout=self._timeout_s) as reply:
                content_type = reply.headers.get("Content-Type", "")
                data = reply.read(MAX_SNAPSHOT_BYTES + 1)
        except urllib.error.HTTPError as e:
            raise SourceError(f"{self._label}: HTTP {e.code} {e.reason}") from e
        except urllib.error.URLError as e:
            raise SourceError(f"{self._label}: cannot connect ({e.reason})") from e
        except TimeoutError as e:
            raise SourceError(f"{self._label}: no reply within {self._timeout_s:g}s") from e
        except (OSError, http.client.HTTPException) as e:
            raise SourceError(f"{self._label}: request failed ({e!r})") from e
        return self._decode(data, content_type)

    def _decode(self, data: bytes, content_type: str) -> Image:
        media = content_type.split(";", 1)[0].strip().lower()
        if media and not media.startswith("image/") and media not in _GENERIC_TYPES:
            raise SourceError(
                f"{self._label}: expected an image, got content type {content_type!r} "
                f"({len(data)} bytes)"
            )
        if len(data) > MAX_SNAPSHOT_BYTES:
            raise SourceError(
                f"{self._label}: reply larger than {MAX_SNAPSHOT_BYTES} bytes, not a snapshot"
            )
        try:
            return decode_image(data, limits=ImageLimits())
        except ImageDecodeError as e:
            shown = content_type or "no content type"
            raise SourceError(f"{self._label}: reply ({shown}) is not an image: {e}") from e

    def read(self) -> Image | None:
        if self._pending is not None:
            frame, self._pending = self._pending, None
            return frame
        if not self._pacer.wait():
            return None
        return self.fetch()

    def close(self) -> None:
        self._pacer.stop()
