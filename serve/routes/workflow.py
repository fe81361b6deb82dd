"""After review: dispatch to the responsible unit, close, and export a case as a file."""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Request, Response

from detector.taxonomy import Taxonomy
from serve.cameras.service import UnknownCameraError
from serve.config.settings import Settings
from serve.dispatch_profile import LoadedProfile
from serve.evidence.files import EvidenceFiles
from serve.routes.deps import ActorDep, CamerasDep, CasesDep, EvidenceDep, RowId, TaxonomyDep
from serve.schemas.cases import CasePublic
from serve.store.cases import CaseNotFound, CaseRepo
from serve.store.records import CaseRecord
from serve.workflow import CaseStateError, CaseStatus

router = APIRouter(prefix="/cases", tags=["workflow"])

Reason = Annotated[str | None, Body(embed=True, max_length=500)]


def _move(cases: CasesDep, case_id: RowId, to: CaseStatus, actor: str, reason: str | None) -> None:
    try:
        cases.transition(case_id, to, actor=actor, reason=reason)
    except CaseNotFound as e:
        raise HTTPException(404, str(e)) from e
    except CaseStateError as e:
        raise HTTPException(409, str(e)) from e


@router.post("/{case_id}/dispatch", response_model=CasePublic)
def dispatch_case(
    case_id: RowId,
    request: Request,
    cases: CasesDep,
    cameras: CamerasDep,
    taxonomy: TaxonomyDep,
    actor: ActorDep,
    reason: Reason = None,
) -> CasePublic:
    """Hand a confirmed case to the responsible unit; its camera then re-inspects the place
    (回头看) and marks it verified_cleared once the violation is gone."""
    _move(cases, case_id, CaseStatus.DISPATCHED, actor, reason)
    record = cases.get(case_id)
    assert record is not None
    dispatcher = getattr(request.app.state, "dispatcher", None)
    if dispatcher is not None:
        dispatcher.enqueue(case_id)
    # a removed camera cannot re-inspect: the case then stays dispatched until closed
    with contextlib.suppress(UnknownCameraError):
        cameras.pipeline(record.camera_id).forget_dispatched()
    return CasePublic.from_record(record, taxonomy)


def dispatch_payload(
    cases: CaseRepo,
    taxonomy: Taxonomy,
    settings: Settings,
    case_id: RowId,
    profile: LoadedProfile | None = None,
    evidence: EvidenceFiles | None = None,
) -> dict[str, Any]:
    """What the case platform receives: the case, with absolute evidence URLs and hashes,
    rendered through the dispatch ``profile`` (the project's own JSON without one)."""
    record = cases.get(case_id)
    if record is None:
        raise CaseNotFound(case_id)
    body = CasePublic.from_record(record, taxonomy).model_dump(mode="json")
    base = settings.public_url.rstrip("/")
    for item in body["evidence"]:
        item["url"] = base + item["url"]
    if profile is None:
        return {"event": "case.dispatched", "case": body}

    def read(n: int) -> bytes:
        item = record.evidence[n]
        data = None if evidence is None else evidence.read_verified(item.path, item.sha256)
        if data is None:
            raise ValueError(f"evidence {item.kind} of case {record.id} fails its SHA-256 check")
        return data

    return profile.render(body, read)


@router.post("/{case_id}/close", response_model=CasePublic)
def close_case(
    case_id: RowId, cases: CasesDep, taxonomy: TaxonomyDep, actor: ActorDep, reason: Reason = None
) -> CasePublic:
    """Close a confirmed, dispatched or verified-cleared case (办结)."""
    _move(cases, case_id, CaseStatus.CLOSED, actor, reason)
    record = cases.get(case_id)
    assert record is not None
    return CasePublic.from_record(record, taxonomy)


@router.post("/{case_id}/notes", status_code=204)
def add_note(
    case_id: RowId,
    cases: CasesDep,
    actor: ActorDep,
    text: Annotated[str, Body(embed=True, min_length=1, max_length=1000)],
) -> Response:
    """A note on the case (a call made, a unit's answer), kept in its audit log."""
    if not text.strip():
        raise HTTPException(422, "field 'text': a note needs some text")
    try:
        cases.note(case_id, actor=actor, action="note", reason=text.strip())
    except CaseNotFound as e:
        raise HTTPException(404, str(e)) from e
    return Response(status_code=204)


def _write_case(
    z: zipfile.ZipFile, record: CaseRecord, evidence: EvidenceFiles, taxonomy: Taxonomy, at: str
) -> None:
    """``{at}case.json`` (with each evidence file's SHA-256) and ``{at}evidence/*``."""
    public = CasePublic.from_record(record, taxonomy).model_dump(mode="json")
    files = []
    for item in record.evidence:
        path = evidence.path(item.path)
        if not evidence.verify(item.path, item.sha256):
            raise HTTPException(
                409, f"evidence {item.kind} of case {record.id} fails its SHA-256 check"
            )
        name = f"evidence/{item.kind}{path.suffix}"
        z.write(path, at + name)
        files.append({"kind": item.kind, "file": name, "sha256": item.sha256})
    public["evidence_files"] = files
    z.writestr(at + "case.json", json.dumps(public, ensure_ascii=False, indent=2))


def _zip(name: str, body: bytes) -> Response:
    return Response(
        body,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/{case_id}/export",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def export_case(
    case_id: RowId, cases: CasesDep, evidence: EvidenceDep, taxonomy: TaxonomyDep
) -> Response:
    """The case as a zip for the city's case platform: ``case.json`` (with each evidence
    file's SHA-256) and the evidence files themselves."""
    record = cases.get(case_id)
    if record is None:
        raise HTTPException(404, f"no case with id {case_id}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        _write_case(z, record, evidence, taxonomy, "")
    return _zip(f"case-{case_id}.zip", buffer.getvalue())


# at most this many cases in one export (a page of the case list)
MAX_EXPORT = 200


@router.post(
    "/export",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def export_cases(
    ids: Annotated[list[RowId], Body(embed=True, min_length=1, max_length=MAX_EXPORT)],
    cases: CasesDep,
    evidence: EvidenceDep,
    taxonomy: TaxonomyDep,
) -> Response:
    """Several cases in one zip, each in ``case-<id>/`` as ``GET /cases/{id}/export`` writes
    it; 404 naming the ids that do not exist."""
    wanted = list(dict.fromkeys(ids))
    records = {i: cases.get(i) for i in wanted}
    missing = [i for i, r in records.items() if r is None]
    if missing:
        raise HTTPException(404, f"no case with id {', '.join(map(str, missing))}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for case_id, record in records.items():
            assert record is not None
            _write_case(z, record, evidence, taxonomy, f"case-{case_id}/")
    return _zip(f"cases-{len(wanted)}.zip", buffer.getvalue())
