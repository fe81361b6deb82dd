"""Passwords in camera source URLs, sealed before they reach the database.

A camera's RTSP or snapshot URL often carries its password
(``rtsp://admin:pw@10.0.0.7/live``). The database holds the URL with the password
replaced by ``$sealed$<token>``: the password encrypted and authenticated (Fernet:
AES-128-CBC + HMAC-SHA256) with the service's secret key, so a copied database or
backup does not give away the cameras. The key is ``STREETWATCH_SECRET_KEY`` or, by
default, ``<data_dir>/secret.key`` (made on first start, 0600): keep it out of the
database's backups. ``STREETWATCH_SECRET_KEY`` may list several keys, newest first,
separated by commas: the first seals, any opens, and passwords sealed with an older key
are sealed again with the newest at start (key rotation).

A URL whose sealed password no key opens (the key file was lost or replaced) keeps its
``$sealed$`` marker; opening the stream then fails with a message that says so and what
to do (``expand_secrets``), and the other cameras run on.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from serve.private_files import private_dir, private_file

logger = logging.getLogger(__name__)

SEALED = "$sealed$"
KEY_FILE = "secret.key"


class SecretKeyError(ValueError):
    """A secret key that is not a Fernet key; the message says where it came from."""


def _fernet(key: str, origin: str) -> Fernet:
    try:
        return Fernet(key.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise SecretKeyError(
            f"{origin} is not a secret key (32 url-safe base64-encoded bytes); make one "
            "with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        ) from exc


def _split_password(url: str) -> tuple[str, str, str] | None:
    """(text before the password, the password as written, text after), or None when the
    URL has no password."""
    parts = urlsplit(url)
    if parts.password is None:
        return None
    userinfo = parts.netloc.rsplit("@", 1)[0]
    user, password = userinfo.split(":", 1)
    start = url.index(parts.netloc) + len(user) + 1
    return url[:start], password, url[start + len(password) :]


def is_sealed(url: str) -> bool:
    """Whether the URL's password is still sealed (no key opened it).

    >>> is_sealed("rtsp://admin:$sealed$gAAAA@10.0.0.7/live"), is_sealed("rtsp://a:b@h/")
    (True, False)
    """
    split = _split_password(url)
    return split is not None and split[1].startswith(SEALED)


class SecretBox:
    """Seals and opens the passwords in source URLs with the service's keys."""

    def __init__(self, keys: list[str], origin: str = "STREETWATCH_SECRET_KEY") -> None:
        if not keys:
            raise SecretKeyError(f"{origin} holds no key")
        self._fernets = [
            _fernet(k, origin if len(keys) == 1 else f"{origin} (key {i + 1})")
            for i, k in enumerate(keys)
        ]
        self._box = MultiFernet(self._fernets)

    @classmethod
    def from_settings(cls, secret_key: str | None, data_dir: Path) -> SecretBox:
        """The keys in ``secret_key`` (comma-separated, newest first) or, when it is None,
        the one in ``<data_dir>/secret.key``, made 0600 if it does not exist."""
        if secret_key is not None:
            return cls([k for k in secret_key.split(",") if k.strip()])
        path = data_dir / KEY_FILE
        if not path.exists():
            private_dir(data_dir)
            private_file(path)
            path.write_bytes(Fernet.generate_key() + b"\n")
            logger.info("made a new secret key for camera passwords in %s", path)
        return cls([path.read_text(encoding="ascii", errors="replace")], origin=str(path))

    def seal(self, url: str) -> str:
        """The URL with its password sealed; URLs without a password, with a ``${NAME}``
        reference or already sealed are returned as they are."""
        split = _split_password(url)
        if split is None:
            return url
        head, password, tail = split
        if password.startswith(SEALED) or (password.startswith("${") and password.endswith("}")):
            return url
        token = self._box.encrypt(password.encode("utf-8")).decode("ascii")
        return f"{head}{SEALED}{token}{tail}"

    def open(self, url: str) -> str:
        """The URL with its sealed password opened; the URL unchanged (still sealed) when
        no key opens it, which the stream reports when it opens."""
        split = _split_password(url)
        if split is None or not split[1].startswith(SEALED):
            return url
        head, password, tail = split
        try:
            clear = self._box.decrypt(password[len(SEALED) :].encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            return url
        return f"{head}{clear}{tail}"

    def stale(self, url: str) -> bool:
        """Whether the stored URL should be sealed again: its password is in clear or
        sealed with an older key (not one that no key opens)."""
        split = _split_password(url)
        if split is None:
            return False
        password = split[1]
        if not password.startswith(SEALED):
            return not (password.startswith("${") and password.endswith("}"))
        token = password[len(SEALED) :].encode("ascii", errors="replace")
        try:
            self._fernets[0].decrypt(token)
        except InvalidToken:
            try:
                self._box.decrypt(token)
            except InvalidToken:
                return False  # nothing opens it: keep it for a key that will
            return True
        return False
