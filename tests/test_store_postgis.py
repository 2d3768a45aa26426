"""The PostGIS store against the GeoPackage store: the same layers, reads, report and pages from
the same build; the VN-2000 zones in spatial_ref_sys; all-or-nothing writes under failure and
SIGKILL; the advisory lock between store objects; the store setting as a URL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from pandas.testing import assert_frame_equal

from gis_service.build import load_inputs
from gis_service.errors import InputError
from gis_service.raster import raster_from_table
from gis_service.settings import PROJECT_ROOT, Settings
from gis_service.store import GeoPackageStore, WriteInfo, open_store
from gis_service.store_postgis import PostGISStore, spatial_ref_sys_row
from gis_service.validate import load_report, validate_store

TIMESTAMPS = ["generated_at", "built_at"]  # when each build ran: the only columns that differ


def _same_frames(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    a, b = a.drop(columns=TIMESTAMPS, errors="ignore"), b.drop(columns=TIMESTAMPS, errors="ignore")
    assert type(a) is type(b), what
    if isinstance(a, gpd.GeoDataFrame):
        assert a.crs == b.crs and a.geometry.name == b.geometry.name, what
        ga, gb = np.asarray(a.geometry.values), np.asarray(b.geometry.values)
        assert (pd.isna(ga) == pd.isna(gb)).all(), what
        assert shapely.equals_exact(ga[~pd.isna(ga)], gb[~pd.isna(gb)], 0).all(), what  # the same coordinates
        a, b = pd.DataFrame(a.drop(columns=a.geometry.name)), pd.DataFrame(b.drop(columns=b.geometry.name))
    assert_frame_equal(a, b, obj=what)


@pytest.fixture
def both(settings, pg_settings):
    """The shipped layers built into each back end (version 1 of each)."""
    pg = open_store(pg_settings)
    yield GeoPackageStore(settings.store), pg
    pg.close()


# -- spatial_ref_sys -----------------------------------------------------------------------------
def test_vn2000_zones_are_in_spatial_ref_sys_after_opening_and_transform_as_pyproj(pg_empty_url):
    import psycopg

    with psycopg.connect(pg_empty_url, autocommit=True) as conn:
        missing = conn.execute("SELECT count(*) FROM spatial_ref_sys WHERE srid = 9212").fetchone()[0] == 0
    store = open_store(Settings(store=pg_empty_url))
    assert store.version() is None and store.layer_names() == []
    x, y = 430_000.0, 1_290_000.0
    with psycopg.connect(pg_empty_url, autocommit=True) as conn:
        rows = dict(conn.execute("SELECT srid, auth_name || ':' || auth_srid FROM spatial_ref_sys "
                                 "WHERE srid IN (5899, 9212)").fetchall())
        assert rows == {5899: "EPSG:5899", 9212: "EPSG:9212"}
        if missing:  # the row we added is pyproj's, bound to WGS 84 by EPSG:6960
            srtext, proj4 = conn.execute("SELECT srtext, proj4text FROM spatial_ref_sys WHERE srid = 9212").fetchone()
            assert (srtext, proj4) == spatial_ref_sys_row(9212)
            assert "+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372," in proj4
        # PostGIS transforms by the authority code, and by each text alone (as it would if PROJ's
        # database lacked the code): all three agree with pyproj to 1e-9° (0.1 mm)
        srtext, proj4 = spatial_ref_sys_row(9212)
        conn.execute("INSERT INTO spatial_ref_sys VALUES (990001, NULL, NULL, %s, ''), (990002, NULL, NULL, '', %s)",
                     (srtext, proj4))
        expected = pyproj.Transformer.from_crs(9212, 4326, always_xy=True).transform(x, y)
        for srid in (9212, 990001, 990002):
            got = conn.execute("SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(ST_SetSRID(ST_Point(%s, %s), %s), "
                               "4326) AS g) q", (x, y, srid)).fetchone()
            assert got == pytest.approx(expected, abs=1e-9), srid
    store.close()


def test_a_layer_in_epsg_9212_keeps_its_srid_and_crs(pg_empty_url):
    store = open_store(Settings(store=pg_empty_url))
    frame = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.box(0, 0, 100, 50).buffer(1)],
                             crs="EPSG:5899").to_crs(9212)
    store.write({"old_zone": frame}, WriteInfo("test"))
    back = store.read_layer("old_zone")
    assert back.crs == frame.crs and store.crs("old_zone") == "EPSG:9212"
    with store._connection() as conn:
        table = store._table("old_zone", None)
        assert conn.execute("SELECT Find_SRID('gis_store', %s, 'geom')", (table,)).fetchone()[0] == 9212
        assert conn.execute(f'SELECT ST_Area(geom) FROM gis_store."{table}"').fetchone()[0] == pytest.approx(
            frame.area.iloc[0], rel=1e-12)
    store.close()


# -- the same build on both back ends -------------------------------------------------------------
def test_every_layer_reads_the_same_as_from_the_geopackage(both):
    gpkg, pg = both
    assert pg.layer_names() == gpkg.layer_names() and pg.version() == gpkg.version() == 1
    assert [v.action for v in pg.versions()] == [v.action for v in gpkg.versions()] == ["build"]
    for name in gpkg.layer_names():
        _same_frames(gpkg.read_layer(name), pg.read_layer(name), name)
        _same_frames(gpkg.read_table(name), pg.read_table(name), f"{name} (table)")
        assert str(pg.crs(name)) == str(gpkg.crs(name)), name
        assert pg.layer_description(name) == gpkg.layer_description(name), name
        assert pg.origin(name).number == gpkg.origin(name).number == 1
    assert pg._tables(1)["zones"] == gpkg._tables(1)["zones"]  # the same content hash names the table


@pytest.mark.parametrize("layer", ["durian_plots", "zones", "communes", "road_ql14"])
def test_bbox_limit_and_offset_read_the_same_features_on_both_back_ends(both, layer):
    """Both equal the whole layer filtered by shapely (geometry intersects the box, not only its
    envelope) and paged in the written order."""
    gpkg, pg = both
    whole = gpkg.read_layer(layer)
    minx, miny, maxx, maxy = whole.total_bounds
    midx, midy = (minx + maxx) / 2, (miny + maxy) / 2
    point = whole.geometry.iloc[0].representative_point()
    boxes = [None, (minx, miny, midx, midy), (midx, midy, maxx + 1, maxy + 1), (point.x, point.y, point.x, point.y),
             (minx - 1000, miny - 1000, minx - 500, miny - 500)]
    pages = [(None, 0), (5, 0), (5, 3), (0, 0), (None, 2), (7, max(len(whole) - 3, 0)), (None, len(whole) + 5)]
    for bbox in boxes:
        chosen = whole if bbox is None else whole[whole.intersects(_box(bbox))]
        for limit, offset in pages:
            kwargs = dict(bbox=bbox, limit=limit, offset=offset)
            expected = chosen.iloc[offset:None if limit is None else offset + limit].reset_index(drop=True)
            _same_frames(expected, gpkg.read_layer(layer, **kwargs), f"GeoPackage {layer} {kwargs}")
            _same_frames(expected, pg.read_layer(layer, **kwargs), f"PostGIS {layer} {kwargs}")
    if layer == "communes":  # a commune whose envelope meets the box but whose polygon does not
        box = shapely.box(*boxes[1])
        assert whole.envelope.intersects(box).sum() > whole.intersects(box).sum()


def _box(bbox):
    """The box as a geometry; a box of no width is a point or a line (as GDAL and PostGIS take it)."""
    return shapely.envelope(shapely.MultiPoint([bbox[:2], bbox[2:]]))


def test_a_raster_table_round_trips(both):
    gpkg, pg = both
    for name in ("soil_suitability", "slope"):
        a, b = raster_from_table(gpkg.read_table(name)), raster_from_table(pg.read_table(name))  # checksums verified
        assert a.data == b.data and a.sha256 == b.sha256 and len(a.data) > 1000


def test_build_and_validate_give_the_same_report(both, settings):
    gpkg, pg = both
    _, plan = load_inputs(settings)
    for kept, fresh in ((load_report(gpkg), load_report(pg)), (validate_store(gpkg, plan), validate_store(pg, plan))):
        assert [(o.rule_id, o.passed, o.error) for o in fresh.outcomes] == [
            (o.rule_id, o.passed, o.error) for o in kept.outcomes]
        assert [len(o.findings) for o in fresh.outcomes] == [len(o.findings) for o in kept.outcomes]
        ha = {a.kind: a.planar_ha for a in kept.areas}
        assert {a.kind: a.planar_ha for a in fresh.areas} == pytest.approx(ha, abs=0.01)
        assert fresh.outcome_key() == kept.outcome_key()
    assert not load_report(pg).passed  # the shipped draft fails some rules on purpose


def test_the_web_app_runs_on_the_postgis_store(pg_settings, settings):
    from gis_service.web import create_app

    pg_app, gpkg_app = create_app(pg_settings), create_app(settings)
    for app in (pg_app, gpkg_app):
        app.config["TESTING"] = True
    pg_client, gpkg_client = pg_app.test_client(), gpkg_app.test_client()
    assert pg_client.get("/").status_code == 200
    for query in ("", "?limit=3&offset=2", "?bbox=106.9,11.6,107.2,11.8"):
        got = pg_client.get(f"/ogcapi/collections/zones/items{query}")
        assert got.status_code == 200, query
        expected = gpkg_client.get(f"/ogcapi/collections/zones/items{query}").get_json()
        assert [f["id"] for f in got.get_json()["features"]] == [f["id"] for f in expected["features"]], query
    assert len(pg_client.get("/ogcapi/collections/zones/items").get_json()["features"]) == 9
    assert pg_client.get("/healthz").get_json()["version"] == 1


def test_the_password_stays_out_of_messages(pg_settings):
    from gis_service.web import create_app

    url = str(pg_settings.store).replace("postgresql://postgres@", "postgresql://postgres:s3cret@")
    settings = Settings(layers_dir=pg_settings.layers_dir, store=url, users_db=pg_settings.users_db,
                        secret_key=pg_settings.secret_key)
    store = open_store(settings)  # the test cluster trusts loopback: any password connects
    assert "s3cret" not in repr(store) and "s3cret" not in str(store.path) and store.version() == 1
    client = create_app(settings).test_client()
    assert "s3cret" not in client.get("/healthz").get_data(as_text=True)
    with pytest.raises(InputError) as err:
        open_store(Settings(store="postgresql://postgres:s3cret@127.0.0.1:1/nowhere"))
    assert "s3cret" not in str(err.value) and err.value.field == "GIS_SERVICE_STORE"
    store.close()


def test_a_store_gone_is_503_naming_neither_host_nor_database(tmp_path, pg_cluster, pg_built_template):
    """The PostGIS database going away under a running server (dropped, its sessions cut) is the
    service being unavailable (503, Retry-After), not the visitor's bad request, and the answer
    names neither the server nor the database; the CLI says the same as a setting to fix (exit 2)."""
    from gis_service.cli import main
    from gis_service.web import create_app

    name = "gis_test_gone_" + str(os.getpid())
    url = pg_cluster.create_database(name, template=pg_built_template)
    settings = Settings(layers_dir=PROJECT_ROOT / "layers", store=url, users_db=tmp_path / "users.sqlite",
                        secret_key="k" * 32)
    client = create_app(settings).test_client()
    paths = ("/dashboard", "/ogcapi/collections/zones/items", "/lookup?lon=107.1&lat=11.6")
    assert [client.get(path).status_code for path in paths] == [200, 200, 200]
    pg_cluster.drop_database(name)
    for path in paths:
        response = client.get(path)
        assert response.status_code == 503 and response.headers["Retry-After"], path
        text = response.get_data(as_text=True)
        assert name not in text and "127.0.0.1" not in text and "postgresql" not in text, path
    assert main(["--store", url, "versions"]) == 2


def test_the_store_setting_keeps_a_postgresql_url(tmp_path):
    url = "postgresql://planner@127.0.0.1:5433/nghia_trung"
    assert Settings.from_env({"GIS_SERVICE_STORE": url}).store == url
    assert Settings.from_env({}, store=url).store == url  # the CLI's --store
    assert Settings.from_env({"GIS_SERVICE_STORE": str(tmp_path / "s.gpkg")}).store == tmp_path / "s.gpkg"
    assert Settings.from_env({"GIS_SERVICE_STORE": url}).var_dir == PROJECT_ROOT / "var"


# -- column types ------------------------------------------------------------------------------------
def _typed_frames() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    points = gpd.GeoDataFrame({
        "i64": [1, 2, 3], "i32": np.array([1, -2, 3], dtype="int32"), "f": [1.5, np.nan, -3.25],
        "s": ["a", None, "Đất trồng cây lâu năm"], "b": [True, False, True],
        "int_with_null": pd.array([1, None, 3], dtype="Int64"), "tên cột có dấu": ["x", "y", "z"],
    }, geometry=[shapely.Point(430_000, 1_290_000), None, shapely.Polygon([(0, 0), (1, 0), (1, 1)])],
        crs="EPSG:5899")
    raster = pd.DataFrame({"name": ["r"], "data_base64": ["QUJD" * 50_000], "n": [7]})
    return points, raster


def test_column_types_read_back_as_from_the_geopackage(tmp_path, pg_empty_url):
    points, raster = _typed_frames()
    gpkg, pg = GeoPackageStore(tmp_path / "s.gpkg"), open_store(Settings(store=pg_empty_url))
    for store in (gpkg, pg):
        store.write({"points": points, "raster": raster}, WriteInfo("test"), descriptions={"points": "điểm"})
    _same_frames(gpkg.read_layer("points"), pg.read_layer("points"), "points")
    _same_frames(gpkg.read_table("raster"), pg.read_table("raster"), "raster")
    back = pg.read_layer("points")
    assert list(back.columns) == list(points.columns)
    assert back["s"].tolist()[::2] == ["a", "Đất trồng cây lâu năm"] and pd.isna(back["s"][1])
    assert back.geometry[1] is None and pg.layer_description("points") == "điểm"
    pg.close()


def test_columns_named_like_the_tables_own_and_long_names_keep_their_values(pg_empty_url):
    long_name = "tên_cột_rất_dài_" * 6  # over PostgreSQL's 63 bytes
    frame = gpd.GeoDataFrame({"c1": ["a", "b"], "geom": ["not the geometry", "x"], "fid": [10, 20],
                              long_name: [1.5, 2.5], "u16": np.array([65535, 0], dtype="uint16")},
                             geometry=[shapely.Point(0, 0), shapely.Point(1, 1)], crs="EPSG:9212")
    store = open_store(Settings(store=pg_empty_url))
    store.write({"tên lớp có dấu " * 5: frame}, WriteInfo("test"))  # a layer name over 63 bytes too
    back = store.read_layer("tên lớp có dấu " * 5)
    assert list(back.columns) == ["c1", "geom", "fid", long_name, "u16", "geometry"]
    assert back["geom"].tolist() == ["not the geometry", "x"] and back["fid"].tolist() == [10, 20]
    assert back["c1"].tolist() == ["a", "b"] and back["u16"].tolist() == [65535, 0] and back["u16"].dtype == "uint16"
    assert back[long_name].tolist() == [1.5, 2.5] and back.geometry.equals(frame.geometry)
    store.close()


def test_dates_times_and_nullable_booleans_keep_their_values(pg_empty_url):
    frame = pd.DataFrame({
        "when": pd.to_datetime(["2026-11-23 10:00:00", None]),
        "local": pd.to_datetime(["2026-11-23 10:00:00", None]).tz_localize("Asia/Ho_Chi_Minh"),
        "day": [date(2026, 11, 23), None], "maybe": [True, None],
        "empty": pd.Series([None, None], dtype=object)})
    store = open_store(Settings(store=pg_empty_url))
    store.write({"t": frame}, WriteInfo("test"))
    back = store.read_table("t")
    assert back["when"][0] == pd.Timestamp("2026-11-23 10:00:00") and pd.isna(back["when"][1])
    assert back["local"][0] == frame["local"][0] and str(back["local"].dt.tz) == "Asia/Ho_Chi_Minh"
    assert back["day"].tolist() == [date(2026, 11, 23), None] and back["maybe"].tolist() == [True, None]
    assert back["empty"].isna().all()
    store.close()


def test_an_empty_page_keeps_the_columns_and_crs(both):
    gpkg, pg = both
    a, b = gpkg.read_layer("zones", offset=100), pg.read_layer("zones", offset=100)
    assert len(b) == 0 and list(b.columns) == list(a.columns) and b.crs == a.crs


# -- all or nothing ----------------------------------------------------------------------------------
def test_a_failed_write_leaves_no_table_and_no_version(pg_settings, monkeypatch):
    store = open_store(pg_settings)
    good = gpd.GeoDataFrame({"a": [1]}, geometry=gpd.points_from_xy([430_000], [1_290_000]), crs="EPSG:5899")
    real_copy, calls = PostGISStore._copy_rows, []

    def disk_full_on_second_table(self, conn, table, *args):
        calls.append(table)
        if len(calls) == 2:
            raise OSError("No space left on device")
        return real_copy(self, conn, table, *args)

    monkeypatch.setattr(PostGISStore, "_copy_rows", disk_full_on_second_table)
    with pytest.raises(OSError):
        store.write({"new_layer": good, "second": good.assign(a=2)}, WriteInfo("test"))
    monkeypatch.setattr(PostGISStore, "_copy_rows", real_copy)
    assert len(calls) == 2 and store.version() == 1 and "new_layer" not in store.layer_names()
    assert _schema_tables(store) == _referenced_tables(store)  # the first table went with the rollback
    store.write({"other": good}, WriteInfo("test"))
    assert store.version() == 2 and _schema_tables(store) == _referenced_tables(store)
    store.close()


def _schema_tables(store) -> set[str]:
    with store._connection() as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'gis_store'").fetchall()
    return {t for t, in rows} - {"store_versions", "store_version_layers", "store_approvals", "store_tables"}


def _referenced_tables(store) -> set[str]:
    with store._connection() as conn:
        used = {t for t, in conn.execute("SELECT DISTINCT table_name FROM gis_store.store_version_layers")}
        described = {t for t, in conn.execute("SELECT table_name FROM gis_store.store_tables")}
    assert used == described
    return used


CHILD = textwrap.dedent("""
    import sys, random
    import geopandas as gpd
    from gis_service.build import build_store, load_sources
    from gis_service.drafts import accept, stage_draft
    from gis_service.settings import Settings
    from gis_service.store import WriteInfo, open_store
    settings = Settings(layers_dir=__import__("pathlib").Path(sys.argv[1]), store=sys.argv[2])
    store = open_store(settings)
    _, plan, source = load_sources(settings)
    zones = gpd.read_file(sys.argv[3])
    rnd = random.Random(int(sys.argv[4]))
    print("ready", flush=True)
    while True:
        if rnd.random() < 0.3:
            build_store(settings, store, user="child")
        else:
            z = zones.copy()
            z["geometry"] = z.geometry.translate(rnd.uniform(-5, 5), rnd.uniform(-5, 5))
            accept(store, stage_draft(store, z, plan, source, WriteInfo("import-plan", "child", "d.geojson")))
        print("wrote", store.version(), flush=True)
""")


def test_sigkill_during_writes_leaves_a_complete_version(pg_settings, tmp_path):
    from test_crash_safety import SOURCE_ZONES, assert_current_complete

    rnd = random.Random(20261124)
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    for run in range(8):
        child = subprocess.Popen([sys.executable, str(script), str(pg_settings.layers_dir), str(pg_settings.store),
                                  str(SOURCE_ZONES), str(run)], env=env, stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        if run == 0:
            child.stdout.readline()  # one whole version before the first kill
        time.sleep(rnd.uniform(0, 2.0))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        store = open_store(pg_settings)
        assert_current_complete(store, f"run {run}")
        assert _schema_tables(store) == _referenced_tables(store), "a killed write left a table behind"
        store.close()
    assert open_store(pg_settings).version() > 1, "the children wrote versions between the kills"


def test_two_store_objects_wait_for_each_others_writes(pg_settings):
    """Two processes (here two store objects, each with its own thread lock) share the database's
    advisory lock: a write waits while another store holds updating()."""
    first, second = open_store(pg_settings), open_store(pg_settings)
    frame = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(430_000, 1_290_000)], crs="EPSG:5899")
    done = []

    def write_second():
        second.write({"from_second": frame}, WriteInfo("test"))
        done.append(time.monotonic())

    with first.updating():
        based_on = first.version()
        writer = threading.Thread(target=write_second)
        writer.start()
        time.sleep(1.0)
        assert not done, "the second store wrote while the first held updating()"
        first.write({"from_first": frame}, WriteInfo("test"))
        released = time.monotonic()
    writer.join(30)
    assert done and done[0] >= released
    assert based_on == 1 and [v.number for v in first.versions()] == [1, 2, 3]
    assert {"from_first", "from_second"} <= set(first.layer_names())
    first.close()
    second.close()
