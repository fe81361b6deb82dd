from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from serve.auth.passwords import (
    MIN_PASSWORD_LENGTH,
    Passwords,
    Verified,
    WeakPasswordError,
    check_password_policy,
    random_password,
)
from tests.serve.auth.conftest import cheap_hasher


def test_a_hash_is_argon2id_salted_and_verifies(passwords: Passwords) -> None:
    first, second = passwords.hash("correct horse"), passwords.hash("correct horse")
    assert first.startswith("$argon2id$") and first != second  # a fresh salt each time
    assert passwords.verify(first, "correct horse").ok
    assert not passwords.verify(first, "correct horsE").ok
    assert passwords.verify(first, "correct horse").rehashed is None


def test_the_default_parameters_are_argon2_cffi_s_current_ones() -> None:
    stored = Passwords().hash("correct horse")
    assert not PasswordHasher().check_needs_rehash(stored)


def test_a_hash_with_old_parameters_is_replaced_on_success_only() -> None:
    old = Passwords(cheap_hasher()).hash("correct horse")
    stronger = Passwords(PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    assert stronger.verify(old, "wrong").rehashed is None
    result = stronger.verify(old, "correct horse")
    assert result.ok and result.rehashed is not None
    assert "m=16,t=2,p=1" in result.rehashed
    assert stronger.verify(result.rehashed, "correct horse") == Verified(ok=True)


@pytest.mark.parametrize("stored", ["", "plain text", "$2b$12$bcryptlookingbutnot", "$argon2id$x"])
def test_a_corrupt_or_foreign_hash_refuses_the_password(passwords: Passwords, stored: str) -> None:
    assert not passwords.verify(stored, "anything").ok


def test_an_unknown_user_costs_a_verification(passwords: Passwords) -> None:
    passwords.waste_time("whatever")  # must not raise, whatever the input


@pytest.mark.parametrize(
    ("password", "error"),
    [
        ("x" * MIN_PASSWORD_LENGTH, None),
        ("口令口令口令口令", None),
        ("x" * (MIN_PASSWORD_LENGTH - 1), "at least 8 characters, got 7"),
        ("", "at least 8 characters, got 0"),
        (" " * 12, "only whitespace"),
        ("x" * 1025, "at most 1024 characters"),
    ],
)
def test_the_password_policy(password: str, error: str | None) -> None:
    if error is None:
        check_password_policy(password)
    else:
        with pytest.raises(WeakPasswordError, match=error):
            check_password_policy(password)


def test_random_passwords_pass_the_policy_and_differ() -> None:
    made = {random_password() for _ in range(20)}
    assert len(made) == 20
    for p in made:
        check_password_policy(p)
        assert len(p) >= 24
