"""The store: a history of numbered versions of every layer. One small interface; GeoPackage is the
embedded default; ``store_postgis.PostGISStore`` implements the same interface in PostgreSQL +
PostGIS, chosen by the ``store`` setting (``open_store``). What both share is in ``store_base``.

How the GeoPackage store keeps history without copying:
- every layer's content is written once, to a table named by its content hash
  (``zones__3f2a…``); a later version whose layer is unchanged points at the same table;
- ``store_versions`` holds one row per version (number, time, user, action, source file and
  sha256, message) and ``store_version_layers`` which table each layer of each version reads;
- a write first writes the tables it needs (GDAL, each its own transaction), then inserts the
  version row and its layer rows in ONE SQLite transaction. Readers only follow committed rows,
  so a write killed at any moment leaves the last good version; the tables a killed write left
  behind belong to no version and are dropped by the next write.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import struct
import subprocess
import sys
from contextlib import ExitStack, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from .errors import InputError, NotFound
from .scratch import scratch_dir
from .store_base import (_BOOKKEEPING, APPROVALS_TABLE, CATALOG_TABLE, ROWS_PER_SLICE,  # noqa: F401
                         VERSION_LAYERS_TABLE, VERSIONS_TABLE, Approval, Store, StoreView, Version, VersionedStore,
                         WriteInfo, check_frames, check_version_number, content_hash, hash_head, hash_wkb,
                         is_polygonal, table_name, table_of, wkb_slices)


class GeoPackageStore(VersionedStore):
    def __init__(self, path: Path | str) -> None:
        super().__init__()
        self.path = Path(path)
        self._writers: list[PendingTable] = []  # writer processes begun by writing_ahead

    def __repr__(self) -> str:
        return f"GeoPackageStore({str(self.path)!r})"

    # -- versions -------------------------------------------------------------------------
    def version(self) -> int | None:
        """The current (newest complete) version's number; None: nothing written yet."""
        if not self.path.exists():
            return None
        with self._connect() as db:
            if not _has_table(db, VERSIONS_TABLE):
                return None
            return db.execute(f"SELECT max(number) FROM {VERSIONS_TABLE}").fetchone()[0]

    def versions(self) -> list[Version]:
        if not self.path.exists():
            return []
        with self._connect() as db:
            if not _has_table(db, VERSIONS_TABLE):
                return []
            rows = db.execute(f"SELECT number, created_at, user, action, source_file, source_sha256, "
                              f"message, notes FROM {VERSIONS_TABLE} ORDER BY number").fetchall()
        return [Version(*row) for row in rows]

    def approvals(self) -> list[Approval]:
        """Every approval entered, oldest first: the last one is in force, earlier ones superseded."""
        if not self.path.exists():
            return []
        with self._connect() as db:
            if not _has_table(db, APPROVALS_TABLE):
                return []
            rows = db.execute(f"SELECT version, decision_number, decision_date, issuing_body, entered_by, "
                              f"entered_at FROM {APPROVALS_TABLE} ORDER BY rowid").fetchall()
        return [Approval(*row) for row in rows]

    # -- reads ----------------------------------------------------------------------------
    def _tables(self, number: int) -> dict[str, str]:
        check_version_number(number)
        with self._connect() as db:
            if not _has_table(db, VERSION_LAYERS_TABLE):
                raise NotFound(f"version {number} is not in the store")
            known = db.execute(f"SELECT 1 FROM {VERSIONS_TABLE} WHERE number = ?", (number,)).fetchone()
            if known is None:
                raise NotFound(f"version {number} is not in the store")
            rows = db.execute(f"SELECT name, table_name FROM {VERSION_LAYERS_TABLE} WHERE version = ? "
                              "ORDER BY position", (number,)).fetchall()
        return dict(rows)

    def origin(self, name: str, version: int | None = None) -> Version:
        """The version that brought a layer's content as ``version`` holds it: the first version
        reading the same table (a restore or a carried-over layer points back to it)."""
        table = self._table(name, version)
        with self._connect() as db:
            first = db.execute(f"SELECT min(version) FROM {VERSION_LAYERS_TABLE} WHERE name = ? AND "
                               "table_name = ?", (name, table)).fetchone()[0]
        return next(v for v in self.versions() if v.number == first)

    def crs(self, name: str, version: int | None = None):
        """A layer's CRS, read from the metadata without reading the features."""
        return self._gdal(pyogrio.read_info, layer=self._table(name, version))["crs"]

    def layer_description(self, name: str, version: int | None = None) -> str:
        table = self._table(name, version)
        with self._connect() as db:
            row = db.execute("SELECT description FROM gpkg_contents WHERE table_name = ?", (table,)).fetchone()
        return (row[0] or "") if row else ""

    def read_layer(self, name: str, version: int | None = None, *, bbox: tuple | None = None,
                   limit: int | None = None, offset: int = 0, columns: list[str] | None = None,
                   where: dict[str, str] | None = None, geometry: bool = True) -> gpd.GeoDataFrame:
        """Read one layer at a version; bbox, limit, offset, the attribute ``columns`` (None:
        all) and ``where`` (rows whose column, as text, equals the text given: ``{"id": "NS-01"}``)
        are pushed down into GDAL's read, so one page of a large layer never reads the whole
        layer, nor a check the columns it does not use. Features come in the order they were
        written, with or without bbox. ``geometry=False``: the attributes only (a DataFrame)."""
        table = self._table(name, version)
        condition = self._where(table, where)
        if bbox is None:
            return self._gdal(pyogrio.read_dataframe, layer=table, max_features=limit, skip_features=offset,
                              columns=columns, where=condition, read_geometry=geometry, use_arrow=True)
        # with a bbox GDAL returns the R-tree's order, and its skip counts candidates whose
        # envelope meets the box but whose geometry does not: filter in GDAL, order and page here
        frame = self._gdal(pyogrio.read_dataframe, layer=table, bbox=bbox, fid_as_index=True, columns=columns,
                           where=condition, read_geometry=geometry, use_arrow=True)
        end = None if limit is None else offset + limit
        return frame.sort_index().iloc[offset:end].reset_index(drop=True)

    def _where(self, table: str, where: dict[str, str] | None) -> str | None:
        """``where`` as the SQLite condition GDAL passes to the GeoPackage: each column checked
        against the layer's fields and quoted as an identifier, each value a quoted literal."""
        if not where:
            return None
        fields = set(self._gdal(pyogrio.read_info, layer=table)["fields"])
        return " AND ".join(f"CAST({sql_identifier(column, fields)} AS TEXT) = {sql_text(value)}"
                            for column, value in where.items())

    @property
    def location(self) -> str:
        """What ``open_location`` opens this store from again (in another process: a dask worker)."""
        return str(self.path)

    def layer_extent(self, name: str, version: int | None = None) -> tuple[int, tuple | None]:
        """The feature count and bounds (in the layer's CRS) GDAL keeps in the GeoPackage's
        metadata (no read of the features); bounds None for an empty layer."""
        info = pyogrio.read_info(self.path, layer=self._table(name, version), force_total_bounds=True)
        if info["geometry_type"] is None:
            raise NotFound(f"layer {name!r} has no geometry")
        bounds = info.get("total_bounds")
        return int(info["features"]), (None if bounds is None or not info["features"]
                                        else tuple(float(v) for v in bounds))

    def table_name(self, name: str, version: int | None = None) -> str:
        """The GeoPackage table holding a layer at a version (for readers outside this process,
        such as dask workers reading partitions of it)."""
        return self._table(name, version)

    def read_table(self, name: str, version: int | None = None) -> pd.DataFrame:
        return self._gdal(pyogrio.read_dataframe, layer=self._table(name, version), read_geometry=False)

    def _gdal(self, read, **kwargs):
        """``read(self.path, **kwargs)`` (a pyogrio read), once more after rolling back the journal of
        a write killed since this read looked up its table: GDAL opens the file read-only, and a
        read-only connection cannot roll a hot journal back ('attempt to write a readonly database')."""
        try:
            return read(self.path, **kwargs)
        except pyogrio.errors.DataSourceError as err:
            if "readonly database" not in str(err):
                raise
        with self._connect() as db:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # a read-write read rolls it back
        return read(self.path, **kwargs)

    # -- writes ---------------------------------------------------------------------------
    @contextmanager
    def _process_lock(self) -> Iterator[None]:
        """Other processes wait on a file lock beside the GeoPackage."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path(), "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            yield

    def _lock_path(self) -> Path:
        return self.path.with_name(f".{self.path.name}.lock")

    def write(self, layers: dict[str, object], info: WriteInfo, *,
              descriptions: dict[str, str] | None = None, drop: tuple[str, ...] = (),
              force: bool = False) -> int:
        """One new version: ``layers`` written (or overwritten), ``drop`` removed, every other
        layer carried over. Returns the version's number. When nothing would change, writes
        nothing and returns the current number, unless ``force`` (an explicit act, such as a
        planner importing a draft again, is recorded even when its layers are the same).
        A layer may be what ``writing_ahead`` yielded for it: its table is waited for."""
        ahead = {name: layer for name, layer in layers.items() if isinstance(layer, PendingTable)}
        check_frames({name: layer for name, layer in layers.items() if name not in ahead})
        descriptions = descriptions or {}
        with self.updating():
            written = {name: pending.finish() for name, pending in ahead.items()}
            self._clean_leftovers(keep=set(written.values()))
            current = self.version()
            tables = self._tables(current) if current is not None else {}
            new = dict(tables)
            for name in drop:
                new.pop(name, None)
            for name, frame in layers.items():
                new[name] = written[name] if name in ahead else self._write_table(
                    name, frame, descriptions.get(name, ""))
            if new == tables and not force:
                return current
            return self._commit(new, info)

    @contextmanager
    def writing_ahead(self, layers: dict[str, pd.DataFrame],
                      descriptions: dict[str, str] | None = None) -> Iterator[dict[str, object]]:
        """Hold the write lock and start writing each large polygonal layer of ``layers`` in a
        writer process now (``gpkg_writer``): GDAL's write of a million parcels then runs on the
        other core while the caller validates. Yields what to pass to ``write`` in their place
        (the other layers as they are). A table begun and not taken by ``write`` (the caller
        failed) is stopped and dropped when the block ends: the store is as it was."""
        descriptions = descriptions or {}
        with self.updating(), ExitStack() as begun:
            if self._depth == 1:  # nested in another writing_ahead: cleaned already
                self._clean_leftovers()
            out: dict[str, object] = {}
            for name, frame in layers.items():
                if _large_polygonal(frame):
                    out[name] = begun.enter_context(self._abandoned_unless_written(
                        self._start_writer(name, frame, descriptions.get(name, ""))))
                else:
                    out[name] = frame
            yield out

    @contextmanager
    def _abandoned_unless_written(self, pending: "PendingTable") -> Iterator["PendingTable"]:
        try:
            yield pending
        finally:
            if pending.cancel():
                self._clean_leftovers()

    def _start_writer(self, name: str, frame: gpd.GeoDataFrame, description: str) -> "PendingTable":
        """The layer as an Arrow stream file (hashed as it is made), and a writer process writing
        it into its content-addressed table, unless that table is there already."""
        import pyarrow as pa

        folder = ExitStack()
        try:
            path = folder.enter_context(scratch_dir("write")) / "layer.arrows"
            with pa.OSFile(str(path), "wb") as sink:
                digest = _stream_file(frame, description, sink)
            table = table_of(name, digest)
            if table in self._gpkg_tables():
                folder.close()
                return PendingTable(name, table)
            spec = {"path": str(self.path), "table": table, "file": str(path), "parent": os.getpid(),
                    "lock": str(self.path.with_name(f".{self.path.name}.writer.lock")),
                    "geometry_name": frame.geometry.name, "geometry_type": _multi_type(frame),
                    "crs": _gdal_crs(frame), "layer_options": {"DESCRIPTION": description} if description else {}}
            errors = folder.enter_context(open(path.with_suffix(".err"), "w+"))
            process = subprocess.Popen([sys.executable, "-m", "gis_service.gpkg_writer", json.dumps(spec)],
                                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors,
                                       env=_writer_env())
        except BaseException:
            folder.close()
            raise
        pending = PendingTable(name, table, process, errors, folder)
        self._writers = [p for p in self._writers if p.begun()] + [pending]
        return pending

    def restore(self, number: int, info: WriteInfo) -> int:
        """A new version equal to version ``number``; history is never rewritten."""
        with self.updating():
            tables = self._tables(number)
            return self._commit(tables, info)

    def approve(self, approval: Approval) -> None:
        """Record an approval of a version (the decision that makes it the published plan)."""
        with self.updating():
            self._tables(approval.version)
            with self._connect() as db:
                db.execute(f"INSERT INTO {APPROVALS_TABLE} (version, decision_number, decision_date, "
                           "issuing_body, entered_by, entered_at) VALUES (?, ?, ?, ?, ?, ?)",
                           (approval.version, approval.decision_number, approval.decision_date,
                            approval.issuing_body, approval.entered_by, approval.entered_at))

    def _write_table(self, name: str, frame: pd.DataFrame, description: str) -> str:
        """The content-addressed table holding ``frame``: written unless it is already there."""
        if _large_polygonal(frame):
            return self._start_writer(name, frame, description).finish()
        table = table_name(name, frame, description)
        if table in self._gpkg_tables():
            return table
        options = {"DESCRIPTION": description} if description else {}
        dataset_options = {"VERSION": "1.2"} if not self.path.exists() else None
        geo = isinstance(frame, gpd.GeoDataFrame)
        pyogrio.write_dataframe(frame, self.path, layer=table, driver="GPKG", layer_options=options,
                                dataset_options=dataset_options, promote_to_multi=geo and is_polygonal(frame),
                                use_arrow=True)
        return table

    def _commit(self, tables: dict[str, str], info: WriteInfo) -> int:
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._connect() as db:
            _create_bookkeeping(db)
            number = (db.execute(f"SELECT max(number) FROM {VERSIONS_TABLE}").fetchone()[0] or 0) + 1
            db.execute(f"INSERT INTO {VERSIONS_TABLE} (number, created_at, user, action, source_file, "
                       "source_sha256, message, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (number, created, info.user, info.action, info.source_file, info.source_sha256,
                        info.message, info.notes))
            db.executemany(f"INSERT INTO {VERSION_LAYERS_TABLE} (version, position, name, table_name) "
                           "VALUES (?, ?, ?, ?)",
                           [(number, i, name, table) for i, (name, table) in enumerate(tables.items())])
        return number

    def _gpkg_tables(self) -> set[str]:
        if not self.path.exists():
            return set()
        with self._connect() as db:
            if not _has_table(db, "gpkg_contents"):
                return set()
            return {row[0] for row in db.execute("SELECT table_name FROM gpkg_contents")}

    def _clean_leftovers(self, keep: set[str] = frozenset()) -> None:
        """Drop the tables that no version uses (what a killed write left) but ``keep``, the
        temporary files of the old single-snapshot store, and the R-tree file GDAL builds beside
        a new GeoPackage's first layer (left when that write was killed)."""
        for stale in [*self.path.parent.glob(f".{self.path.stem}.*.tmp{self.path.suffix}"),
                      *self.path.parent.glob(f"{self.path.name}.tmp_rtree_*.db")]:
            stale.unlink(missing_ok=True)
        if not self.path.exists():
            return
        with self._connect() as db:
            used = set()
            if _has_table(db, VERSION_LAYERS_TABLE):
                used = {row[0] for row in db.execute(f"SELECT DISTINCT table_name FROM {VERSION_LAYERS_TABLE}")}
        begun = {pending.table for pending in self._writers if pending.begun()}  # not a leftover
        for table in self._gpkg_tables() - used - _BOOKKEEPING - keep - begun:
            _drop_layer(self.path, table)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A short read-write SQLite connection: opening read-write also rolls back the journal
        of a write that was killed, before GDAL opens the file read-only."""
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            db.execute("BEGIN")
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()


#: rows per batch of the Arrow stream a writer process reads one at a time (its memory)
STREAM_BATCH_ROWS = 10_000


def _large_polygonal(frame) -> bool:
    """A layer written by a writer process (a million parcels), not in this one."""
    return isinstance(frame, gpd.GeoDataFrame) and len(frame) > ROWS_PER_SLICE and is_polygonal(frame)


def _stream_file(frame: gpd.GeoDataFrame, description: str, sink) -> str:
    """Write a polygonal layer to ``sink`` as an Arrow stream (its attributes and MultiPolygon
    WKB, a slice at a time: never the whole layer's WKB or Arrow columns at once) and return its
    content hash, computed from the same WKB (``content_hash``'s digest)."""
    import pyarrow as pa

    digest = hash_head(frame, description)
    name = frame.geometry.name
    writer = schema = None
    for start, wkb in zip(range(0, len(frame), ROWS_PER_SLICE), wkb_slices(frame)):
        hash_wkb(digest, wkb)
        part = frame.iloc[start:start + ROWS_PER_SLICE]
        attrs = pa.Table.from_pandas(pd.DataFrame(part.drop(columns=name)), preserve_index=False)
        batch = attrs.append_column(name, pa.array(_as_multipolygons(part.geometry.values, wkb), type=pa.binary()))
        if writer is None:
            # GDAL takes no Arrow null type (a column empty in the first slice): such columns are text
            schema = pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in batch.schema])
            writer = pa.ipc.new_stream(sink, schema)
        writer.write_table(batch.cast(schema), max_chunksize=STREAM_BATCH_ROWS)
    writer.close()
    return digest.hexdigest()


def _as_multipolygons(geoms, wkb: np.ndarray) -> np.ndarray:
    """The WKB of a polygonal slice with each Polygon written as a one-part MultiPolygon (the
    layer's declared type): the polygon's WKB behind a multipolygon header in its byte order."""
    single = np.flatnonzero(shapely.get_type_id(geoms) == shapely.GeometryType.POLYGON)
    if not len(single):
        return wkb
    out = wkb.copy()
    for i in single:
        out[i] = _multipolygon_header(wkb[i]) + wkb[i]
    return out


def _multipolygon_header(polygon: bytes) -> bytes:
    order = "<" if polygon[0] == 1 else ">"
    kind = struct.unpack_from(order + "I", polygon, 1)[0]  # 3, or 3 with the Z flag (EWKB)
    return polygon[:1] + struct.pack(order + "II", kind + 3, 1)


def _multi_type(frame: gpd.GeoDataFrame) -> str:
    return "MultiPolygon" + (" Z" if shapely.has_z(frame.geometry.values).any() else "")


def _gdal_crs(frame: gpd.GeoDataFrame) -> str | None:
    epsg = frame.crs.to_epsg() if frame.crs else None
    return f"EPSG:{epsg}" if epsg else (frame.crs.to_wkt("WKT1_GDAL") if frame.crs else None)


def _writer_env() -> dict[str, str]:
    """The writer process imports this package from where this process did."""
    here = str(Path(__file__).resolve().parent.parent)
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)}


class PendingTable:
    """A layer's table being written by a writer process (``GeoPackageStore.writing_ahead``), or
    already in the store (no process)."""

    def __init__(self, name: str, table: str, process: subprocess.Popen | None = None,
                 errors=None, scratch: ExitStack | None = None) -> None:
        self.name, self.table = name, table
        self._process, self._errors, self._scratch = process, errors, scratch or ExitStack()
        self._code: int | None = None  # the writer's exit code once it ended

    def begun(self) -> bool:
        """Begun and neither taken by ``write`` nor abandoned: its table is no leftover."""
        return self._process is not None

    def running(self) -> bool:
        return self.begun() and self._code is None

    def wait(self) -> None:
        """Wait for the writer to end (its table then is in the store, or it failed)."""
        if self.running():
            self._code = self._process.wait()

    def finish(self) -> str:
        """Wait for the writer; its table's name. A failed write raises, naming the layer."""
        if self._process is None:
            return self.table
        try:
            self.wait()
            if self._code:
                self._errors.seek(0)
                raise OSError(f"writing layer {self.name!r} into the store failed (writer exit {self._code}): "
                              f"{self._errors.read().strip()[-2000:]}")
            return self.table
        finally:
            self._process = None
            self._scratch.close()

    def cancel(self) -> bool:
        """Stop a writer still running, or forget one not taken by ``write``; whether there was one."""
        if self._process is None:
            return False
        if self.running():
            self._process.kill()
            self.wait()
        self._process = None
        self._scratch.close()
        return True


def sql_identifier(column: str, fields) -> str:
    """A column of ``fields`` as a quoted SQL identifier; ValueError for any other name."""
    if column not in fields:
        raise ValueError(f"no column {column!r} in the layer; columns: {', '.join(sorted(fields))}")
    return '"' + column.replace('"', '""') + '"'


def sql_text(value: str) -> str:
    """A text as a quoted SQL literal (quotes doubled); a NUL, which SQLite would cut at, is refused."""
    value = str(value)
    if "\x00" in value:
        raise ValueError("a NUL character cannot be compared in SQL")
    return "'" + value.replace("'", "''") + "'"


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _create_bookkeeping(db: sqlite3.Connection) -> None:
    db.execute(f"CREATE TABLE IF NOT EXISTS {VERSIONS_TABLE} (number INTEGER PRIMARY KEY, created_at TEXT NOT NULL, "
               "user TEXT NOT NULL, action TEXT NOT NULL, source_file TEXT NOT NULL, source_sha256 TEXT NOT NULL, "
               "message TEXT NOT NULL, notes TEXT NOT NULL)")
    db.execute(f"CREATE TABLE IF NOT EXISTS {VERSION_LAYERS_TABLE} (version INTEGER NOT NULL, position INTEGER "
               "NOT NULL, name TEXT NOT NULL, table_name TEXT NOT NULL, PRIMARY KEY (version, name))")
    db.execute(f"CREATE TABLE IF NOT EXISTS {APPROVALS_TABLE} (version INTEGER NOT NULL, decision_number TEXT "
               "NOT NULL, decision_date TEXT NOT NULL, issuing_body TEXT NOT NULL, entered_by TEXT NOT NULL, "
               "entered_at TEXT NOT NULL)")


def _drop_layer(path: Path, table: str) -> None:
    import fiona

    fiona.remove(str(path), layer=table, driver="GPKG")


def open_store(settings) -> Store:
    """The store named by the settings' ``store`` URL: a GeoPackage path (or ``gpkg:PATH``), or
    ``postgresql://user@host:port/database`` for the PostGIS store. One per app, not per request."""
    return open_location(str(settings.store))


def open_location(url: str) -> Store:
    """The store at a location as ``open_store`` takes it, or as a store's ``location`` gives it."""
    if is_postgres_url(url):
        from .store_postgis import PostGISStore

        if not url.startswith(POSTGRES_SCHEMES):  # a URL that went through Path(): '//' became '/'
            raise InputError(f"not a PostgreSQL URL: {url!r} (postgresql://user@host:port/database)",
                             field="GIS_SERVICE_STORE")
        store = PostGISStore(url)
        store.prepare()
        return store
    path = url.removeprefix("gpkg://").removeprefix("gpkg:")
    if not path:
        raise InputError("empty store location", field="GIS_SERVICE_STORE")
    return GeoPackageStore(Path(path))


POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(location) -> bool:
    return str(location).startswith(("postgresql:", "postgres:"))
