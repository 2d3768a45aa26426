"""Every request bounded before work starts, one error handler, security headers on every answer.
Through Flask's test client on a real app and store; expected values from the source files."""

from __future__ import annotations

import io
import json
import time

import geopandas as gpd
import pytest
import shapely

from gis_service.settings import PROJECT_ROOT

from memory import peak_growth_mb

ZONES_SRC = PROJECT_ROOT / "layers" / "illustrative" / "draft_zones.geojson"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ITEMS_COLLECTIONS = ("zones", "commune_boundary", "communes", "road_ql14", "edgematch")


def leaks_a_path(text: str, settings) -> bool:
    return any(str(p) in text for p in (settings.store.parent, PROJECT_ROOT, "/tmp/", "/home/", "/work/"))


@pytest.mark.parametrize("collection", ITEMS_COLLECTIONS)
@pytest.mark.parametrize("bbox, crs", [
    ("0,0,0,0", None), ("-1e308,-1e308,1e308,1e308", None), ("nan,1,2,3", None), ("1,2,inf,4", None),
    ("107,11,107,12", None), ("107.2,11,107.1,12", None), ("0,0,1e9,1e10", EPSG.format(5899)),
    ("0,0,0,0", EPSG.format(9212)), ("107,11,107.5,12", EPSG.format(4326)), ("1,2,3", None),
    ("1,,2,3", None), ("1e400,0,1,1", None),
])
def test_degenerate_and_far_bboxes_are_400_naming_bbox(client, collection, bbox, crs):
    query = f"bbox={bbox}" + (f"&bbox-crs={crs}" if crs else "")
    started = time.perf_counter()
    response = client.get(f"/ogcapi/collections/{collection}/items?{query}")
    assert response.status_code == 400, (query, response.get_data(as_text=True)[:300])
    body = response.get_json()
    assert "field 'bbox'" in body["error"] and body["status"] == 400
    assert time.perf_counter() - started < 2


def test_the_11_gb_bbox_of_the_issue_is_refused_at_once_in_little_memory(client):
    url = f"/ogcapi/collections/zones/items?bbox=0,0,1e9,1e10&bbox-crs={EPSG.format(5899)}"
    client.get("/ogcapi/collections/zones/items?limit=1")  # the layer is read and kept first
    with peak_growth_mb() as grown:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    assert response.status_code == 400
    assert "EPSG:5899" in response.get_json()["error"] and "area of use" in response.get_json()["error"]
    assert elapsed < 1 and grown() < 50


def test_a_world_bbox_is_answered_quickly_with_every_zone(client):
    zones = gpd.read_file(ZONES_SRC)
    for query in ("bbox=-180,-90,180,90", f"bbox=-90,-180,90,180&bbox-crs={EPSG.format(4326)}"):
        with peak_growth_mb() as grown:
            doc = client.get(f"/ogcapi/collections/zones/items?limit=100&{query}").get_json()
        assert doc["numberMatched"] == len(zones), query
        assert grown() < 50


def test_a_bbox_in_each_crs_selects_what_shapely_selects(client):
    zones = gpd.read_file(ZONES_SRC).to_crs(5899)
    window = (107.10, 11.60, 107.15, 11.70)  # lon/lat
    in_5899 = gpd.GeoSeries([shapely.box(*window)], crs="OGC:CRS84").to_crs(5899).iloc[0]
    expected = set(zones[zones.intersects(in_5899)]["id"])
    assert 0 < len(expected) < len(zones)
    lat_first = f"{window[1]},{window[0]},{window[3]},{window[2]}"
    for query in (f"bbox={','.join(map(str, window))}", f"bbox={lat_first}&bbox-crs={EPSG.format(4326)}"):
        doc = client.get(f"/ogcapi/collections/zones/items?limit=100&{query}").get_json()
        assert {f["properties"]["id"] for f in doc["features"]} == expected, query
    # a window in the old Bình Phước zone, far wider than the commune: clipped, not densified
    doc = client.get(f"/ogcapi/collections/zones/items?limit=100&bbox=420000,1200000,730000,1450000"
                     f"&bbox-crs={EPSG.format(9212)}").get_json()
    assert doc["numberMatched"] == len(zones)


@pytest.mark.parametrize("query, status, field", [
    ("limit=0", 400, "limit"), ("limit=-1", 400, "limit"), ("limit=1.5", 400, "limit"),
    ("limit=" + "9" * 200, 400, "limit"), ("offset=-1", 400, "offset"), ("offset=1000001", 400, "offset"),
    ("offset=" + "9" * 30, 400, "offset"), ("datetime=yesterday", 400, "datetime"),
    ("datetime=2026-02-30", 400, "datetime"), ("datetime=2026-01-02/2026-01-01", 400, "datetime"),
    ("f=xml", 400, "f"), ("crs=EPSG:3857", 400, "crs"), ("bbox-crs=" + EPSG.format(5899), 400, "bbox-crs"),
])
def test_paging_datetime_and_format_are_checked(client, query, status, field):
    response = client.get(f"/ogcapi/collections/zones/items?{query}")
    assert response.status_code == status
    assert f"field '{field}'" in response.get_json()["error"]


def test_limit_above_the_maximum_is_the_maximum_and_datetime_is_accepted(client):
    doc = client.get("/ogcapi/collections/communes/items?limit=99999999999&datetime=2025-07-01T00:00:00Z/..").get_json()
    assert doc["numberReturned"] == doc["numberMatched"] == 26
    assert "limit=10000" in next(link["href"] for link in doc["links"] if link["rel"] == "self")


@pytest.mark.parametrize("query", ["lon=2.35&lat=48.85", "lon=-179&lat=89", "x=1e300&y=1300000",
                                   "x=500000&y=9000000", "x=300000&y=1300000&crs=EPSG:9212"])
def test_lookup_far_from_the_plan_crs_area_is_400(client, query):
    response = client.get(f"/lookup?{query}")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "area of use" in response.get_json()["error"]


# -- one error handler ---------------------------------------------------------------------------

@pytest.fixture
def failing_app(app, settings):
    """The real app with one more route that fails the way a bug would, quoting a server path."""
    @app.get("/boom")
    def boom():
        raise RuntimeError(f"cannot open {settings.store.parent}/secret.gpkg")
    return app


def test_an_unexpected_error_is_500_logged_with_its_traceback_and_shows_neither(failing_app, settings, caplog):
    client = failing_app.test_client()
    response = client.get("/boom")
    assert response.status_code == 500 and response.mimetype == "application/json"
    body = response.get_json()
    incident = body["error"].rsplit(" ", 1)[-1]
    assert "Traceback" not in response.get_data(as_text=True)
    assert not leaks_a_path(response.get_data(as_text=True), settings)
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert incident in logged and "RuntimeError" in caplog.text and "secret.gpkg" in caplog.text
    page = client.get("/boom", headers=BROWSER)
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "Lỗi máy chủ / Internal server error" in page.get_data(as_text=True)
    assert not leaks_a_path(page.get_data(as_text=True), settings)


@pytest.mark.parametrize("path, status", [("/nope", 404), ("/ogcapi/collections/nope", 404),
                                          ("/lookup?lon=x&lat=1", 400), ("/display?interval=0", 400)])
def test_errors_come_in_the_clients_format(client, path, status):
    program = client.get(path)
    assert program.status_code == status and program.mimetype == "application/json"
    assert program.get_json()["status"] == status
    browser = client.get(path, headers=BROWSER)
    assert browser.status_code == status and browser.mimetype == "text/html"
    assert f"<h1>{status} · " in browser.get_data(as_text=True)


def test_method_not_allowed_says_which_are(client):
    response = client.delete("/ogcapi/collections")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


def test_healthz_and_upload_errors_reveal_no_server_path(client, settings):
    assert not leaks_a_path(client.get("/healthz").get_data(as_text=True), settings)
    for data, name in ((b"", "x.gpkg"), (b"not json", "x.geojson"), (b"PK\x03\x04", "x.zip")):
        response = client.post("/sharing/neighbours", headers={"Authorization": "Bearer test-token"},
                               content_type="multipart/form-data", data={"file": (io.BytesIO(data), name)})
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert name in text and not leaks_a_path(text, settings), text


@pytest.mark.parametrize("auth, error", [(None, None), ("Bearer wrong", "invalid_token")])
def test_401_names_its_scheme(client, auth, error):
    headers = {"Authorization": auth} if auth else {}
    response = client.post("/sharing/neighbours", headers=headers)
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="gis-service"')
    assert (f'error="{error}"' in challenge) if error else ("error=" not in challenge)


@pytest.mark.parametrize("path", ["/", "/dashboard", "/display", "/report", "/chia-se", "/sharing/edgematch",
                                  "/downloads/", "/ogcapi/?f=html", "/ogcapi/collections/zones/items",
                                  "/lookup?lon=107.1&lat=11.8", "/healthz", "/nope",
                                  "/static/js/common.js", "/static/vendor/leaflet/leaflet.js"])
def test_security_headers_on_every_answer(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'" and "unsafe" not in csp
    assert directives["frame-ancestors"] == "'none'" and directives["default-src"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_opt_in_tiles_host_is_the_only_other_image_source(settings):
    from dataclasses import replace

    from gis_service.web import create_app

    app = create_app(replace(settings, tiles_url="https://{s}.tile.example.org/{z}/{x}/{y}.png"))
    csp = app.test_client().get("/healthz").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://*.tile.example.org;" in csp
    assert json.dumps(csp).count("example.org") == 1


def test_work_past_the_time_limit_stops_with_503(settings):
    """A time limit of 0 s: the first check in the features loop stops the request."""
    from dataclasses import replace

    from gis_service.web import create_app

    client = create_app(replace(settings, request_time_limit_s=0)).test_client()
    response = client.get("/ogcapi/collections/zones/items")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "time limit" in response.get_json()["error"]
    assert client.get("/healthz").status_code == 200  # work without a check is not stopped


HUGE = str(2**80)  # past SQLite's and PostgreSQL's integers


@pytest.mark.parametrize("path", [f"/tra-cuu?version={HUGE}", f"/?version={HUGE}", f"/phien-ban/{HUGE}/so-sanh/1",
                                  f"/phien-ban/1/so-sanh/{HUGE}.json", "/phien-ban/0/so-sanh/1"])
def test_a_version_number_no_store_holds_is_404_for_a_planner(client, settings, path):
    from gis_service.accounts import Accounts
    from test_versions_web import PASSWORD, sign_in

    Accounts(settings.users_file).add("can_bo.dia-chinh", PASSWORD)
    assert sign_in(client, "can_bo.dia-chinh").status_code == 303
    response = client.get(path)
    assert response.status_code == 404, response.get_data(as_text=True)[:300]
    assert HUGE not in response.get_json()["error"]  # the typed number is cut short in the message


def test_a_draft_checked_past_the_time_limit_stops_with_503_and_stores_nothing(settings):
    """The validation of an uploaded draft checks the limit between rules: at 0 s the upload
    answers 503 and the store is byte for byte as it was (no version, no pending draft)."""
    import hashlib
    from dataclasses import replace

    from gis_service.accounts import Accounts
    from gis_service.web import create_app
    from test_versions_web import PASSWORD, grown_draft, sign_in, upload

    Accounts(settings.users_file).add("can_bo.dia-chinh", PASSWORD)
    client = create_app(replace(settings, request_time_limit_s=0)).test_client()
    assert sign_in(client, "can_bo.dia-chinh").status_code == 303
    before = hashlib.sha256(settings.store.read_bytes()).hexdigest()
    response = upload(client, grown_draft())
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert hashlib.sha256(settings.store.read_bytes()).hexdigest() == before
