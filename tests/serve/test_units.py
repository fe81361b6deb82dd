"""Responsible units (门前三包): from a YAML file and the API, the zones that name them,
their cases counted by where they stand, statistics per unit, and removal refused while a
zone still names the unit."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from serve.app import create_app
from serve.config.settings import Settings
from serve.config.units import UnitConfigError, load_units
from tests.serve.service import CAR, PUSH_CAMERA, cases, push, service, write_config

SHOP = {
    "id": "hx-shop-1",
    "name": "鲜果坊",
    "address": "香港中路12号",
    "contact": "王店长",
    "phone": "0532-88881234",
    "category": "商铺",
}
PARKING = {"id": "sn-property-3", "name": "海景花园物业", "category": "物业"}


def _setup(tmp_path: Path) -> tuple[Path, Path]:
    camera = copy.deepcopy(PUSH_CAMERA)
    camera["zones"][0]["responsible"] = "sn-property-3"  # the no-parking zone
    config = write_config(tmp_path / "cameras.yaml", [camera])
    units = tmp_path / "units.yaml"
    units.write_text(yaml.safe_dump([PARKING], allow_unicode=True))
    return config, units


def test_units_from_the_file_and_the_api_with_their_zones_and_cases(tmp_path: Path) -> None:
    config, units = _setup(tmp_path)
    with service(tmp_path, config, units=units) as client:
        r = client.put("/v1/units/hx-shop-1", json=SHOP)
        assert r.status_code == 201, r.text
        assert client.put("/v1/units/hx-shop-1", json=SHOP).status_code == 200  # replaced
        for t in range(0, 310, 10):
            push(client, t, [("car", CAR)])
        [case] = cases(client)
        assert case["responsible"] == "sn-property-3"
        client.post(f"/v1/cases/{case['id']}/review", json={"decision": "confirm"})
        listed = client.get("/v1/units").json()
        assert listed["count"] == 2
        # the sidewalk zone still names a free-text unit from before units existed
        assert listed["unassigned"] == ["便利店"]
        parking = client.get("/v1/units/sn-property-3").json()
        assert parking["source"] == "file" and parking["name"] == "海景花园物业"
        assert parking["zones"] == [
            {"camera_id": "cam-01", "camera_name": "香港中路口", "zone_id": "np1",
             "zone_type": "no_parking"}
        ]  # fmt: skip
        assert parking["cases"] == {
            "total": 1, "drafts": 0, "in_progress": 1, "overdue": 0, "disposed": 0
        }  # fmt: skip
        shop = client.get("/v1/units/hx-shop-1").json()
        assert shop["contact"] == "王店长" and shop["zones"] == [] and shop["cases"]["total"] == 0
        stats = client.get("/v1/stats", params={"since": "2026-11-23", "until": "2026-11-23"})
        per_unit = {g["key"]: g for g in stats.json()["per_unit"]}
        assert per_unit["sn-property-3"]["name"] == "海景花园物业"
        assert per_unit["sn-property-3"]["confirmed"] == 1
        filtered = client.get("/v1/cases", params={"responsible": "sn-property-3"}).json()
        assert [c["id"] for c in filtered["data"]] == [case["id"]]


def test_a_unit_a_zone_names_cannot_be_removed(tmp_path: Path) -> None:
    config, units = _setup(tmp_path)
    with service(tmp_path, config, units=units) as client:
        r = client.delete("/v1/units/sn-property-3")
        assert r.status_code == 409 and "cam-01/np1" in r.json()["detail"]
        client.put("/v1/units/hx-shop-1", json=SHOP)
        assert client.delete("/v1/units/hx-shop-1").status_code == 204
        assert client.get("/v1/units/hx-shop-1").status_code == 404
        assert client.delete("/v1/units/hx-shop-1").status_code == 404


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({**SHOP, "id": "other"}, "differs from the path"),
        ({**SHOP, "name": ""}, "name"),
        ({**SHOP, "phone": "1" * 51}, "phone"),
        ({**SHOP, "colour": "red"}, "colour"),
    ],
)
def test_bad_units_get_a_422_saying_what(tmp_path: Path, body: dict[str, str], where: str) -> None:
    with service(tmp_path) as client:
        r = client.put("/v1/units/hx-shop-1", json=body)
        assert r.status_code == 422 and where in r.text, r.text
        assert client.get("/v1/units/bad id!").status_code == 422


def test_a_bad_units_file_stops_the_start_naming_the_entry(tmp_path: Path) -> None:
    bad = tmp_path / "units.yaml"
    bad.write_text(yaml.safe_dump([PARKING, {"id": "x y", "name": "n"}], allow_unicode=True))
    with pytest.raises(UnitConfigError, match=r"units.yaml: unit #2, field id"):
        load_units(bad)
    bad.write_text(yaml.safe_dump([PARKING, PARKING], allow_unicode=True))
    with pytest.raises(UnitConfigError, match="used twice"):
        create_app(Settings(data_dir=tmp_path / "d", demo=False, units=bad))
    example = Path(__file__).parents[2] / "serve" / "config" / "units.example.yaml"
    assert [u.id for u in load_units(example)] == ["hx-fruit-012", "sn-property-3"]
