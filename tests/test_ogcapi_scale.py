"""The data API and the downloads on the path a million parcels take, on both stores: 3,000
synthetic parcels (MINH HỌA / ILLUSTRATIVE, faults injected so rules fail) built into each store,
with the thresholds lowered so they count as a large layer (pages, bbox queries and single
features read from the store, a big bbox scanned, downloads written a slice at a time). Expected
values are computed here from the store's layers read whole with geopandas: ids, geometry
within 1 mm, properties, numberMatched, and the rules each parcel fails from the store's
validation_findings."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis_service import export
from gis_service.build import build_store
from gis_service.ogcapi import paging
from gis_service.settings import PROJECT_ROOT, Settings
from gis_service.store import open_store
from gis_service.synthetic import commune_boundary, make_parcels, write_parcels
from gis_service.validate import REPAIRED_LAYER
from gis_service.web import create_app
from gis_service.web.appdata import published

N_PARCELS, FAULTS_PER = 3_000, 12
WHOLE_READ_MAX, BBOX_READ_MAX, SCAN_ROWS, EXPORT_ROWS = 500, 400, 700, 1_000
EPSG_5899 = "http://www.opengis.net/def/crs/EPSG/0/5899"
API = "/ogcapi/collections"


@pytest.fixture(scope="module")
def parcel_layers(tmp_path_factory) -> Path:
    layers = tmp_path_factory.mktemp("ogcapi_scale") / "parcels"
    layers.mkdir()
    for name in ("plan.yaml", "catalog.yaml"):
        shutil.copy(PROJECT_ROOT / "layers" / "parcels" / name, layers / name)
    parcels = make_parcels(N_PARCELS, commune_boundary(PROJECT_ROOT / "layers"), seed=17, faults_per=FAULTS_PER)
    write_parcels(parcels, layers / "parcels.gpkg", PROJECT_ROOT / "layers")
    return layers


@pytest.fixture(scope="module", params=("gpkg", "postgis"))
def built(request, parcel_layers, tmp_path_factory):
    """Settings of the parcels built (and validated) into each store."""
    if request.param == "gpkg":
        settings = Settings(layers_dir=parcel_layers, store=tmp_path_factory.mktemp("gpkg") / "store.gpkg")
        build_store(settings, open_store(settings))
        yield settings
        return
    cluster, template = request.getfixturevalue("pg_cluster"), request.getfixturevalue("pg_empty_template")
    name = f"gis_test_{os.getpid()}_ogcapi_scale"
    settings = Settings(layers_dir=parcel_layers, store=cluster.create_database(name, template=template),
                        users_db=tmp_path_factory.mktemp("pg") / "users.sqlite", secret_key="k" * 48)
    store = open_store(settings)
    build_store(settings, store)
    store.close()
    yield settings
    cluster.drop_database(name)


@pytest.fixture
def app(built, monkeypatch):
    monkeypatch.setattr(paging, "WHOLE_READ_MAX", WHOLE_READ_MAX)
    monkeypatch.setattr(paging, "BBOX_READ_MAX", BBOX_READ_MAX)
    monkeypatch.setattr(paging, "SCAN_ROWS", SCAN_ROWS)
    monkeypatch.setattr(export, "EXPORT_ROWS", EXPORT_ROWS)
    app = create_app(built)
    yield app
    getattr(app.config["STORE"], "close", lambda: None)()


@pytest.fixture
def layers(app):
    """The repaired zones and the findings, read whole, and each zone's failing rules computed
    from the findings (a failing finding naming the zone, or a rule that could not run)."""
    store = app.config["STORE"]
    view = store.at(store.version())
    zones = view.read_layer(REPAIRED_LAYER)
    findings = view.read_layer("validation_findings")
    rules = view.read_table("validation_rules")
    failing: dict[str, set[str]] = {}
    for row in findings[~findings["passed"].astype(bool)].itertuples():
        for zone_id in filter(None, (row.zone_ids or "").split(";")):
            failing.setdefault(zone_id, set()).add(row.rule_id)
    errors = {r.rule_id: set(r.kinds.split(";")) for r in rules.itertuples() if r.error}
    expected_rules = {z: failing.get(z, set()) | {r for r, kinds in errors.items() if k in kinds}
                      for z, k in zip(zones["id"], zones["kind"])}
    return zones, findings, expected_rules


def _get(client, url: str) -> dict:
    answer = client.get(url)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return answer.get_json()


def _same_features(got: list[dict], expected: gpd.GeoDataFrame, expected_rules=None, crs84=False) -> None:
    """Ids, geometry within 1 mm and properties of a page against the rows expected."""
    assert [f["id"] for f in got] == expected["id"].tolist()
    if crs84:
        expected = expected.to_crs("OGC:CRS84")
    geoms = [shapely.geometry.shape(f["geometry"]) for f in got]
    tolerance = 1e-8 if crs84 else 1e-3  # about 1 mm in degrees, 1 mm in metres
    for geom, want in zip(geoms, expected.geometry):
        assert shapely.hausdorff_distance(geom, want) <= tolerance
    for f, row in zip(got, expected.drop(columns="geometry").to_dict("records")):
        p = f["properties"]
        for key in ("kind", "name_vi", "landuse", "status"):
            assert p[key] == row[key]
        assert p["area_ha"] == pytest.approx(row["area_ha"], abs=1e-9)
        if expected_rules is not None:
            assert set(filter(None, p["rules_failed"].split(";"))) == expected_rules[row["id"]]
            assert p["kind_target"] and p["kind_passed"] in (True, False)


@pytest.mark.parametrize("offset, limit", [(0, 10), (1_234, 25), (N_PARCELS - 7, 10)])
def test_pages_equal_the_whole_layer(app, layers, offset, limit):
    zones, _, rules = layers
    client = app.test_client()
    with app.test_request_context():
        assert paging.is_large(published()["zones"])
    doc = _get(client, f"{API}/zones/items?limit={limit}&offset={offset}&crs={EPSG_5899}")
    assert doc["numberMatched"] == len(zones) == N_PARCELS
    assert doc["numberReturned"] == min(limit, len(zones) - offset)
    _same_features(doc["features"], zones.iloc[offset:offset + limit], rules)
    assert any(link["rel"] == "next" for link in doc["links"]) is (offset + limit < len(zones))
    crs84 = _get(client, f"{API}/zones/items?limit={limit}&offset={offset}")
    _same_features(crs84["features"], zones.iloc[offset:offset + limit], crs84=True)


def test_some_parcels_fail_rules_and_each_says_which(layers):
    _, _, rules = layers
    assert sum(bool(r) for r in rules.values()) >= FAULTS_PER  # the injected faults fail rules


@pytest.mark.parametrize("size_m, offset", [(1_500, 0), (1_500, 5), (8_000, 0), (8_000, 150)])
def test_bbox_pages_equal_the_whole_layer(app, layers, monkeypatch, size_m, offset):
    """A small box is read with the bbox pushed down; a box expected to hold more than
    BBOX_READ_MAX is scanned (numberMatched then given only when the scan reached the end)."""
    zones, _, rules = layers
    scans = []
    scan = paging._scan
    monkeypatch.setattr(paging, "_scan", lambda *a: scans.append(a) or scan(*a))
    cx, cy = zones.geometry.union_all().centroid.coords[0]
    box = (cx - size_m / 2, cy - size_m / 2, cx + size_m / 2, cy + size_m / 2)
    hits = zones[zones.intersects(shapely.box(*box))]
    assert len(hits) > offset + 10
    query = f"bbox={','.join(map(str, box))}&bbox-crs={EPSG_5899}&crs={EPSG_5899}&limit=10&offset={offset}"
    doc = _get(app.test_client(), f"{API}/zones/items?{query}")
    _same_features(doc["features"], hits.iloc[offset:offset + 10], rules)
    assert bool(scans) is (size_m > 1_500)
    if size_m == 1_500:
        assert doc["numberMatched"] == len(hits)
    else:
        assert len(hits) > BBOX_READ_MAX / 4 and doc.get("numberMatched", len(hits)) == len(hits)
        assert any(link["rel"] == "next" for link in doc["links"])


def test_a_crs84_bbox_gives_what_the_whole_layer_gives(app, layers, monkeypatch):
    """The same bbox in CRS84 on the large path and on the small one (the whole layer in pandas)."""
    zones, _, _ = layers
    minlon, minlat, maxlon, maxlat = zones.to_crs("OGC:CRS84").total_bounds
    lon, lat = (minlon + maxlon) / 2, (minlat + maxlat) / 2
    client = app.test_client()
    url = f"{API}/zones/items?bbox={lon - 0.004},{lat - 0.004},{lon + 0.004},{lat + 0.004}&limit=50&offset=3"
    large = _get(client, url)
    monkeypatch.setattr(paging, "WHOLE_READ_MAX", 10 ** 9)
    small = _get(client, url)
    assert large["numberMatched"] == small["numberMatched"] > 0
    assert large["features"] == small["features"]


def test_one_feature_by_id_and_unknown_ids(app, layers):
    zones, _, rules = layers
    client = app.test_client()
    row = zones.iloc[[2_222]]
    doc = _get(client, f"{API}/zones/items/{row['id'].iloc[0]}?crs={EPSG_5899}")
    _same_features([doc], row, rules)
    for bad in ("P9999999", "x' OR '1'='1", 'a"b', "1"):
        assert client.get(f"{API}/zones/items/{bad}").status_code == 404


def test_positions_are_the_ids_of_a_layer_without_an_id_column(app, layers, monkeypatch):
    """validation_findings has no id column: its features are numbered from 1 in the layer's
    order, on the large path too (a page, a bbox scan, one feature)."""
    _, findings, _ = layers
    monkeypatch.setattr(paging, "WHOLE_READ_MAX", 5)
    client = app.test_client()
    doc = _get(client, f"{API}/validation_findings/items?limit=7&offset=3")
    assert [f["id"] for f in doc["features"]] == [4, 5, 6, 7, 8, 9, 10]
    assert [f["properties"]["rule_id"] for f in doc["features"]] == findings["rule_id"].iloc[3:10].tolist()
    assert doc["numberMatched"] == len(findings)
    placed = findings[findings.geometry.notna()]
    minx, miny, maxx, maxy = placed.total_bounds
    box = shapely.box(minx, miny, (minx + maxx) / 2, maxy)
    expected = [i + 1 for i, g in enumerate(findings.geometry) if g is not None and g.intersects(box)]
    query = f"bbox={minx},{miny},{(minx + maxx) / 2},{maxy}&bbox-crs={EPSG_5899}&limit=1000"
    got = _get(client, f"{API}/validation_findings/items?{query}")
    assert [f["id"] for f in got["features"]] == expected and got["numberMatched"] == len(expected)
    one = _get(client, f"{API}/validation_findings/items/{expected[-1]}")
    assert one["id"] == expected[-1] and one["properties"]["rule_id"] == findings["rule_id"].iloc[expected[-1] - 1]
    assert client.get(f"{API}/validation_findings/items/{len(findings) + 1}").status_code == 404
    assert client.get(f"{API}/validation_findings/items/0").status_code == 404


def test_description_extent_holds_every_feature_without_reading_them(app, layers):
    zones, _, _ = layers
    store = app.config["STORE"]
    reads = []
    read_layer = store.read_layer
    store.read_layer = lambda name, *a, **kw: reads.append(name) or read_layer(name, *a, **kw)
    doc = _get(app.test_client(), f"{API}/zones")
    assert REPAIRED_LAYER not in reads
    minlon, minlat, maxlon, maxlat = doc["extent"]["spatial"]["bbox"][0]
    lon0, lat0, lon1, lat1 = zones.to_crs("OGC:CRS84").total_bounds
    assert minlon <= lon0 + 1e-6 and minlat <= lat0 + 1e-6 and maxlon >= lon1 - 1e-6 and maxlat >= lat1 - 1e-6
    assert max(lon0 - minlon, lat0 - minlat, maxlon - lon1, maxlat - lat1) < 1e-3  # the box, not more


def test_the_geojson_download_is_written_in_slices_and_holds_every_parcel(app, layers, tmp_path):
    zones, _, rules = layers
    answer = app.test_client().get("/downloads/zones.geojson")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "public, max-age=300"
    path = tmp_path / "zones.geojson"
    path.write_bytes(answer.data)
    answer.close()
    got = gpd.read_file(path)
    assert got["id"].tolist() == zones["id"].tolist()
    assert np.allclose(got["area_ha"], zones["area_ha"])
    assert [set(filter(None, (r or "").split(";"))) for r in got["rules_failed"]] == [rules[z] for z in zones["id"]]
    assert (shapely.hausdorff_distance(got.geometry.values, zones.geometry.values) < 1e-3).all()
    assert json.loads(path.read_text(encoding="utf-8"))["type"] == "FeatureCollection"


@pytest.mark.parametrize("broad", [1_000, 1])
def test_rules_for_zone_uses_the_index_and_equals_the_findings(app, layers, monkeypatch, broad):
    """What the planner panel and /tra-cuu list: every rule of the zone's kind, failed where the
    findings say so (the zone → failing rules index, built once per report; with ``broad`` 1
    every finding naming several zones is kept as its set of ids instead)."""
    from gis_service import report as report_module
    from gis_service.validate import load_report

    monkeypatch.setattr(report_module, "BROAD_FINDING", broad)

    zones, _, rules = layers
    store = app.config["STORE"]
    report = load_report(store.at(store.version()))
    assert bool(report._zone_index[1]) is (broad == 1)
    for zone_id, kind in zip(zones["id"], zones["kind"]):
        listed = report.rules_for_zone(zone_id, kind)
        assert [o.rule_id for o, _ in listed] == [o.rule_id for o in report.outcomes if kind in o.kinds]
        assert {o.rule_id for o, ok in listed if not ok} == rules[zone_id]


def test_where_and_geometry_false_on_both_stores(any_store):
    """read_layer's where= (a column's value as text equals the text given; values are data, never
    SQL) and geometry=False (the attributes only), the same on each back end."""
    view = any_store.at(any_store.version())
    zones = view.read_layer("zones")
    first = zones.iloc[0]
    got = view.read_layer("zones", where={"id": first["id"]})
    assert got["id"].tolist() == [first["id"]] and got.geometry.iloc[0].equals_exact(first.geometry, 1e-6)
    both = view.read_layer("zones", where={"id": first["id"], "kind": first["kind"]})
    assert both["id"].tolist() == [first["id"]]
    assert view.read_layer("zones", where={"id": first["id"], "kind": "no such kind"}).empty
    for hostile in (f"{first['id']}' OR '1'='1", '" OR 1=1 --', "%", "_"):
        assert view.read_layer("zones", where={"id": hostile}).empty
    with pytest.raises(ValueError):
        view.read_layer("zones", where={'id" = id OR "id': "x"})
    with pytest.raises(ValueError):
        view.read_layer("zones", where={"id": "a\x00b"})
    attrs = view.read_layer("zones", columns=["id"], geometry=False)
    assert list(attrs.columns) == ["id"] and attrs["id"].tolist() == zones["id"].tolist()
    assert not isinstance(attrs, gpd.GeoDataFrame)


def test_the_items_page_says_how_many_in_vietnamese_numbers_or_that_the_total_is_not_counted(app, layers):
    """3,000 parcels: '10 / 3.000 đối tượng'; a box scanned without reaching its end says the
    total is not counted (its JSON leaves numberMatched out) rather than '10 / '."""
    zones, _, _ = layers
    client = app.test_client()
    page = client.get(f"{API}/zones/items?f=html&limit=10").get_data(as_text=True)
    assert f"10 / {len(zones) // 1000}.{len(zones) % 1000:03d} đối tượng" in page
    minx, miny, maxx, maxy = zones.total_bounds
    query = f"bbox={minx},{miny},{maxx},{maxy}&bbox-crs={EPSG_5899}&limit=10"
    doc = _get(client, f"{API}/zones/items?{query}")
    page = client.get(f"{API}/zones/items?{query}&f=html").get_data(as_text=True)
    if "numberMatched" in doc:
        assert f"10 / {doc['numberMatched'] // 1000}.{doc['numberMatched'] % 1000:03d} đối tượng" in page
    else:
        assert "10 đối tượng trên trang này; tổng số không đếm" in page


def test_a_versions_zone_extras_are_freed_with_it(built):
    """The rules-failed strings are cached by the instance itself: once a version's extras are
    dropped (an older version), nothing keeps them and their report alive."""
    import gc
    import weakref

    from gis_service.zonetargets import zone_extras

    store = open_store(built)
    view = store.at(store.version())
    extras = zone_extras(view)
    zones = view.read_layer(REPAIRED_LAYER, limit=50)
    applied = extras.apply(zones)
    assert list(applied["rules_failed"]) == [
        ";".join(o.rule_id for o, ok in extras.report.rules_for_zone(z, k) if not ok)
        for z, k in zip(zones["id"], zones["kind"])]
    gone = weakref.ref(extras)
    del extras
    gc.collect()
    assert gone() is None
    getattr(store, "close", lambda: None)()
