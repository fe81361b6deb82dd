"""``/v1/users``: user accounts (admins only)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Response

from serve.auth.access import require_admin
from serve.auth.passwords import WeakPasswordError
from serve.auth.users import LastAdminError, UnknownUserError, UserExistsError
from serve.routes.deps import AuthDep
from serve.schemas.auth import UserCreate, UserPublic, UsersPublic, UserUpdate

router = APIRouter(prefix="/users", tags=["users"], dependencies=[Depends(require_admin)])


@router.get("", response_model=UsersPublic)
def list_users(auth: AuthDep) -> UsersPublic:
    users = auth.users.list()
    return UsersPublic(data=[UserPublic.from_record(u) for u in users], count=len(users))


@router.post("", response_model=UserPublic, status_code=201)
def create_user(body: UserCreate, auth: AuthDep) -> UserPublic:
    """Add a reviewer, engineer or admin; the password needs at least 8 characters."""
    try:
        user = auth.users.create(body.username, body.password, body.role)
    except UserExistsError as e:
        raise HTTPException(409, str(e)) from e
    except WeakPasswordError as e:
        raise HTTPException(422, f"field 'password': {e}") from e
    except ValueError as e:  # the user name
        raise HTTPException(422, f"field 'username': {e}") from e
    return UserPublic.from_record(user)


@router.put("/{username}", response_model=UserPublic)
def update_user(username: str, body: UserUpdate, auth: AuthDep) -> UserPublic:
    """Change role, password or ``disabled``; the last enabled admin stays an admin."""
    try:
        user = auth.users.update(
            username, role=body.role, password=body.password, disabled=body.disabled
        )
    except UnknownUserError as e:
        raise HTTPException(404, str(e)) from e
    except LastAdminError as e:
        raise HTTPException(409, str(e)) from e
    except WeakPasswordError as e:
        raise HTTPException(422, f"field 'password': {e}") from e
    return UserPublic.from_record(user)


@router.post("/{username}/unlock")
def unlock_user(username: str, auth: AuthDep) -> dict[str, int]:
    """End a sign-in lockout of this user now, from every address (it would end by
    itself 5 minutes after the last wrong password)."""
    if not any(u.username == username for u in auth.users.list()):
        raise HTTPException(404, f"no user {username!r}")
    return {"addresses_unlocked": auth.throttle_user.clear(f"user:{username.lower()}@")}


@router.delete("/{username}", status_code=204)
def delete_user(username: str, auth: AuthDep) -> Response:
    """Remove a user and end their sessions (disabling keeps the name for the audit log)."""
    try:
        auth.users.delete(username)
    except UnknownUserError as e:
        raise HTTPException(404, str(e)) from e
    except LastAdminError as e:
        raise HTTPException(409, str(e)) from e
    return Response(status_code=204)
