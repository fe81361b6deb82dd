"""Users, sessions and camera keys in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from serve.auth.keys import CameraKeyRepo, NoSuchCameraError, UnknownKeyError
from serve.auth.orm import CameraKeyRow, SessionRow, UserRow
from serve.auth.passwords import Passwords, WeakPasswordError
from serve.auth.roles import Role
from serve.auth.sessions import MAX_AGE, SessionRepo
from serve.auth.tokens import digest
from serve.auth.users import LastAdminError, UnknownUserError, UserExistsError, UserRepo
from serve.store import CameraRepo, Database
from tests.serve.auth.conftest import cheap_hasher
from tests.serve.store.factories import camera

PASSWORD = "correct horse"


@pytest.fixture
def users(db: Database, passwords: Passwords) -> UserRepo:
    return UserRepo(db, passwords)


@pytest.fixture
def sessions(db: Database) -> SessionRepo:
    return SessionRepo(db, idle=timedelta(hours=1))


def test_create_get_list(users: UserRepo) -> None:
    alice = users.create("Alice", PASSWORD, "reviewer")
    assert (alice.username, alice.role, alice.disabled) == ("alice", Role.reviewer, False)
    assert alice.created_at.tzinfo is not None
    users.create("bob", PASSWORD, Role.engineer)
    assert users.get("ALICE") == alice
    assert [u.username for u in users.list()] == ["alice", "bob"]
    assert not users.has_admin()


@pytest.mark.parametrize(
    ("name", "password", "role", "error", "message"),
    [
        ("alice", PASSWORD, "reviewer", UserExistsError, "user 'alice' exists already"),
        ("ALICE", PASSWORD, "reviewer", UserExistsError, "exists already"),
        ("carol", "short", "reviewer", WeakPasswordError, "at least 8 characters"),
        ("carol", PASSWORD, "boss", ValueError, "role must be one of"),
        ("no spaces", PASSWORD, "reviewer", ValueError, "user name must be"),
    ],
)
def test_create_refuses(
    users: UserRepo,
    name: str,
    password: str,
    role: str,
    error: type[Exception],
    message: str,
) -> None:
    users.create("alice", PASSWORD, "reviewer")
    with pytest.raises(error, match=message):
        users.create(name, password, role)


def test_authenticate(users: UserRepo) -> None:
    users.create("alice", PASSWORD, "reviewer")
    found = users.authenticate("Alice", PASSWORD)
    assert found is not None and found.username == "alice"
    assert users.authenticate("alice", "wrong password") is None
    assert users.authenticate("nobody", PASSWORD) is None
    assert users.authenticate("bad name!", PASSWORD) is None
    users.update("alice", disabled=True)
    disabled = users.authenticate("alice", PASSWORD)
    assert disabled is not None and disabled.disabled  # the caller refuses it, saying why


def test_signing_in_upgrades_an_old_hash(db: Database) -> None:
    weak = UserRepo(db, Passwords(cheap_hasher()))
    weak.create("alice", PASSWORD, "reviewer")
    from argon2 import PasswordHasher

    strong = UserRepo(db, Passwords(PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)))

    def stored() -> str:
        with db.session(write=False) as s:
            return s.scalars(select(UserRow.password_hash)).one()

    before = stored()
    assert strong.authenticate("alice", "wrong password") is None
    assert stored() == before
    assert strong.authenticate("alice", PASSWORD) is not None
    assert stored() != before and "m=16,t=2,p=1" in stored()
    assert strong.authenticate("alice", PASSWORD) is not None


def test_update_and_delete(users: UserRepo) -> None:
    users.create("root", PASSWORD, "admin")
    users.create("alice", PASSWORD, "reviewer")
    assert users.update("alice", role="engineer").role is Role.engineer
    users.update("alice", password="another horse")
    assert users.authenticate("alice", "another horse") is not None
    assert users.authenticate("alice", PASSWORD) is None
    users.delete("alice")
    with pytest.raises(UnknownUserError, match="no user named 'alice'"):
        users.get("alice")
    with pytest.raises(UnknownUserError):
        users.update("alice", disabled=True)
    with pytest.raises(UnknownUserError):
        users.delete("alice")


@pytest.mark.parametrize(
    "change",
    [
        {"role": "engineer"},
        {"disabled": True},
        None,  # delete
    ],
    ids=["demote", "disable", "delete"],
)
def test_the_last_enabled_admin_stays(users: UserRepo, change: dict[str, object] | None) -> None:
    users.create("root", PASSWORD, "admin")
    users.create("spare", PASSWORD, "admin")
    users.update("spare", disabled=True)  # a disabled admin does not count
    with pytest.raises(LastAdminError, match="'root' is the only enabled admin"):
        if change is None:
            users.delete("root")
        else:
            users.update("root", **change)  # type: ignore[arg-type]
    users.update("spare", disabled=False)
    if change is None:
        users.delete("root")
    else:
        users.update("root", **change)  # type: ignore[arg-type]
    assert users.has_admin()


def test_a_session_finds_its_user_until_signed_out(
    users: UserRepo, sessions: SessionRepo, db: Database
) -> None:
    alice = users.create("alice", PASSWORD, "reviewer")
    new = sessions.create(alice)
    with db.session(write=False) as s:
        [row] = s.scalars(select(SessionRow)).all()
    assert row.id == digest(new.token) and new.token not in (row.id, row.csrf_token)
    found = sessions.lookup(new.token)
    assert found is not None and found.user == alice and found.csrf_token == new.csrf_token
    assert sessions.lookup(new.token + "x") is None
    assert sessions.delete(new.token)
    assert sessions.lookup(new.token) is None
    assert not sessions.delete(new.token)


def _age(db: Database, token: str, *, by: timedelta) -> None:
    """Move a session ``by`` into the past."""
    with db.session() as s:
        row = s.get(SessionRow, digest(token))
        assert row is not None
        s.execute(
            update(SessionRow)
            .where(SessionRow.id == row.id)
            .values(created_at=row.created_at - by, expires_at=row.expires_at - by)
        )


def test_sessions_expire_when_idle_and_slide_when_used(
    users: UserRepo, sessions: SessionRepo, db: Database
) -> None:
    alice = users.create("alice", PASSWORD, "reviewer")
    idle, used = sessions.create(alice), sessions.create(alice)
    _age(db, idle.token, by=timedelta(minutes=61))
    assert sessions.lookup(idle.token) is None
    _age(db, used.token, by=timedelta(minutes=50))
    before = sessions.lookup(used.token)
    assert before is not None
    assert before.expires_at > datetime.now(UTC) + timedelta(minutes=59)  # pushed forward
    _age(db, used.token, by=timedelta(minutes=50))
    assert sessions.lookup(used.token) is not None  # 100 minutes old, used within the hour


def test_sessions_end_after_max_age_however_used(
    users: UserRepo, sessions: SessionRepo, db: Database
) -> None:
    alice = users.create("alice", PASSWORD, "reviewer")
    new = sessions.create(alice)
    _age(db, new.token, by=MAX_AGE - timedelta(minutes=30))
    with db.session() as s:  # used a moment ago
        s.execute(update(SessionRow).values(expires_at=datetime.now(UTC) + timedelta(minutes=59)))
    found = sessions.lookup(new.token)
    assert found is not None and found.expires_at < datetime.now(UTC) + timedelta(minutes=31)
    _age(db, new.token, by=timedelta(minutes=31))
    assert sessions.lookup(new.token) is None


def test_a_new_password_or_disabling_ends_every_session(
    users: UserRepo, sessions: SessionRepo
) -> None:
    alice = users.create("alice", PASSWORD, "reviewer")
    first = sessions.create(alice)
    users.update("alice", role="engineer")
    assert sessions.lookup(first.token) is not None  # a role change keeps the session
    users.update("alice", password="another horse")
    assert sessions.lookup(first.token) is None
    second = sessions.create(alice)
    users.update("alice", disabled=True)
    assert sessions.lookup(second.token) is None


def test_delete_for_keeps_one(users: UserRepo, sessions: SessionRepo) -> None:
    alice = users.create("alice", PASSWORD, "reviewer")
    a, b, c = (sessions.create(alice) for _ in range(3))
    assert sessions.delete_for(alice, keep=b.token) == 2
    assert [sessions.lookup(x.token) is not None for x in (a, b, c)] == [False, True, False]


@pytest.fixture
def keys(db: Database) -> CameraKeyRepo:
    cameras = CameraRepo(db)
    cameras.upsert(camera("cam-01"), "api")
    cameras.upsert(camera("cam-02"), "api")
    return CameraKeyRepo(db)


def test_camera_keys(keys: CameraKeyRepo, db: Database) -> None:
    issued = keys.issue("cam-01", created_by="eve")
    assert issued.key.startswith("swk_") and len(issued.key) > 40
    assert issued.record.prefix == issued.key[:12] and issued.record.revoked_at is None
    with db.session(write=False) as s:
        [row] = s.scalars(select(CameraKeyRow)).all()
    assert row.key_hash == digest(issued.key) and issued.key not in (row.key_hash, row.prefix)
    found = keys.check(issued.key)
    assert (found.camera_id, found.revoked) == ("cam-01", False)
    assert keys.check("swk_not-a-key").camera_id is None
    assert keys.check("no prefix").camera_id is None
    revoked = keys.revoke("cam-01", issued.record.id)
    assert revoked.revoked_at is not None
    assert keys.revoke("cam-01", issued.record.id) == revoked  # again: no change
    assert keys.check(issued.key).revoked
    assert [k.id for k in keys.list("cam-01")] == [issued.record.id]
    assert keys.list("cam-02") == []


def test_revoking_needs_the_right_camera(keys: CameraKeyRepo) -> None:
    issued = keys.issue("cam-01", created_by="eve")
    with pytest.raises(UnknownKeyError, match="camera 'cam-02' has no API key with id"):
        keys.revoke("cam-02", issued.record.id)
    with pytest.raises(UnknownKeyError):
        keys.revoke("cam-01", 999)


def test_a_camera_s_keys_go_with_it(keys: CameraKeyRepo, db: Database) -> None:
    issued = keys.issue("cam-01", created_by="eve")
    assert CameraRepo(db).delete("cam-01")
    assert keys.check(issued.key).camera_id is None
    with pytest.raises(NoSuchCameraError, match="no camera with id 'cam-01'"):
        keys.issue("cam-01", created_by="eve")
