"""The store writes atomically; any CRS GDAL reads is reprojected; both VN-2000 zones work. Tests
taking ``any_settings`` or ``empty_location`` run on both back ends (GeoPackage, PostGIS)."""

from __future__ import annotations

import hashlib

import geopandas as gpd
import pytest
import yaml

from gis_service.build import build_store, load_inputs
from gis_service.errors import InputError
from gis_service.settings import Settings
from gis_service.store import GeoPackageStore, WriteInfo, open_store
from gis_service.validate import load_report, validate_store


def test_refused_write_leaves_store_as_it_was(any_store):
    store = any_store
    before = _fingerprint(store)
    good = gpd.GeoDataFrame({"a": [1]}, geometry=gpd.points_from_xy([430_000], [1_290_000]), crs="EPSG:5899")
    with pytest.raises(TypeError):
        store.write({"new_layer": good, "bad": "not a data frame"}, WriteInfo("test"))
    assert _fingerprint(store) == before
    assert "new_layer" not in store.layer_names() and store.version() == 1


def _fingerprint(store):
    """The GeoPackage's bytes; the PostGIS store's tables and the rows of its bookkeeping."""
    if isinstance(store, GeoPackageStore):
        return hashlib.sha256(store.path.read_bytes()).hexdigest()
    with store._connection() as conn:
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'gis_store' ORDER BY 1").fetchall()
        rows = [conn.execute(f"SELECT * FROM gis_store.{t} ORDER BY 1").fetchall()
                for t in ("store_versions", "store_version_layers", "store_tables", "store_approvals")]
    return tables, rows


def test_failed_write_makes_no_version_and_its_tables_go_with_the_next_write(settings, monkeypatch):
    import pyogrio

    store = GeoPackageStore(settings.store)
    good = gpd.GeoDataFrame({"a": [1]}, geometry=gpd.points_from_xy([430_000], [1_290_000]), crs="EPSG:5899")
    real_write, calls = pyogrio.write_dataframe, []

    def disk_full_on_second_table(*args, **kwargs):  # the disk fills up after the first table
        calls.append(kwargs["layer"])
        if len(calls) == 2:
            raise OSError("No space left on device")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(pyogrio, "write_dataframe", disk_full_on_second_table)
    with pytest.raises(OSError):
        store.write({"new_layer": good, "second": good.assign(a=2)}, WriteInfo("test"))
    monkeypatch.setattr(pyogrio, "write_dataframe", real_write)
    assert store.version() == 1 and "new_layer" not in store.layer_names()
    store.write({"other": good}, WriteInfo("test"))
    tables = {name for name, _ in __import__("pyogrio").list_layers(settings.store)}
    assert not any(t.startswith("new_layer__") for t in tables)  # the leftover was dropped


def test_report_round_trips_through_the_store(any_settings):
    settings = any_settings
    store = open_store(settings)
    _, plan = load_inputs(settings)
    report = validate_store(store, plan)
    again = load_report(store)
    assert [(o.rule_id, o.passed) for o in again.outcomes] == [(o.rule_id, o.passed) for o in report.outcomes]
    assert [a.planar_ha for a in again.areas] == pytest.approx([a.planar_ha for a in report.areas])
    assert again.rules_for_zone("SR-03", "durian_farming")


def _point_zones_at(layers, path, crs):
    zones = gpd.read_file(layers / "illustrative" / "draft_zones.geojson").to_crs(crs)
    zones.to_file(layers / path, engine="pyogrio")
    catalog = yaml.safe_load((layers / "catalog.yaml").read_text(encoding="utf-8"))
    next(e for e in catalog["layers"] if e["name"] == "zones")["file"] = path
    (layers / "catalog.yaml").write_text(yaml.safe_dump(catalog, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize("crs", ["EPSG:9212", "EPSG:32648", "EPSG:4326"])
def test_zones_in_another_crs_give_the_same_hectares(layers_copy, tmp_path, crs):
    _point_zones_at(layers_copy, "zones_other.gpkg", crs)
    settings = Settings(layers_dir=layers_copy, store=tmp_path / "s.gpkg")
    store = GeoPackageStore(settings.store)
    build_store(settings, store)
    _, plan = load_inputs(settings)
    areas = {a.kind: a.planar_ha for a in validate_store(store, plan).areas}
    source = gpd.read_file(layers_copy / "illustrative" / "draft_zones.geojson")  # EPSG:5899, as drawn
    expected = source.dissolve("kind").area / 10_000
    for kind, ha in expected.items():
        assert areas[kind] == pytest.approx(ha, abs=0.01)


def test_plan_in_the_old_binh_phuoc_zone(layers_copy, empty_location):
    plan_file = layers_copy / "plan.yaml"
    plan_file.write_text(plan_file.read_text(encoding="utf-8").replace("crs: EPSG:5899", "crs: EPSG:9212"),
                         encoding="utf-8")
    settings = Settings(layers_dir=layers_copy, store=empty_location)
    store = open_store(settings)
    build_store(settings, store)
    boundary = store.read_layer("commune_boundary")
    assert boundary.crs.to_epsg() == 9212 and store.crs("commune_boundary") == "EPSG:9212"
    assert boundary.area.iloc[0] / 10_000 == pytest.approx(22_209.6, abs=0.1)


def test_other_plan_crs_refused(layers_copy, tmp_path):
    plan_file = layers_copy / "plan.yaml"
    plan_file.write_text(plan_file.read_text(encoding="utf-8").replace("crs: EPSG:5899", "crs: EPSG:3857"),
                         encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_inputs(Settings(layers_dir=layers_copy, store=tmp_path / "s.gpkg"))
    assert err.value.field == "crs" and "plan.yaml" in err.value.file


def test_store_metadata_marks_illustrative_layers_and_names_the_code_source(any_store):
    store = any_store
    catalog = store.read_table("layer_catalog").set_index("name")
    for name, row in catalog.iterrows():
        description = store.layer_description(name)
        assert ("MINH HỌA / ILLUSTRATIVE" in description) == bool(row["illustrative"]), name
    assert {"thac_mo_lake", "residential", "commune_seat", "zones", "remaining_land"} <= set(
        catalog.index[catalog["illustrative"].astype(bool)])
    assert "Thông tư 08/2024/TT-BTNMT" in store.layer_description("zones")
    assert "lamngockhuong/vietnam-3d-map" in store.layer_description("commune_boundary")


def test_store_built_in_the_old_zone_is_measured_in_the_plan_crs(layers_copy, tmp_path):
    # built while the plan said EPSG:9212, validated after it says EPSG:5899 again: hectares are
    # planar in 5899 (as the report says) and violations lie where they are, not 160 km west
    plan_file = layers_copy / "plan.yaml"
    in_5899 = plan_file.read_text(encoding="utf-8")
    plan_file.write_text(in_5899.replace("crs: EPSG:5899", "crs: EPSG:9212"), encoding="utf-8")
    settings = Settings(layers_dir=layers_copy, store=tmp_path / "s.gpkg")
    store = GeoPackageStore(settings.store)
    build_store(settings, store)
    plan_file.write_text(in_5899, encoding="utf-8")
    _, plan = load_inputs(settings)
    report = validate_store(store, plan)
    source = gpd.read_file(layers_copy / "illustrative" / "draft_zones.geojson")  # EPSG:5899, as drawn
    areas = {a.kind: a.planar_ha for a in report.areas}
    for kind, ha in (source.dissolve("kind").area / 10_000).items():
        assert areas[kind] == pytest.approx(ha, abs=0.01)
    commune = gpd.read_file(layers_copy / "basemap" / "communes_2025.geojson").to_crs("EPSG:5899")
    ours = commune[commune["code"] == "25417"].geometry.iloc[0]
    violations = report.violations_frame()
    assert report.crs == "EPSG:5899" and len(violations)
    assert all(ours.buffer(100).intersects(g) for g in violations.geometry)


def test_concurrent_writes_in_one_process_keep_every_change(any_store):
    """Threads of one server writing at once (two uploads): each write sees the one before."""
    import threading

    store = any_store

    def add(i):
        with store.updating():
            names = set(store.layer_names())
            frame = gpd.GeoDataFrame({"n": [i]}, geometry=gpd.points_from_xy([430_000 + i], [1_290_000]),
                                     crs="EPSG:5899")
            store.write({f"extra_{i}": frame}, WriteInfo("test", f"thread {i}"))
            assert names < set(store.layer_names())

    threads = [threading.Thread(target=add, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {f"extra_{i}" for i in range(6)} <= set(store.layer_names())


def test_a_large_polygonal_layer_is_written_and_hashed_slice_by_slice_as_it_would_be_whole(tmp_path, monkeypatch):
    """Slices of 3 rows stand in for slices of 100,000: polygons and multipolygons mixed, a
    column empty in the first slice, and the content hash that names the table."""
    import shapely

    import gis_service.store as gpkg_store
    import gis_service.store_base as base

    squares = [shapely.box(i, 0, i + 1, 1) for i in range(10)]
    squares[4] = shapely.MultiPolygon([shapely.box(4, 0, 4.5, 1), shapely.box(4.6, 0, 5, 1)])
    frame = gpd.GeoDataFrame({"id": [f"P{i}" for i in range(10)],
                              "note": [None] * 3 + ["ghi chú", None, "x", None, None, "y", None],
                              "area": [float(i) for i in range(10)]}, geometry=squares, crs="EPSG:5899")
    whole = GeoPackageStore(tmp_path / "whole.gpkg")
    whole.write({"zones": frame}, WriteInfo("test"))
    hash_whole = base.content_hash(frame)
    monkeypatch.setattr(base, "ROWS_PER_SLICE", 3)
    monkeypatch.setattr(gpkg_store, "ROWS_PER_SLICE", 3)
    sliced = GeoPackageStore(tmp_path / "sliced.gpkg")
    sliced.write({"zones": frame}, WriteInfo("test"))
    assert base.content_hash(frame) == hash_whole
    assert sliced.layer_names() == whole.layer_names() and sliced._table("zones", None) == whole._table("zones", None)
    a, b = whole.read_layer("zones"), sliced.read_layer("zones")
    assert list(b.columns) == list(a.columns) == ["id", "note", "area", "geometry"]
    assert b.drop(columns="geometry").equals(a.drop(columns="geometry"))
    assert set(b.geometry.geom_type) == {"MultiPolygon"}
    assert shapely.equals(b.geometry.values, frame.geometry.values).all()
    assert sliced.layer_extent("zones") == (10, (0.0, 0.0, 10.0, 1.0))
