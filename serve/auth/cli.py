"""``streetwatch users ...``: manage accounts on a data directory or database URL."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from serve.auth.roles import ROLES

if TYPE_CHECKING:
    from serve.auth.users import UserRepo


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = sub.add_parser("users", help="add, list and change user accounts")
    usub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    roles = [r.value for r in ROLES]

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = usub.add_parser(name, help=help_text)
        p.add_argument("--data-dir", type=Path, default=Path("data"))
        p.add_argument(
            "--database", default=None, help="SQLAlchemy URL (default: SQLite in --data-dir)"
        )
        return p

    p = add("add", "add a user")
    p.add_argument("username")
    p.add_argument("--role", choices=roles, required=True)
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=_add)

    p = add("list", "list the users")
    p.set_defaults(func=_list)

    p = add("passwd", "set a user's password (signs them out everywhere)")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=_passwd)

    p = add("role", "change a user's role")
    p.add_argument("username")
    p.add_argument("role", choices=roles)
    p.set_defaults(func=_role)

    p = add("disable", "stop a user from signing in (signs them out everywhere)")
    p.add_argument("username")
    p.set_defaults(func=_disable)

    p = add("enable", "let a disabled user sign in again")
    p.add_argument("username")
    p.set_defaults(func=_enable)


@contextmanager
def _users(args: argparse.Namespace) -> Iterator[UserRepo]:
    from serve.auth.passwords import Passwords
    from serve.auth.users import UserRepo
    from serve.config.settings import Settings
    from serve.store.database import open_database

    settings = Settings(
        data_dir=args.data_dir, **({"database_url": args.database} if args.database else {})
    )
    db = open_database(settings.database)
    try:
        yield UserRepo(db, Passwords())
    finally:
        db.dispose()


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise ValueError("no password on stdin")
        return password
    if not sys.stdin.isatty():
        raise ValueError("no terminal to ask for the password on: pass --password-stdin")
    password = getpass.getpass("password: ")
    if getpass.getpass("again: ") != password:
        raise ValueError("the two passwords differ")
    return password


def _add(args: argparse.Namespace) -> int:
    password = _password(args)
    with _users(args) as users:
        user = users.create(args.username, password, args.role)
    print(f"added {user.username} ({user.role.value})")
    return 0


def _list(args: argparse.Namespace) -> int:
    with _users(args) as users:
        found = users.list()
    print(f"{'user':<24} {'role':<9} {'state':<9} created (UTC)")
    for u in found:
        state = "disabled" if u.disabled else "active"
        print(f"{u.username:<24} {u.role.value:<9} {state:<9} {u.created_at:%Y-%m-%d %H:%M}")
    return 0


def _change(
    args: argparse.Namespace,
    *,
    role: str | None = None,
    password: str | None = None,
    disabled: bool | None = None,
) -> int:
    from serve.auth.users import UnknownUserError

    try:
        with _users(args) as users:
            user = users.update(args.username, role=role, password=password, disabled=disabled)
    except UnknownUserError as e:
        print(f"streetwatch users {args.users_command}: error: {e}", file=sys.stderr)
        return 2
    state = "disabled" if user.disabled else "active"
    print(f"{user.username}: {user.role.value}, {state}")
    return 0


def _passwd(args: argparse.Namespace) -> int:
    return _change(args, password=_password(args))


def _role(args: argparse.Namespace) -> int:
    return _change(args, role=args.role)


def _disable(args: argparse.Namespace) -> int:
    return _change(args, disabled=True)


def _enable(args: argparse.Namespace) -> int:
    return _change(args, disabled=False)
