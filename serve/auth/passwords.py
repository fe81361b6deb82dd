"""Password hashing with argon2id (``argon2-cffi``), and the password policy."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

logger = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


class WeakPasswordError(ValueError):
    """A new password does not meet the policy."""


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters, got {len(password)}"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPasswordError(
            f"password must have at most {MAX_PASSWORD_LENGTH} characters, got {len(password)}"
        )
    if not password.strip():
        raise WeakPasswordError("password must not be only whitespace")


def random_password() -> str:
    """A password for a generated account: 24 URL-safe characters (144 bits)."""
    return secrets.token_urlsafe(18)


@dataclass(frozen=True, slots=True)
class Verified:
    """The outcome of :meth:`Passwords.verify`; ``rehashed`` is set when the stored hash used
    older parameters and should be replaced."""

    ok: bool
    rehashed: str | None = None


class Passwords:
    """Hashes and checks passwords; argon2id with ``argon2-cffi``'s current defaults
    (RFC 9106 low-memory profile) unless a tuned hasher is given.

    >>> p = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    >>> p.verify(p.hash("correct horse"), "correct horse").ok
    True
    """

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher if hasher is not None else PasswordHasher()
        # checked when a user name is unknown, so that costs as long as a wrong password
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str, password: str) -> Verified:
        try:
            self._hasher.verify(stored, password)
        except VerifyMismatchError:
            return Verified(ok=False)
        except (InvalidHashError, VerificationError) as e:
            # a corrupt or foreign hash: refuse the login, say why in the log
            logger.warning("stored password hash cannot be verified: %s", e)
            return Verified(ok=False)
        if self._hasher.check_needs_rehash(stored):
            return Verified(ok=True, rehashed=self._hasher.hash(password))
        return Verified(ok=True)

    def waste_time(self, password: str) -> None:
        """Verify against a throwaway hash: an unknown user costs as much as a known one."""
        if self._dummy is None:
            self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        self.verify(self._dummy, password)
