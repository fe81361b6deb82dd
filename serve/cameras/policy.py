"""What cameras an API caller may configure, and what of them the API shows.

Engineers add cameras over HTTP; without limits they could make the service read any
local file (a ``file`` source on /etc/shadow) or fetch from the service's own machine
or its cloud metadata address (a ``snapshot`` on http://127.0.0.1/...). Such sources are
refused unless the operator allows them (``allow_local_sources``); the cameras file,
which only the operator writes, is not held to this. Passwords in source URLs never
leave in an answer: they are shown as ``***``, and a ``***`` sent back in an update
keeps the stored password. ``${NAME}`` in a URL is read from the environment when the
stream opens, so the password need not be stored at all.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from serve.config.cameras import Camera, FileSource
from serve.streams.capture import redact

MASK = "***"


class SourcePolicyError(ValueError):
    """A camera source the operator has not allowed; the message says which setting."""


def _local_address(host: str) -> str | None:
    """The loopback, link-local or unspecified address ``host`` names, if
    any (resolving names; a name that does not resolve now is let through)."""
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(
        ".localhost"
    ):
        return host
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address.is_loopback or address.is_link_local or address.is_unspecified:
            return str(address)
    return None


def check_source(camera: Camera, *, allow_local: bool) -> None:
    """SourcePolicyError for a ``file`` source or a URL to this machine or a link-local
    address (cloud metadata services live there), unless ``allow_local``."""
    if allow_local:
        return
    source = camera.source
    hint = "set STREETWATCH_ALLOW_LOCAL_SOURCES=true to allow it, or list it in the cameras file"
    if isinstance(source, FileSource):
        raise SourcePolicyError(
            f"camera {camera.id!r}: a 'file' source reads the service's own disk; {hint}"
        )
    url = getattr(source, "url", None)
    if url is None:
        return
    host = urlsplit(url).hostname or ""
    local = _local_address(host)
    if local is not None:
        raise SourcePolicyError(
            f"camera {camera.id!r}: {redact(url)} is on this machine or a link-local "
            f"address ({local}); {hint}"
        )


def masked(camera: Camera) -> Camera:
    """The camera as the API shows it: any password in its source URL is ``***``."""
    url = getattr(camera.source, "url", None)
    if url is None or redact(url) == url:
        return camera
    return camera.model_copy(
        update={"source": camera.source.model_copy(update={"url": redact(url)})}
    )


def keep_secret(new: Camera, old: Camera) -> Camera:
    """``new`` with ``old``'s password where ``new`` sends back the ``***`` it was shown
    for the same URL."""
    new_url, old_url = getattr(new.source, "url", None), getattr(old.source, "url", None)
    if new_url is None or old_url is None or urlsplit(new_url).password != MASK:
        return new
    if redact(old_url) != new_url:
        raise SourcePolicyError(
            f"camera {new.id!r}: the URL's password is {MASK!r} but the rest of the URL "
            "changed; send the password itself (or ${NAME} for an environment variable)"
        )
    return new.model_copy(update={"source": new.source.model_copy(update={"url": old_url})})
