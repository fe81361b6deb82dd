"""Everything the access checks need, in one object the app holds (``app.state.auth``)."""

from __future__ import annotations

import logging
from datetime import timedelta

from serve.auth.keys import CameraKeyRepo
from serve.auth.passwords import Passwords
from serve.auth.records import Principal, admin_token_principal, camera_principal
from serve.auth.sessions import SessionRepo
from serve.auth.throttle import LoginThrottle
from serve.auth.tokens import same
from serve.auth.users import UserRepo
from serve.config.settings import Settings
from serve.store.database import Database

logger = logging.getLogger(__name__)


class InvalidCredentialsError(ValueError):
    """Credentials were presented and are wrong (not merely missing)."""


class AuthService:
    """Users, sessions, camera keys, the admin token and the sign-in throttle."""

    def __init__(
        self, db: Database, settings: Settings, passwords: Passwords | None = None
    ) -> None:
        self.passwords = passwords if passwords is not None else Passwords()
        self.users = UserRepo(db, self.passwords)
        self.sessions = SessionRepo(db, idle=timedelta(hours=settings.session_hours))
        self.keys = CameraKeyRepo(db)
        self.throttle_user = LoginThrottle(limit=5, window_s=300.0)
        self.throttle_client = LoginThrottle(limit=20, window_s=300.0)
        self.secure_cookies = settings.cookies_secure
        self.metrics_public = settings.metrics_public
        self._admin_token = settings.admin_token

    def bearer(self, token: str) -> Principal:
        """The principal for ``Authorization: Bearer <token>``: the admin token, or a
        camera's API key."""
        if self._admin_token is not None and same(token, self._admin_token.get_secret_value()):
            return admin_token_principal()
        return self.camera_key(token)

    def camera_key(self, key: str) -> Principal:
        found = self.keys.check(key)
        if found.camera_id is None:
            raise InvalidCredentialsError("invalid token or API key")
        if found.revoked:
            raise InvalidCredentialsError(
                f"this API key of camera {found.camera_id!r} was revoked; ask an engineer "
                "for a new one"
            )
        return camera_principal(found.camera_id)

    def session(self, token: str) -> Principal | None:
        """The signed-in user for a session cookie's token; ``None`` when it has ended."""
        signed_in = self.sessions.lookup(token)
        if signed_in is None:
            return None
        return Principal(
            username=signed_in.user.username,
            role=signed_in.user.role,
            via="session",
            csrf_token=signed_in.csrf_token,
        )
