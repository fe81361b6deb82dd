"""Revisions, one file each; Alembic skips this __init__."""
