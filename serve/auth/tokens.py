"""Random secrets and how they are kept: only a SHA-256 digest of a session token or API
key is stored, so a copy of the database does not let anyone in."""

from __future__ import annotations

import hashlib
import hmac
import secrets

CAMERA_KEY_PREFIX = "swk_"
# characters of a camera key shown in listings, so an operator can tell keys apart
DISPLAY_CHARS = 12


def new_token() -> str:
    """A session token or CSRF token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def new_camera_key() -> str:
    return CAMERA_KEY_PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """SHA-256 hex of ``token``; tokens are random, so no salt or slow hash is needed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison (``hmac.compare_digest`` on bytes, so any text is safe)."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
