"""Roles, ranked: each role can do everything the ones below it can."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """``reviewer`` reads and reviews cases; ``engineer`` also manages cameras, keys and
    models; ``admin`` also manages users."""

    reviewer = "reviewer"
    engineer = "engineer"
    admin = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, needed: Role) -> bool:
        """Whether this role may do what ``needed`` may.

        >>> Role.admin.allows(Role.reviewer), Role.reviewer.allows(Role.engineer)
        (True, False)
        """
        return self.rank >= needed.rank


_RANKS = {Role.reviewer: 0, Role.engineer: 1, Role.admin: 2}
ROLES = tuple(Role)


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise ValueError(f"role must be one of {[r.value for r in ROLES]}, got {value!r}") from None
