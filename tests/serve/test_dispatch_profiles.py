"""Dispatch profiles: a dispatched case reaches a local receiver in the GB/T 30428-style
profile, valid against the profile's schema, with the codes from its YAML; a city's own
profile (other codes, field names, base64 attachments) needs no code change; a profile
that cannot work is refused at start, and a payload its schema refuses is never sent."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from detector.taxonomy import load_taxonomy
from serve.app import create_app
from serve.config.settings import Settings
from serve.dispatch_profile import SHIPPED, DispatchProfileError, load_profile
from tests.serve.service import ADMIN_TOKEN, service
from tests.serve.test_dispatch import Receiver, dispatched_case, wait_until

VIOLATIONS = [v.key for v in load_taxonomy().violations]


def _own_profile(tmp_path: Path, file: str, **changes: object) -> Path:
    """The shipped GB/T 30428-style profile with ``changes``, as a city's file (its schema
    copied beside it)."""
    profile = yaml.safe_load((SHIPPED / "gbt30428.yaml").read_text()) | changes
    path = tmp_path / f"{file}.yaml"
    path.write_text(yaml.safe_dump(profile, allow_unicode=True))
    (tmp_path / "gbt30428.schema.json").write_text((SHIPPED / "gbt30428.schema.json").read_text())
    return path


def _received(receiver: Receiver) -> dict[str, object]:
    wait_until(lambda: any(b for _, b in receiver.requests))
    body: dict[str, object] = json.loads(receiver.requests[-1][1])
    return body


def test_a_case_reaches_the_platform_in_the_gbt30428_profile(tmp_path: Path) -> None:
    receiver = Receiver()
    try:
        with service(
            tmp_path,
            dispatch_url=receiver.url,
            dispatch_profile="gbt30428",
            public_url="https://sw.example.cn",
        ) as client:
            case = dispatched_case(client)
            body = _received(receiver)
    finally:
        receiver.close()
    schema = json.loads((SHIPPED / "gbt30428.schema.json").read_text())
    jsonschema.validate(body, schema, format_checker=jsonschema.FormatChecker())
    data = body["data"]
    assert isinstance(data, dict)
    codes = yaml.safe_load((SHIPPED / "gbt30428.yaml").read_text())["categories"]
    assert data["eventId"] == case["id"] and data["eventType"] == "事件"
    assert data["bigClassCode"] == codes["illegal_parking"]["major"] == "05"
    assert data["smallClassCode"] == codes["illegal_parking"]["minor"] == "0501"
    assert data["eventSource"] == "视频AI" and data["gridCode"] == "000000000000"
    assert "机动车违停" in data["description"]
    urls = [a["url"] for a in data["attachments"]]
    assert urls and all(u.startswith("https://sw.example.cn/v1/cases/") for u in urls)


def test_a_citys_own_profile_needs_no_code_change(tmp_path: Path) -> None:
    categories = yaml.safe_load((SHIPPED / "gbt30428.yaml").read_text())["categories"]
    categories["illegal_parking"] = {"type": "事件", "major": "07", "minor": "0712"}
    own = _own_profile(
        tmp_path,
        "qingdao",
        name="qingdao",
        attachments="base64",
        categories=categories,
        grids={"cameras": {"cam-01": "370203001001"}, "default": None},
    )
    receiver = Receiver()
    try:
        with service(tmp_path, dispatch_url=receiver.url, dispatch_profile=str(own)) as client:
            case = dispatched_case(client)
            body = _received(receiver)
            shown = client.get(f"/v1/cases/{case['id']}").json()
    finally:
        receiver.close()
    data = body["data"]
    assert isinstance(data, dict)
    assert (data["bigClassCode"], data["smallClassCode"]) == ("07", "0712")
    assert data["gridCode"] == "370203001001"
    sent = {a["sha256"]: base64.b64decode(a["base64"]) for a in data["attachments"]}
    assert {e["sha256"] for e in shown["evidence"]} == set(sent)
    assert all(hashlib.sha256(b).hexdigest() == h for h, b in sent.items())


def test_a_payload_the_schema_refuses_is_a_failed_delivery_not_a_post(tmp_path: Path) -> None:
    # no grid code for the camera and no default: the schema requires one
    own = _own_profile(tmp_path, "nogrid", grids={})
    receiver = Receiver()
    try:
        with service(tmp_path, dispatch_url=receiver.url, dispatch_profile=str(own)) as client:
            case = dispatched_case(client)

            def failed() -> list[dict[str, object]]:
                audit = client.get(f"/v1/cases/{case['id']}/audit").json()["data"]
                return [a for a in audit if a["action"] == "webhook_failed"]

            wait_until(failed)
            assert "gridCode" in json.dumps(failed()[0], ensure_ascii=False)
    finally:
        receiver.close()
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"categories": {}}, "no category for violations"),
        ({"fields": {"x": "case.nosuch"}}, "field 'x' reads 'case.nosuch'"),
        ({"fields": {"x": "event.colour"}}, "field 'x' reads 'event.colour'"),
        ({"schema": "missing.json"}, "not a usable JSON Schema"),
        ({"attachments": "ftp"}, "attachments"),
    ],
)
def test_a_profile_that_cannot_work_is_refused_at_start(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    path = _own_profile(tmp_path, "bad", **change)
    with pytest.raises(DispatchProfileError, match=message):
        load_profile(str(path), VIOLATIONS)
    settings = Settings(data_dir=tmp_path / "d", demo=False, dispatch_profile=str(path))
    with pytest.raises(DispatchProfileError, match=r"bad\.yaml"):
        create_app(settings)


def test_unknown_shipped_profile_names_the_shipped_ones() -> None:
    with pytest.raises(DispatchProfileError, match=r"shipped: \['gbt30428', 'streetwatch'\]"):
        load_profile("nosuch", VIOLATIONS)


def test_the_default_profile_is_todays_json_and_valid_against_its_schema(tmp_path: Path) -> None:
    receiver = Receiver()
    try:
        with service(tmp_path, dispatch_url=receiver.url) as client:
            dispatched_case(client)
            body = _received(receiver)
    finally:
        receiver.close()
    assert body["event"] == "case.dispatched"
    schema = json.loads((SHIPPED / "streetwatch.schema.json").read_text())
    jsonschema.validate(body, schema)
    assert ADMIN_TOKEN  # the service helper signs in with it
