"""OGC API – Features against a real running server, read with GDAL's own client (ogrinfo and
ogr2ogr, OAPIF driver). Expected values are computed here from the source files with shapely."""

from __future__ import annotations

import json
import re
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
    # a commune's id is its code (stable), in the source file's order
    codes = [str(c) for c in gpd.read_file(COMMUNES_SRC)["code"]]
    assert [f["id"] for f in doc["features"]] == codes[20:26]
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


def _collection_ids(server: str) -> list[str]:
    listing = _ogr(f"OAPIF:{server}")
    return [line.split(":", 1)[1].split(" (title:")[0].strip() for line in listing.splitlines()
            if " (title: " in line]


def _count_in_file(path) -> int:
    """Feature count of a file's only layer, by Debian's ogrinfo (GDAL 3.6)."""
    out = _ogr("-so", "-al", str(path))
    return int(re.search(r"Feature Count: (\d+)", out).group(1))


def test_gdal_reads_every_collection_as_the_downloads_hold_it(server, tmp_path):
    ids = _collection_ids(server)
    assert len(ids) >= 12 and {"zones", "validation_findings", "edgematch"} <= set(ids)
    root = server.removesuffix("/ogcapi")
    for collection in ids:
        fetched = _fetch(server, collection, tmp_path, page_size=50)
        download = tmp_path / f"{collection}.download.gpkg"
        with urllib.request.urlopen(f"{root}/downloads/{collection}.gpkg") as r:
            download.write_bytes(r.read())
        assert len(fetched) == _count_in_file(download) > 0, collection


def test_findings_are_the_same_features_as_the_download(server, tmp_path):
    """Findings without a place (a passed rule) are features with a null geometry in both."""
    fetched = _fetch(server, "validation_findings", tmp_path, page_size=5)
    download = tmp_path / "findings.gpkg"
    with urllib.request.urlopen(server.removesuffix("/ogcapi") + "/downloads/validation_findings.gpkg") as r:
        download.write_bytes(r.read())
    held = gpd.read_file(download)
    key = lambda f: sorted(zip(f["rule_id"], f["passed"].astype(bool), f["zone_ids"].fillna("")))  # noqa: E731
    assert key(fetched) == key(held)
    assert fetched.geometry.isna().sum() == held.geometry.isna().sum() > 0


def test_a_zone_is_fetched_by_its_id(server):
    doc, _ = _get(f"{server}/collections/zones/items/NS-01")
    assert doc["id"] == "NS-01" and doc["properties"]["id"] == "NS-01"
    source = gpd.read_file(ZONES_SRC).set_index("id")
    assert doc["properties"]["name_vi"] == source.loc["NS-01", "name_vi"]
    # the kind's target and result travel with the zone: NS-01 is the produce hub, R03 400–500 ha
    union = source[source["kind"] == "produce_hub"].union_all().area / 10_000
    assert doc["properties"]["kind_target"] == "400–500 ha"
    assert doc["properties"]["kind_area_ha"] == pytest.approx(union, abs=1e-3)
    assert doc["properties"]["kind_passed"] is (400 <= union <= 500)
    # GDAL's client asks for one feature by id when filtered on it
    out = _ogr(f"OAPIF:{server}", "zones", "-where", "id='NS-01'", "-geom=NO")
    assert "Feature Count: 1" in _ogr("-so", f"OAPIF:{server}", "zones", "-where", "id='NS-01'")
    assert "id (String) = NS-01" in out


@pytest.mark.parametrize("path, name", [
    ("/collections/zones/items?foo=1", "foo"), ("/collections?limit=5", "limit"),
    ("/collections/zones/items/NS-01?limit=1", "limit"), ("/?bar=2", "bar"),
    ("/collections/zones?foo=1", "foo"), ("/conformance?x=1", "x"), ("/api?limit=1", "limit")])
def test_unknown_parameters_are_refused(server, path, name):
    with pytest.raises(HTTPError) as err:
        _get(server + path)
    assert err.value.code == 400
    assert f"'{name}'" in json.loads(err.value.read())["error"]


@pytest.mark.parametrize("value", [
    "2026-11-23T12:00:00Z", "2026-11-23T19:00:00+07:00", "2026-01-01T00:00:00Z/2026-12-31T23:59:59Z",
    "2026-01-01T00:00:00Z/..", "../2026-12-31T00:00:00Z", "2026-11-23", "2026-01-01/2026-06-30"])
def test_a_valid_datetime_selects_every_feature(server, value):
    from urllib.parse import quote

    doc, _ = _get(f"{server}/collections/zones/items?limit=100&datetime={quote(value)}")
    assert doc["numberMatched"] == len(gpd.read_file(ZONES_SRC))
    assert any(f"datetime={quote(value, safe='')}" in l["href"] or "datetime=" in l["href"]
               for l in doc["links"] if l["rel"] == "self")


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "2026-02-30", "../..",
                                   "2026-12-31T00:00:00Z/2026-01-01T00:00:00Z", "2026-11-23T12:00:00"])
def test_an_invalid_datetime_is_400(server, value):
    from urllib.parse import quote

    with pytest.raises(HTTPError) as err:
        _get(f"{server}/collections/zones/items?datetime={quote(value)}")
    assert err.value.code == 400 and "'datetime'" in json.loads(err.value.read())["error"]


def test_openapi_declares_datetime(server):
    api, _ = _get(f"{server}/api")
    refs = [p["$ref"] for p in api["paths"]["/collections/zones/items"]["get"]["parameters"] if "$ref" in p]
    assert "#/components/parameters/datetime" in refs
    assert "every feature matches" in api["components"]["parameters"]["datetime"]["description"]


def test_html_pages_mark_illustrative_layers_and_title_fields_in_vietnamese(server):
    with urllib.request.urlopen(f"{server}/collections/zones/items?f=html") as r:
        page = r.read().decode()
    assert "MINH HỌA / ILLUSTRATIVE" in page and "Diện tích phẳng (ha, chính thức)" in page
    assert "Bản nháp" in page and '<html lang="vi">' in page and "<h1>" in page
    with urllib.request.urlopen(f"{server}/collections/commune_boundary/items?f=html") as r:
        assert "MINH HỌA" not in r.read().decode()


def test_collections_document_is_made_once_per_version(app, client, settings):
    from test_web_pages import _accept_draft

    store = app.config["STORE"]
    reads = []
    read_layer, layer_extent = store.read_layer, store.layer_extent
    store.read_layer = lambda name, *a, **kw: reads.append(name) or read_layer(name, *a, **kw)
    # a description's extent comes from the layer's metadata (no features read)
    store.layer_extent = lambda name, *a, **kw: reads.append(name) or layer_extent(name, *a, **kw)
    first = client.get("/ogcapi/collections").get_json()
    assert reads, "the first request reads the store"
    reads.clear()
    assert client.get("/ogcapi/collections").get_json() == first
    assert client.get("/ogcapi/collections", base_url="http://other.example").get_json()["links"][0][
        "href"].startswith("http://other.example/ogcapi/")  # each request gets its own root
    assert reads == [], "an unchanged version is not read again"
    zones = read_layer("zones")
    _accept_draft(store, settings, zones[zones["id"] != "TT-01"].reset_index(drop=True))
    client.get("/ogcapi/collections")
    assert "zones_repaired" in reads, "a new version is read at once"
