"""Downloads: every format read back with GDAL (pyogrio), areas and names compared with the source
files, the .prj and the UTF-8 .cpg of Shapefiles, the short field names and their mapping."""

from __future__ import annotations

import csv
import io
import json
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
        "decision_date": "dec_date", "issuing_body": "dec_body"}
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
