"""Large layers are written into the GeoPackage store by a writer process (``gpkg_writer``), begun
ahead of the version's write (``writing_ahead``). Slices of a few rows stand in for slices of
100,000, so small frames take the path a million parcels take."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import geopandas as gpd
import pyarrow as pa
import pyogrio
import pytest
import shapely

import gis_service.store as gpkg_store
import gis_service.store_base as base
from gis_service import gpkg_writer
from gis_service.store import GeoPackageStore, WriteInfo

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def small_slices(monkeypatch):
    monkeypatch.setattr(base, "ROWS_PER_SLICE", 3)
    monkeypatch.setattr(gpkg_store, "ROWS_PER_SLICE", 3)


def squares(n: int, start: int = 0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": [f"P{i}" for i in range(start, start + n)]},
                            geometry=[shapely.box(i, 0, i + 1, 1) for i in range(start, start + n)], crs="EPSG:5899")


def test_a_large_layer_is_written_by_another_process_and_reads_back_as_written(tmp_path, small_slices, monkeypatch):
    calls = []
    monkeypatch.setattr(pyogrio, "write_arrow", lambda *a, **k: calls.append(a))
    frame = squares(10)
    store = GeoPackageStore(tmp_path / "store.gpkg")
    store.write({"zones": frame}, WriteInfo("test"))
    assert calls == []  # not in this process
    back = store.read_layer("zones")
    assert list(back["id"]) == list(frame["id"])
    assert shapely.equals(back.geometry.values, frame.geometry.values).all()
    assert store.table_name("zones") == base.table_of("zones", base.content_hash(frame))


def test_the_writer_raises_the_sqlite_cache_for_its_write_only_even_when_it_fails(tmp_path, monkeypatch):
    seen = []
    real_write = pyogrio.write_arrow

    def spy(*args, **kwargs):
        seen.append(pyogrio.get_gdal_config_option("OGR_SQLITE_CACHE"))
        return real_write(*args, **kwargs)

    frame = pa.table({"id": ["a"], "geometry": [shapely.to_wkb(shapely.MultiPolygon([shapely.box(0, 0, 1, 1)]))]})
    stream = tmp_path / "layer.arrows"
    with pa.OSFile(str(stream), "wb") as sink, pa.ipc.new_stream(sink, frame.schema) as writer:
        writer.write_table(frame)
    spec = {"path": str(tmp_path / "out.gpkg"), "table": "t", "file": str(stream), "geometry_name": "geometry",
            "geometry_type": "MultiPolygon", "crs": "EPSG:5899", "layer_options": {}}
    monkeypatch.setattr(pyogrio, "write_arrow", spy)
    pyogrio.set_gdal_config_options({"OGR_SQLITE_CACHE": "7"})
    try:
        gpkg_writer.write_stream_file(spec)
        assert seen == [gpkg_writer.WRITE_CACHE_MB]  # pyogrio reads a number back as an int
        assert pyogrio.get_gdal_config_option("OGR_SQLITE_CACHE") == 7
        assert len(pyogrio.read_dataframe(spec["path"], layer="t")) == 1
        monkeypatch.setattr(pyogrio, "write_arrow", lambda *a, **k: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            gpkg_writer.write_stream_file({**spec, "table": "u"})
        assert pyogrio.get_gdal_config_option("OGR_SQLITE_CACHE") == 7
    finally:
        pyogrio.set_gdal_config_options({"OGR_SQLITE_CACHE": None})


def test_polygons_are_written_as_the_multipolygons_shapely_would_write(small_slices):
    """The header put before a polygon's WKB gives the WKB of the one-part MultiPolygon, in either
    byte order and with Z."""
    polygons = [shapely.box(0, 0, 1, 1), shapely.Polygon([(0, 0, 5), (1, 0, 5), (1, 1, 6), (0, 0, 5)]),
                shapely.box(0, 0, 2, 2).difference(shapely.box(0.5, 0.5, 1, 1))]
    for order in (0, 1):
        wkb = shapely.to_wkb(polygons, byte_order=order)
        out = gpkg_store._as_multipolygons(polygons, wkb)
        expected = shapely.to_wkb([shapely.MultiPolygon([p]) for p in polygons], byte_order=order)
        assert list(out) == list(expected)


def test_a_failed_writer_raises_naming_the_layer_and_leaves_the_store_as_it_was(tmp_path, small_slices, monkeypatch):
    store = GeoPackageStore(tmp_path / "store.gpkg")
    store.write({"zones": squares(2)}, WriteInfo("test"))  # small: written here
    before = (store.version(), store._gpkg_tables())
    monkeypatch.setattr(gpkg_store, "_gdal_crs", lambda frame: "EPSG:999999")  # GDAL refuses it
    with pytest.raises(OSError, match="writing layer 'parcels' into the store failed"):
        store.write({"parcels": squares(10)}, WriteInfo("test"))
    assert store.version() == before[0]
    store.write({"other": squares(1)}, WriteInfo("test"))
    assert store._gpkg_tables() - before[1] == {store.table_name("other")}  # nothing of the failed write


def test_a_layer_written_ahead_and_then_abandoned_leaves_nothing(tmp_path, small_slices):
    store = GeoPackageStore(tmp_path / "store.gpkg")
    store.write({"zones": squares(2)}, WriteInfo("test"))
    before = (store.version(), store._gpkg_tables())
    with pytest.raises(RuntimeError, match="validation failed"):
        with store.writing_ahead({"parcels": squares(12)}) as ahead:
            process = ahead["parcels"]._process
            assert process is not None
            raise RuntimeError("validation failed")
    assert process.poll() is not None
    assert (store.version(), store._gpkg_tables()) == before
    assert not list(tmp_path.glob("store.gpkg.tmp_rtree_*"))


def test_a_layer_written_ahead_joins_the_version_with_the_layers_written_after_it(tmp_path, small_slices):
    store = GeoPackageStore(tmp_path / "store.gpkg")
    parcels, other = squares(12), squares(2, start=50)
    with store.writing_ahead({"parcels": parcels, "small": other}) as ahead:
        assert ahead["small"] is other  # a small layer waits for write
        number = store.write({**ahead, "more": squares(4, start=20)}, WriteInfo("test"))
    assert number == 1 and set(store.layer_names()) == {"parcels", "small", "more"}
    assert list(store.read_layer("parcels")["id"]) == list(parcels["id"])
    with store.writing_ahead({"parcels": parcels}) as ahead:  # the same content: its table is there
        assert ahead["parcels"]._process is None
        assert store.write(ahead, WriteInfo("test")) == 1  # nothing changed


def test_a_layer_written_ahead_is_kept_while_a_second_one_is_begun_after_it_ended(tmp_path, small_slices):
    """The build begins the zones, then (nested) the repaired zones: the first writer has ended
    and its table belongs to no version yet, which is not a leftover to drop."""
    store = GeoPackageStore(tmp_path / "store.gpkg")
    parcels, repaired = squares(12), squares(9, start=100)
    with store.writing_ahead({"parcels": parcels}) as first:
        first["parcels"].wait()
        with store.writing_ahead({"repaired": repaired}) as second:
            store.write({**first, **second}, WriteInfo("test"))
    for name, frame in (("parcels", parcels), ("repaired", repaired)):
        assert list(store.read_layer(name)["id"]) == list(frame["id"])


def test_killing_the_process_that_began_a_write_kills_its_writer(tmp_path):
    """SIGKILL runs no clean-up in the killed process: the writer dies with it (Linux's
    parent-death signal) and the next write drops what it had written."""
    script = textwrap.dedent(f"""
        import sys, time
        import geopandas as gpd, shapely
        import gis_service.store as gpkg_store, gis_service.store_base as base
        base.ROWS_PER_SLICE = gpkg_store.ROWS_PER_SLICE = 2000
        frame = gpd.GeoDataFrame({{"id": [str(i) for i in range(200_000)]}},
                                 geometry=shapely.box(range(200_000), 0, 1, 1), crs="EPSG:5899")
        store = gpkg_store.GeoPackageStore({str(tmp_path / "store.gpkg")!r})
        store.write({{"zones": frame.iloc[:2]}}, gpkg_store.WriteInfo("test"))
        with store.writing_ahead({{"parcels": frame}}) as ahead:
            print(ahead["parcels"]._process.pid, flush=True)
            time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    writer = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while _alive(writer) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(writer)
    store = GeoPackageStore(tmp_path / "store.gpkg")
    assert store.version() == 1
    store.write({"other": squares(1)}, WriteInfo("test"))
    assert store._gpkg_tables() == {store.table_name("zones"), store.table_name("other")}
    assert not list(tmp_path.glob("store.gpkg.tmp_rtree_*"))


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def test_a_build_whose_zones_go_through_writer_processes_stores_what_a_build_in_one_process_does(
        tmp_path, built_store_file, monkeypatch):
    """The shipped layers built with slices of 3 rows (the zones and the repaired zones then take
    the writer processes, begun ahead) hold the same tables, content hash for content hash, as
    the session's build in one process; every table a version names is in the file."""
    from gis_service.build import build_store
    from gis_service.settings import Settings

    monkeypatch.setattr(base, "ROWS_PER_SLICE", 3)
    monkeypatch.setattr(gpkg_store, "ROWS_PER_SLICE", 3)
    started = []
    real_start = GeoPackageStore._start_writer
    monkeypatch.setattr(GeoPackageStore, "_start_writer",
                        lambda self, name, *a: started.append(name) or real_start(self, name, *a))
    store = GeoPackageStore(tmp_path / "store.gpkg")
    build_store(Settings(layers_dir=ROOT / "layers", store=store.path), store)
    assert started[:2] == ["zones", "zones_repaired"]  # begun ahead; the other large layers in write
    whole = GeoPackageStore(built_store_file)
    mine = store._tables(store.version())
    theirs = whole._tables(whole.version())
    same = set(theirs) - {"layer_catalog", "validation_rules"}  # both hold the time of their build
    assert {n: mine[n] for n in same} == {n: theirs[n] for n in same}
    assert set(mine.values()) <= store._gpkg_tables()
    for name in same:
        assert len(store.read_layer(name)) == len(whole.read_layer(name))
