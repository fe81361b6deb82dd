"""Storage: cases, their evidence and the camera registry, in SQLite or PostgreSQL.

Open one :class:`Database` per process with :func:`open_database` (it migrates the schema
to the latest revision) and use the repositories on it; they return plain frozen records,
never ORM objects.
"""

from __future__ import annotations

from serve.store.cameras import CameraRepo
from serve.store.cases import CaseNotFound, CaseRepo
from serve.store.database import Database, open_database
from serve.store.records import (
    EVIDENCE_KINDS,
    CameraOrigin,
    CameraRecord,
    CaseRecord,
    EvidenceIn,
    EvidenceKind,
    EvidenceRecord,
    NewCase,
)

__all__ = [
    "EVIDENCE_KINDS",
    "CameraOrigin",
    "CameraRecord",
    "CameraRepo",
    "CaseNotFound",
    "CaseRecord",
    "CaseRepo",
    "Database",
    "EvidenceIn",
    "EvidenceKind",
    "EvidenceRecord",
    "NewCase",
    "open_database",
]
