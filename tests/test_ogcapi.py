"""OGC API – Features against a real running server, read with GDAL's own client (ogrinfo and
ogr2ogr, OAPIF driver). Expected values are computed here from the source files with shapely."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from urllib.error import HTTPError

import geopandas as gpd
import pytest
import shapely

from gis_service.settings import PROJECT_ROOT

LAYERS = PROJECT_ROOT / "layers"
ZONES_SRC = LAYERS / "illustrative" / "draft_zones.geojson"
COMMUNES_SRC = LAYERS / "basemap" / "communes_2025.geojson"
EPSG_5899 = "http://www.opengis.net/def/crs/EPSG/0/5899"


@pytest.fixture(scope="module")
def server(tmp_path_factory, built_store_file):
    import shutil

    from gis_service.settings import Settings
    from gis_service.web.serve import BackgroundServer

    store = tmp_path_factory.mktemp("ogc") / "store.gpkg"
    shutil.copy2(built_store_file, store)
    server = BackgroundServer(Settings(layers_dir=LAYERS, store=store)).start()
    yield server.url + "/ogcapi"
    server.stop()


def _ogr(*args: str) -> str:
    done = subprocess.run(["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _fetch(server: str, collection: str, tmp_path, query: str = "", page_size: int = 4) -> gpd.GeoDataFrame:
    """Every feature of a collection through GDAL, paging ``page_size`` at a time."""
    out = tmp_path / f"{collection}.gpkg"
    url = f"OAPIF:{server}/collections/{collection}" + (f"?{query}" if query else "")
    done = subprocess.run(["ogr2ogr", "-f", "GPKG", "-oo", f"PAGE_SIZE={page_size}", str(out), url],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return gpd.read_file(out)


def _get(url: str):
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/geo+json"})) as r:
        return json.loads(r.read()), r.headers


def test_gdal_lists_the_collections_with_titles(server):
    listing = _ogr(f"OAPIF:{server}")
    for name in ("commune_boundary", "zones", "validation_findings", "communes", "road_ql14",
                 "thac_mo_lake", "neighbours", "edgematch"):
        assert f": {name} (title: " in listing
    assert "Ranh giới xã Nghĩa Trung" in listing


def test_illustrative_layers_say_so_and_basemap_keeps_attribution(server):
    zones = _ogr("-so", f"OAPIF:{server}", "zones")
    assert "MINH HỌA / ILLUSTRATIVE" in zones
    assert f"Feature Count: {len(gpd.read_file(ZONES_SRC))}" in zones
    boundary = _ogr("-so", f"OAPIF:{server}", "commune_boundary")
    assert "lamngockhuong/vietnam-3d-map" in boundary and "MIT" in boundary
    assert "MINH HỌA" not in boundary


@pytest.mark.parametrize("collection, source", [("zones", ZONES_SRC), ("communes", COMMUNES_SRC)])
def test_gdal_reads_every_feature_by_pages(server, tmp_path, collection, source):
    fetched = _fetch(server, collection, tmp_path, page_size=4)  # 9 and 26 features: several pages
    assert len(fetched) == len(gpd.read_file(source))


def test_zone_areas_in_vn2000_equal_the_source(server, tmp_path):
    """crs=EPSG:5899 (Part 2): the planar areas of what GDAL receives equal shapely's on the file."""
    fetched = _fetch(server, "zones", tmp_path, query=f"crs={EPSG_5899}").set_index("id")
    expected = gpd.read_file(ZONES_SRC).set_index("id")
    assert set(fetched.index) == set(expected.index)
    for zone_id, geom in expected.geometry.items():
        # GDAL labels GeoJSON as WGS 84 whatever it holds; the numbers are metres in EPSG:5899
        assert fetched.geometry[zone_id].area == pytest.approx(geom.area, rel=1e-7), zone_id


def test_boundary_area_in_each_crs(server, tmp_path):
    source = gpd.read_file(COMMUNES_SRC)
    source = source[source["code"].astype(str) == "25417"]
    for epsg in (5899, 9212):
        got = _fetch(server, "commune_boundary", tmp_path, f"crs=http://www.opengis.net/def/crs/EPSG/0/{epsg}")
        expected_ha = source.to_crs(epsg).geometry.iloc[0].area / 10_000
        assert got.geometry.iloc[0].area / 10_000 == pytest.approx(expected_ha, abs=0.01)
    assert expected_ha == pytest.approx(22209.6, abs=0.1)  # SOURCES.md, EPSG:9212


def test_epsg4326_is_latitude_first_and_crs84_longitude_first(server, tmp_path):
    seat_lonlat = gpd.read_file(LAYERS / "illustrative" / "commune_seat.geojson").to_crs("OGC:CRS84").geometry.iloc[0]
    crs84 = _fetch(server, "commune_seat", tmp_path).geometry.iloc[0]
    assert (crs84.x, crs84.y) == pytest.approx((seat_lonlat.x, seat_lonlat.y), abs=1e-7)
    doc, headers = _get(f"{server}/collections/commune_seat/items?crs=http://www.opengis.net/def/crs/EPSG/0/4326")
    assert headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4326>"
    lat, lon = doc["features"][0]["geometry"]["coordinates"]
    assert (lat, lon) == pytest.approx((seat_lonlat.y, seat_lonlat.x), abs=1e-7)


def test_bbox_filter_through_gdal_and_with_bbox_crs(server, tmp_path):
    zones = gpd.read_file(ZONES_SRC)
    window = (107.10, 11.60, 107.15, 11.70)  # lon/lat
    window_5899 = gpd.GeoSeries([shapely.box(*window)], crs="OGC:CRS84").to_crs(5899).iloc[0]
    expected = set(zones[zones.intersects(window_5899)]["id"])
    assert 0 < len(expected) < len(zones)
    out = _ogr(f"OAPIF:{server}", "zones", "-spat", *map(str, window), "-geom=NO")
    got = {line.split("=")[1].strip() for line in out.splitlines() if line.strip().startswith("id (String)")}
    assert got == expected
    # the same window as a VN-2000 bbox (bbox-crs), answered by the server alone
    b = window_5899.bounds
    doc, _ = _get(f"{server}/collections/zones/items?limit=100&bbox={b[0]},{b[1]},{b[2]},{b[3]}"
                  f"&bbox-crs={EPSG_5899}")
    expected_5899 = set(zones[zones.intersects(shapely.box(*b))]["id"])
    assert {f["properties"]["id"] for f in doc["features"]} == expected_5899
    assert doc["numberMatched"] == len(expected_5899)


def test_paging_links_and_numbers(server):
    doc, headers = _get(f"{server}/collections/communes/items?limit=10&offset=20")
    assert (doc["numberMatched"], doc["numberReturned"]) == (26, 6)
    assert [f["id"] for f in doc["features"]] == list(range(21, 27))
    assert {l["rel"] for l in doc["links"]} >= {"self", "prev", "alternate"} and "next" not in {
        l["rel"] for l in doc["links"]}
    assert headers["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"


def test_conformance_openapi_and_html(server):
    conf, _ = _get(f"{server}/conformance")
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conf["conformsTo"]
    api, headers = _get(f"{server}/api")
    assert api["openapi"].startswith("3.0") and "/collections/zones/items" in api["paths"]
    with urllib.request.urlopen(f"{server}/collections/zones/items?f=html") as r:
        page = r.read().decode()
    assert "TT-01" in page and "<script" not in page


@pytest.mark.parametrize("query, field", [("crs=EPSG:3857", "crs"), ("bbox=1,2,3", "bbox"),
                                          ("limit=zero", "limit"), ("bbox-crs=EPSG:5899", "bbox-crs")])
def test_bad_parameters_are_400_naming_the_parameter(server, query, field):
    with pytest.raises(HTTPError) as err:
        _get(f"{server}/collections/zones/items?{query}")
    assert err.value.code == 400
    assert f"'{field}'" in json.loads(err.value.read())["error"]


def test_unknown_collection_and_feature_are_404(server):
    for path in ("/collections/nope", "/collections/zones/items/99"):
        with pytest.raises(HTTPError) as err:
            _get(server + path)
        assert err.value.code == 404


def test_edgematch_collection_serves_the_overlaps(server):
    doc, _ = _get(f"{server}/collections/edgematch/items?limit=1000&crs={EPSG_5899}")
    overlap = {}
    for f in doc["features"]:
        if f["properties"]["kind"] == "overlap":
            name = f["properties"]["neighbour"]
            overlap[name] = overlap.get(name, 0) + shapely.geometry.shape(f["geometry"]).area / 10_000
    communes = gpd.read_file(COMMUNES_SRC).to_crs(5899)
    ours = communes[communes["code"].astype(str) == "25417"].geometry.iloc[0]
    assert set(overlap) == {"Bom Bo", "Bù Đăng", "Đồng Tâm", "Phước Sơn", "Phú Trung"}
    for name, ha in overlap.items():
        theirs = communes[communes["name"] == name].geometry.iloc[0]
        assert ha == pytest.approx(ours.intersection(theirs).area / 10_000, abs=1e-3)
