"""The pages and their files, without a browser: served by the app, nothing from elsewhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from serve.evidence.fonts import find_cjk_font
from serve.ui.routes import STATIC_DIR
from tests.serve.service import service

# every URL in the page code is a path on this app; the SVG namespace is a name, not a fetch
ALLOWED_ABSOLUTE = {"http://www.w3.org/2000/svg"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with service(tmp_path_factory.mktemp("pages")) as c:
        yield c


@pytest.mark.parametrize("page", ["/review", "/cases", "/cases/1", "/stats", "/phones", "/ledger"])
def test_pages_are_served_with_a_strict_policy(client: TestClient, page: str) -> None:
    r = client.get(page)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    policy = r.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert r.headers["cache-control"] == "no-store"
    assert '<html lang="zh-CN">' in r.text  # Chinese first


@pytest.mark.parametrize("page", ["/review", "/cases", "/cases/1", "/stats", "/phones", "/ledger"])
def test_signed_out_browsers_go_to_the_login_page(client: TestClient, page: str) -> None:
    anonymous = TestClient(client.app, base_url=str(client.base_url))
    r = anonymous.get(page, follow_redirects=False)
    want = f"/login?next={page.replace('/', '%2F')}"
    assert r.status_code == 303 and r.headers["location"] == want


def static_files() -> list[Path]:
    """Our own page files; not the vendored libraries, whose bundles name sites in licences
    and schema ids (test_vendored.py pins them by hash, test_docs_offline.py shows they
    fetch nothing from outside)."""
    vendor = STATIC_DIR / "vendor"
    return sorted(p for p in STATIC_DIR.rglob("*") if p.is_file() and vendor not in p.parents)


def test_every_file_the_pages_load_is_served_here(client: TestClient) -> None:
    refs: set[str] = set()
    for path in static_files():
        text = path.read_text(encoding="utf-8")
        absolute = set(re.findall(r"https?://[^\s\"')]+", text)) - ALLOWED_ABSOLUTE
        assert not absolute, f"{path.name} names other sites: {absolute}"
        refs |= set(re.findall(r"(?:src|href)=\"(/ui/[^\"]+)\"", text))
        if path.suffix == ".js":
            refs |= {f"/ui/static/js/{m}" for m in re.findall(r"from \"\./([\w.]+)\"", text)}
    assert {"/ui/static/js/review.js", "/ui/static/js/charts.js"} <= refs
    for ref in sorted(refs):
        r = client.get(ref)
        assert r.status_code == 200, ref


def test_scripts_and_styles_have_their_types(client: TestClient) -> None:
    js = client.get("/ui/static/js/review.js")
    assert js.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert client.get("/ui/static/css/app.css").headers["content-type"].startswith("text/css")


def test_taxonomy_for_the_pages(client: TestClient) -> None:
    body = client.get("/ui/taxonomy.json").json()
    car = next(c for c in body["classes"] if c["name"] == "car")
    assert (car["zh"], car["en"]) == ("小汽车", "car")
    parking = next(v for v in body["violations"] if v["key"] == "illegal_parking")
    assert parking["zh"] == "机动车违停" and parking["classes"] == ["car", "bus", "truck"]
    assert body["reject_reasons"] == [
        "false_positive",
        "wrong_class",
        "permitted",
        "duplicate",
        "other",
        "no_violation",
    ]


def test_cameras_for_the_pages_leave_out_their_sources(client: TestClient) -> None:
    [cam] = client.get("/ui/cameras.json").json()["data"]
    assert set(cam) == {"id", "name", "address", "timezone", "zones"}
    assert cam["name"] == "香港中路口"
    assert [z["id"] for z in cam["zones"]] == ["np1", "walk"]
    assert cam["zones"][1]["responsible"] == "便利店"


def test_the_chinese_font_is_served_when_there_is_one(client: TestClient) -> None:
    r = client.get("/ui/fonts/cjk")
    font = find_cjk_font()
    if font is None or font.suffix.lower() not in {".otf", ".ttf", ".woff2"}:
        assert r.status_code == 404
    else:
        assert r.status_code == 200 and r.headers["content-type"].startswith("font/")
        assert len(r.content) == font.stat().st_size
