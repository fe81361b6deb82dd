"""Accounts and access: users with roles, sessions, camera API keys and the admin token.

Roles rank ``reviewer < engineer < admin``. People sign in at ``/login`` (argon2-hashed
passwords, a server-side session in an HttpOnly cookie, a CSRF token for unsafe requests);
cameras push frames with a per-camera API key; automation sends the admin token from
``STREETWATCH_ADMIN_TOKEN`` as ``Authorization: Bearer``. Routes declare what they need
with the dependencies in :mod:`serve.auth.access` (aliased in ``serve.routes.deps``).
"""
