"""Downloads: every format read back with GDAL (pyogrio), areas and names compared with the source
files, the .prj and the UTF-8 .cpg of Shapefiles, the short field names and their mapping."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import zipfile

import geopandas as gpd
import pytest

from gis_service.cli import main
from gis_service.export import shapefile_fields
from gis_service.settings import PROJECT_ROOT

ZONES_SRC = PROJECT_ROOT / "layers" / "illustrative" / "draft_zones.geojson"


@pytest.fixture(scope="module")
def zones_src() -> gpd.GeoDataFrame:
    return gpd.read_file(ZONES_SRC).set_index("id")


def _save(client, url, tmp_path, name):
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    path = tmp_path / name
    path.write_bytes(response.data)
    return path, response


def test_zones_geopackage_in_vn2000_has_the_source_areas(client, tmp_path, zones_src):
    path, response = _save(client, "/downloads/zones.gpkg", tmp_path, "z.gpkg")
    assert "nghia_trung_zones_vn2000_5899.gpkg" in response.headers["Content-Disposition"]
    got = gpd.read_file(path).set_index("id")
    assert got.crs.to_epsg() == 5899
    for zone_id, geom in zones_src.geometry.items():
        assert got.geometry[zone_id].area == pytest.approx(geom.area, rel=1e-9)
    assert got.loc["TT-01", "name_vi"] == zones_src.loc["TT-01", "name_vi"]


def test_zones_geojson_in_wgs84_is_rfc7946_lonlat(client, tmp_path, zones_src):
    path, response = _save(client, "/downloads/zones.geojson?crs=wgs84", tmp_path, "z.geojson")
    assert response.mimetype == "application/geo+json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert "crs" not in doc  # RFC 7946: WGS 84 longitude, latitude
    got = gpd.read_file(path).set_index("id")
    lon, lat = got.geometry["TT-01"].representative_point().coords[0]
    assert 106.5 < lon < 107.5 and 11 < lat < 12.5
    back = got.to_crs(5899)
    for zone_id, geom in zones_src.geometry.items():  # cm precision of RFC 7946 output
        assert back.geometry[zone_id].area == pytest.approx(geom.area, rel=1e-5)


def test_zipped_shapefile_has_prj_utf8_cpg_and_field_mapping(client, tmp_path, zones_src):
    path, _ = _save(client, "/downloads/zones.shp.zip", tmp_path, "z.zip")
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        assert {"zones.shp", "zones.shx", "zones.dbf", "zones.prj", "zones.cpg", "fields.csv"} <= names
        assert zf.read("zones.cpg").decode().strip() == "UTF-8"
        mapping = list(csv.DictReader(io.StringIO(zf.read("fields.csv").decode("utf-8"))))
    got = gpd.read_file(f"zip://{path}!zones.shp").set_index("id")
    assert got.crs.to_epsg() == 5899  # the .prj names VN-2000 / TM-3 107-45
    assert all(len(c) <= 10 for c in got.columns)
    assert {r["field"]: r["shapefile_field"] for r in mapping} == {
        "id": "id", "kind": "kind", "name_vi": "name_vi", "name_en": "name_en", "landuse": "landuse",
        "status": "status", "source": "source", "illustrative": "illustr", "area_ha": "area_ha",
        "geodesic_ha": "geod_ha", "version": "version", "zones_version": "zones_ver",
        "source_file": "src_file", "source_sha256": "src_sha256", "decision_number": "decision",
        "decision_date": "dec_date", "issuing_body": "dec_body", "kind_target": "kind_tgt",
        "kind_area_ha": "kind_ha", "kind_passed": "kind_pass", "rules_failed": "rules_fail"}
    assert got.loc["SR-01", "name_vi"] == zones_src.loc["SR-01", "name_vi"]  # diacritics survive
    assert set(got["illustr"]) == {1}
    for zone_id, geom in zones_src.geometry.items():
        assert got.geometry[zone_id].area == pytest.approx(geom.area, rel=1e-9)


def test_whole_plan_as_geopackage_has_every_plan_layer(client, tmp_path):
    path, _ = _save(client, "/downloads/plan.gpkg?crs=EPSG:9212", tmp_path, "plan.gpkg")
    import pyogrio
    layers = {str(n) for n, _ in pyogrio.list_layers(path)}
    assert layers == {"commune_boundary", "zones", "remaining_land", "validation_findings"}
    boundary = gpd.read_file(path, layer="commune_boundary")
    assert boundary.crs.to_epsg() == 9212
    assert boundary.geometry.iloc[0].area / 10_000 == pytest.approx(22209.6, abs=0.1)  # SOURCES.md


def test_shapefile_names_are_short_ascii_and_unique():
    mapping = shapefile_fields(["population_published", "tên_xã_phường", "tên_xã_phường_cũ", "Tên"])
    assert mapping["population_published"] == "population"
    assert mapping["tên_xã_phường"] == "ten_xa_phu"
    assert mapping["tên_xã_phường_cũ"] == "ten_xa_ph2"
    assert all(len(v) <= 10 and v.isascii() for v in mapping.values())
    assert len({v.lower() for v in mapping.values()}) == len(mapping)


@pytest.mark.parametrize("url, status, words", [
    ("/downloads/zones.xls", 400, ["'format'"]),
    ("/downloads/zones.gpkg?crs=EPSG:3857", 400, ["'crs'", "EPSG:3857"]),
    ("/downloads/nope.gpkg", 404, ["nope"]),
])
def test_bad_requests_name_what_is_wrong(client, url, status, words):
    response = client.get(url)
    assert response.status_code == status
    for word in words:
        assert word in response.get_json()["error"]


def test_index_lists_layers_and_marks_illustrative(client):
    page = client.get("/downloads/").get_data(as_text=True)
    assert "/downloads/zones.shp.zip" in page and "crs=wgs84" in page and "MINH HỌA / ILLUSTRATIVE" in page


def test_cli_export(settings, tmp_path, capsys):
    out = tmp_path / "boundary.zip"
    args = ["--store", str(settings.store), "--layers", str(settings.layers_dir), "-q"]
    assert main(args + ["export", "commune_boundary", "--format", "shp", "--crs", "wgs84",
                        "--output", str(out)]) == 0
    got = gpd.read_file(f"zip://{out}!commune_boundary.shp")
    assert got.crs.to_epsg() == 4326 and "seat_addr" in got.columns
    assert main(args + ["export", "nope"]) == 2


def _debian_ogrinfo(path) -> tuple[str, str]:
    """Debian's ogrinfo (GDAL 3.6, as QGIS 3.22 offices have it) on a file: stdout, stderr."""
    done = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr


def _named(response, tmp_path):
    """The file saved under the name the server gives it."""
    name = re.search(r'filename="([^"]+)"', response.headers["Content-Disposition"]).group(1)
    path = tmp_path / name
    path.write_bytes(response.data)
    return path


@pytest.mark.parametrize("url", ["/downloads/zones.gpkg", "/downloads/plan.gpkg?crs=wgs84"])
def test_geopackages_are_version_1_2_and_open_without_a_warning(client, tmp_path, url):
    path = _named(client.get(url), tmp_path)
    header = path.read_bytes()[:100]  # SQLite header: user_version at 60, application_id at 68
    assert header[68:72] == b"GPKG" and header[60:64] == (10200).to_bytes(4, "big")  # GeoPackage 1.2.0
    _, stderr = _debian_ogrinfo(path)
    assert stderr.strip() == "", stderr


@pytest.mark.parametrize("crs, epsg", [("", 5899), ("?crs=wgs84", 4326)])
def test_whole_plan_geojson_is_one_feature_collection_with_a_layer_property(client, tmp_path, crs, epsg):
    response = client.get(f"/downloads/plan.geojson{crs}")
    assert response.mimetype == "application/geo+json"
    path = _named(response, tmp_path)
    assert path.suffix == ".geojson" and "plan" in path.name
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    stdout, stderr = _debian_ogrinfo(path)  # opens under its own name, no warning
    assert stderr.strip() == ""
    layers = [f["properties"]["layer"] for f in doc["features"]]
    # counts from the source files: the commune, 9 zones, the remaining land; every finding
    zones = gpd.read_file(ZONES_SRC)
    assert layers.count("commune_boundary") == 1 and layers.count("zones") == len(zones)
    assert layers.count("remaining_land") == 1
    findings = client.get("/ogcapi/collections/validation_findings/items?limit=1000").get_json()
    assert layers.count("validation_findings") == findings["numberMatched"] > 0
    assert f"Feature Count: {len(layers)}" in stdout
    got = gpd.read_file(path)
    assert got.crs.to_epsg() == epsg
    got = got[got["layer"] == "zones"].set_index("id").to_crs(5899)
    for zone_id, geom in zones.set_index("id").geometry.items():
        assert got.geometry[zone_id].area == pytest.approx(geom.area, rel=1e-5)


def test_zones_carry_both_areas_the_kind_target_and_the_result(client, tmp_path, zones_src):
    path, _ = _save(client, "/downloads/zones.gpkg", tmp_path, "z.gpkg")
    got = gpd.read_file(path).set_index("id")
    for zone_id, geom in zones_src.geometry.items():
        assert got.loc[zone_id, "area_ha"] == pytest.approx(geom.area / 10_000, abs=1e-4)
    geodesic = zones_src.to_crs(4326).to_crs("+proj=cea +datum=WGS84")  # equal-area, independent of ours
    assert got.loc["CNC-01", "geodesic_ha"] == pytest.approx(geodesic.geometry["CNC-01"].area / 10_000, rel=1e-4)
    hub = zones_src[zones_src["kind"] == "produce_hub"].union_all().area / 10_000
    assert got.loc["NS-01", "kind_target"] == "400–500 ha"
    assert got.loc["NS-01", "kind_area_ha"] == pytest.approx(hub, abs=1e-3)
    assert bool(got.loc["NS-01", "kind_passed"]) is (400 <= hub <= 500)
    assert "R11" in got.loc["SR-03", "rules_failed"].split(";")  # 382 m from residential land, 500 m needed
    assert got.loc["BX-K01", "kind_target"] is None or got.loc["BX-K01", "kind_target"] != got.loc["BX-K01", "kind_target"]


def test_each_file_is_made_once_per_version(app, client, settings):
    from test_web_pages import _accept_draft

    store = app.config["STORE"]
    reads = []
    read_layer = store.read_layer
    store.read_layer = lambda name, *a, **kw: reads.append(name) or read_layer(name, *a, **kw)
    first = client.get("/downloads/plan.gpkg").data
    assert reads
    reads.clear()
    assert client.get("/downloads/plan.gpkg").data == first
    assert client.get("/downloads/plan.gpkg?crs=PLAN").data == first  # one file per CRS, however written
    assert reads == [], "an unchanged version's file is not made again"
    zones = read_layer("zones")
    _accept_draft(store, settings, zones[zones["id"] != "TT-01"].reset_index(drop=True))
    assert client.get("/downloads/plan.gpkg").data != first


@pytest.mark.parametrize("ext, layers", [("gpkg", 4), ("geojson", 1), ("shp.zip", 4)])
def test_every_plan_file_opens_under_its_own_name(client, tmp_path, ext, layers):
    path = _named(client.get(f"/downloads/plan.{ext}"), tmp_path)
    assert path.name == f"nghia_trung_plan_vn2000_5899.{ext}"
    done = subprocess.run(["ogrinfo", "-ro", "-q", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr
    assert len(re.findall(r"^\d+: ", done.stdout, re.M)) == layers
