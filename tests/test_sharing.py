"""Upload of a neighbour's boundary on the web: the write token, the size limit, zip-slip and zip
bombs refused, nothing stored before the file passes, and the edge-matching report."""

from __future__ import annotations

import hashlib
import io

import geopandas as gpd
import pytest

from gis_service.edgematch import IMPORTED_LAYER
from gis_service.export import zip_bytes
from gis_service.settings import PROJECT_ROOT
from gis_service.store import GeoPackageStore

from browser_helpers import browser, live_server, page  # noqa: F401  (fixtures)
from web_expected import vi_number

SOURCE = PROJECT_ROOT / "layers" / "basemap" / "communes_2025.geojson"
AUTH = {"Authorization": "Bearer test-token"}  # tests/conftest.py: write_token="test-token"


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def bu_dang_shp_zip(tmp_path_factory) -> bytes:
    """Bù Đăng's polygon as a neighbour would send it: zipped Shapefile in EPSG:9212."""
    folder = tmp_path_factory.mktemp("shp")
    gdf = gpd.read_file(SOURCE)
    gdf[gdf["name"] == "Bù Đăng"][["name", "geometry"]].to_crs(9212).to_file(
        folder / "bu_dang.shp", layer_options={"ENCODING": "UTF-8"})
    return zip_bytes({p.name: p.read_bytes() for p in folder.glob("bu_dang.*")})


def _post(client, data: bytes, filename: str, headers=AUTH, **form):
    return client.post("/sharing/neighbours", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), filename), **form})


def test_upload_with_token_imports_and_edge_matches(client, settings, bu_dang_shp_zip):
    response = _post(client, bu_dang_shp_zip, "bù_đăng_vn2000.zip", name="Bù Đăng (gửi)")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["imported"] == ["Bù Đăng (gửi)"]
    communes = gpd.read_file(SOURCE).to_crs(5899)
    ours = communes[communes["code"].astype(str) == "25417"].geometry.iloc[0]
    theirs = communes[communes["name"] == "Bù Đăng"].geometry.iloc[0]
    assert body["edgematch"][0]["overlap_ha"] == pytest.approx(ours.intersection(theirs).area / 1e4, abs=0.01)
    stored = GeoPackageStore(settings.store).read_layer(IMPORTED_LAYER)
    assert list(stored["source_file"]) == ["bù_đăng_vn2000.zip"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "test-token"}])
def test_upload_without_the_right_token_is_401_and_stores_nothing(client, settings, bu_dang_shp_zip, headers):
    before = _digest(settings.store)
    response = _post(client, bu_dang_shp_zip, "bu_dang.zip", headers=headers)
    assert response.status_code == 401
    assert _digest(settings.store) == before


def test_writes_disabled_when_no_token_is_configured(settings, bu_dang_shp_zip):
    from dataclasses import replace

    from gis_service.web import create_app

    client = create_app(replace(settings, write_token="")).test_client()
    response = _post(client, bu_dang_shp_zip, "bu_dang.zip", headers={"Authorization": "Bearer "})
    assert response.status_code == 401 and "disabled" in response.get_json()["error"]


def test_upload_over_the_size_limit_is_413(settings, bu_dang_shp_zip):
    from dataclasses import replace

    from gis_service.web import create_app

    limit = len(bu_dang_shp_zip) // 2
    client = create_app(replace(settings, upload_max_bytes=limit)).test_client()
    response = _post(client, bu_dang_shp_zip, "bu_dang.zip")
    assert response.status_code == 413
    assert f"{limit:,} bytes" in response.get_json()["error"]


def test_zip_slip_is_refused_and_nothing_written(client, settings, tmp_path):
    before = _digest(settings.store)
    evil = zip_bytes({"../../evil.geojson": SOURCE.read_bytes()})
    response = _post(client, evil, "evil.zip")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "zip-slip" in error and "evil.zip" in error and "../../evil.geojson" in error
    assert _digest(settings.store) == before


def test_zip_bomb_is_refused(settings):
    from dataclasses import replace

    from gis_service.web import create_app

    bomb = zip_bytes({"a.geojson": b" " * (20 * 1024 * 1024)})  # 20 MB of spaces, ~20 kB zipped
    client = create_app(replace(settings, upload_max_bytes=1024 * 1024)).test_client()
    assert len(bomb) < 1024 * 1024
    response = _post(client, bomb, "bomb.zip")
    assert response.status_code == 400 and "zip bomb" in response.get_json()["error"]


def test_bad_geometry_names_the_uploaded_file_feature_and_field(client, settings):
    before = _digest(settings.store)
    points = gpd.GeoDataFrame({"name": ["x"]}, geometry=gpd.points_from_xy([107.1], [11.7]), crs=4326)
    response = _post(client, points.to_json().encode(), "diem.geojson")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "diem.geojson" in error and "(#1)" in error and "field 'geometry'" in error
    assert _digest(settings.store) == before


def test_wrong_file_type_is_400(client):
    response = _post(client, b"hello", "notes.txt")
    assert response.status_code == 400 and "notes.txt" in response.get_json()["error"]


def test_edgematch_report_is_public(client):
    body = client.get("/sharing/edgematch.json?tolerance=5").get_json()
    assert body["tolerance_m"] == 5.0
    assert {r["neighbour"] for r in body["neighbours"]} == {"Bom Bo", "Bù Đăng", "Đồng Tâm", "Phước Sơn",
                                                            "Phú Trung"}
    text = client.get("/sharing/edgematch.txt").get_data(as_text=True)
    assert "Chồng lấn / overlap" in text and "Bù Đăng" in text
    assert client.get("/sharing/edgematch.json?tolerance=abc").status_code == 400


def test_old_edgematch_page_leads_to_the_sharing_page(client):
    """/sharing/edgematch was folded into /chia-se: a permanent redirect, the tolerance kept (and
    checked), nothing else of the query carried over."""
    response = client.get("/sharing/edgematch")
    assert response.status_code == 308 and response.headers["Location"] == "/chia-se#edgematch"
    response = client.get("/sharing/edgematch?tolerance=5&_external=1")
    assert response.status_code == 308 and response.headers["Location"] == "/chia-se?tolerance=5#edgematch"
    assert client.get("/sharing/edgematch?tolerance=abc").status_code == 400
    assert client.get("/sharing/edgematch", follow_redirects=True).request.path == "/chia-se"


def test_edgematch_map_page_is_offline_and_lists_the_five(client):
    page = client.get("/chia-se").get_data(as_text=True)
    assert "/static/vendor/leaflet/leaflet.js" in page
    assert "https://" not in page.split("<body")[0] and "cdn" not in page.lower()
    assert "<script>" not in page  # no inline script: the map's data come as JSON
    for name in ("Bom Bo", "Bù Đăng", "Đồng Tâm", "Phước Sơn", "Phú Trung"):
        assert name in page
    assert "lamngockhuong/vietnam-3d-map" in page  # attribution of the boundaries


def test_edgematch_map_in_a_real_browser(page, live_server):
    """Chromium, offline: the map draws the overlaps and gaps; a click on a marker names the
    neighbour and the area; the report table shows each overlap (2 decimals) as computed here."""
    communes = gpd.read_file(SOURCE).to_crs(5899)
    ours = communes[communes["code"].astype(str) == "25417"].geometry.iloc[0]
    page.page.goto(live_server.url + "/sharing/edgematch")  # the old address leads to /chia-se
    page.page.wait_for_selector("body[data-ready='1']")
    assert page.page.url.endswith("/chia-se#edgematch")
    report = page.page.locator("#edgematch-table").inner_text()
    for name in ("Bom Bo", "Bù Đăng", "Đồng Tâm", "Phước Sơn", "Phú Trung"):
        theirs = communes[communes["name"] == name].geometry.iloc[0]
        assert f"{vi_number(ours.intersection(theirs).area / 1e4, 2)} ha" in report, name  # 1.234,56 ha
    legend = page.page.locator("#edgematch-legend").inner_text()
    assert "Chồng lấn" in legend and "Khe hở" in legend and "Chấm đỏ / xanh" in legend
    assert page.page.locator("path.leaflet-interactive").count() > 80  # 40 overlaps, 34 gaps, markers
    # centre the map on an overlap marker at street zoom, then click the middle of the map
    page.page.evaluate("""() => { const m = window.edgematchMap;
        m.eachLayer(l => { if (l instanceof L.CircleMarker && l.options.color === '#c00000' && !window._t)
            window._t = l; });
        m.setView(window._t.getLatLng(), 17, {animate: false}); }""")
    page.page.locator("#edgematch-map").scroll_into_view_if_needed()
    box = page.page.locator(".leaflet-container").bounding_box()
    page.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = page.page.locator(".leaflet-popup-content").inner_text()
    assert "Chồng lấn với xã" in popup and "ha" in popup
    page.screenshot("edgematch-map")
    assert page.console_errors == [] and page.foreign_requests == []


def test_edgematch_is_computed_once_per_version_at_the_default_tolerance(client, monkeypatch, bu_dang_shp_zip):
    """A second of work per request that anyone may ask for: kept per version; a new version
    (an upload) is computed anew; another tolerance is computed on request."""
    from gis_service.web import sharing

    calls = []
    real = sharing.edgematch_store
    monkeypatch.setattr(sharing, "edgematch_store", lambda *a, **kw: calls.append(a[1:]) or real(*a, **kw))
    for path in ("/sharing/edgematch.json", "/sharing/edgematch.txt", "/chia-se"):
        assert client.get(path).status_code == 200
    assert len(calls) == 1
    assert _post(client, bu_dang_shp_zip, "bu_dang.zip").status_code == 201
    assert client.get("/sharing/edgematch.json").status_code == 200 and len(calls) == 3  # upload's own, then anew
    assert client.get("/sharing/edgematch.json?tolerance=5").status_code == 200 and len(calls) == 4


def test_upload_form_on_the_sharing_page_sends_with_the_token(browser, settings, bu_dang_shp_zip):  # noqa: F811
    """A neighbour sends its file from /chia-se in Chromium: the form puts the token in the
    Authorization header, the answer is shown as text (the overlap as computed here); a wrong token
    is refused and said so, and nothing is stored."""
    from browser_helpers import PageRecorder
    from gis_service.web.serve import BackgroundServer

    communes = gpd.read_file(SOURCE).to_crs(5899)
    ours = communes[communes["code"].astype(str) == "25417"].geometry.iloc[0]
    overlap = ours.intersection(communes[communes["name"] == "Bù Đăng"].geometry.iloc[0]).area / 1e4
    server = BackgroundServer(settings).start()
    page = PageRecorder(browser, viewport={"width": 1440, "height": 900})
    try:
        p = page.page
        p.goto(server.url + "/chia-se")
        p.wait_for_selector("body[data-ready='1']")
        p.set_input_files("#send-form input[name=file]", files=[
            {"name": "bu_dang.zip", "mimeType": "application/zip", "buffer": bu_dang_shp_zip}])
        p.fill("#send-form input[name=name]", "Bù Đăng (gửi)")
        p.fill("#send-form input[name=token]", "wrong")
        before = _digest(settings.store)
        p.click("#send-form button[type=submit]")
        p.wait_for_selector("#send-result .error-box", timeout=15_000)
        assert "401" in p.locator("#send-result").inner_text()
        assert _digest(settings.store) == before
        p.fill("#send-form input[name=token]", "test-token")
        p.click("#send-form button[type=submit]")
        item = p.locator("#send-result li[data-neighbour='Bù Đăng (gửi)']")
        item.wait_for(timeout=30_000)
        assert f"chồng lấn {vi_number(overlap, 2)} ha" in item.inner_text()
        page.screenshot("chia-se-upload-1440x900")
        assert page.console_errors == [e for e in page.console_errors if "401" in e]  # the refused try only
        assert page.foreign_requests == [] and page.csp_violations() == []
    finally:
        page.close()
        server.stop()
