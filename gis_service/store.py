"""The store: a history of numbered versions of every layer. One small interface; GeoPackage is the
embedded default (a PostGIS store can implement the same ``Store`` protocol).

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
import hashlib
import json
import os
import sqlite3
import threading
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from .errors import InputError, NotFound

CATALOG_TABLE = "layer_catalog"
VERSIONS_TABLE = "store_versions"
VERSION_LAYERS_TABLE = "store_version_layers"
APPROVALS_TABLE = "store_approvals"
_BOOKKEEPING = {VERSIONS_TABLE, VERSION_LAYERS_TABLE, APPROVALS_TABLE}


@dataclass(frozen=True)
class Version:
    number: int
    created_at: str  # UTC, ISO 8601
    user: str
    action: str  # build, import-plan, import-neighbour, validate, restore, import-register …
    source_file: str
    source_sha256: str
    message: str
    notes: str  # what the write changed on the way in (e.g. an encoding converted)


@dataclass(frozen=True)
class Approval:
    version: int
    decision_number: str
    decision_date: str  # ISO date
    issuing_body: str
    entered_by: str
    entered_at: str


@dataclass(frozen=True)
class WriteInfo:
    """Who wrote what, from where: kept with the version a write creates."""
    action: str
    user: str = "system"
    source_file: str = ""
    source_sha256: str = ""
    message: str = ""
    notes: str = ""


class Store(Protocol):
    """What every back end offers. Reads take the current version unless ``version`` is given."""

    def exists(self) -> bool: ...
    def version(self) -> int | None: ...
    def versions(self) -> list[Version]: ...
    def approvals(self) -> list[Approval]: ...
    def layer_names(self, version: int | None = None) -> list[str]: ...
    def crs(self, name: str, version: int | None = None): ...
    def layer_description(self, name: str, version: int | None = None) -> str: ...
    def read_layer(self, name: str, version: int | None = None, *, bbox: tuple | None = None,
                   limit: int | None = None, offset: int = 0,
                   columns: list[str] | None = None) -> gpd.GeoDataFrame: ...
    def read_table(self, name: str, version: int | None = None) -> pd.DataFrame: ...
    def origin(self, name: str, version: int | None = None) -> Version: ...
    def updating(self): ...
    def write(self, layers: dict[str, pd.DataFrame], info: WriteInfo, *,
              descriptions: dict[str, str] | None = None, drop: tuple[str, ...] = (),
              force: bool = False) -> int: ...
    def restore(self, number: int, info: WriteInfo) -> int: ...
    def approve(self, approval: Approval) -> None: ...
    def at(self, version: int | None = None) -> "StoreView": ...


class GeoPackageStore:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        # one write at a time: a thread lock in this process, a file lock across processes
        self._write_lock = threading.RLock()
        self._depth = 0  # nesting of updating() in the thread that holds the lock

    def __repr__(self) -> str:
        return f"GeoPackageStore({str(self.path)!r})"

    # -- versions -------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.version() is not None

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

    def at(self, version: int | None = None) -> "StoreView":
        """A read-only view pinned to one version (the current one by default): several reads
        through it never mix two versions, whatever is written meanwhile."""
        number = self.version() if version is None else version
        if number is None:
            raise NotFound("the store has not been built: run gis-service build")
        self._tables(number)  # refuses an unknown version now, not at the first read
        return StoreView(self, number)

    # -- reads ----------------------------------------------------------------------------
    def layer_names(self, version: int | None = None) -> list[str]:
        number = self.version() if version is None else version
        return [] if number is None else list(self._tables(number))

    def _table(self, name: str, version: int | None) -> str:
        number = self.version() if version is None else version
        if number is None:
            raise NotFound(f"layer {name!r}: the store has not been built (run gis-service build)")
        tables = self._tables(number)
        if name not in tables:
            raise NotFound(f"layer {name!r} is not in version {number} of the store")
        return tables[name]

    def table_name(self, name: str, version: int | None = None) -> str:
        """The GeoPackage table holding a layer at a version (for readers outside this process,
        such as dask workers reading partitions of it)."""
        return self._table(name, version)

    def _tables(self, number: int) -> dict[str, str]:
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
        return pyogrio.read_info(self.path, layer=self._table(name, version))["crs"]

    def layer_description(self, name: str, version: int | None = None) -> str:
        table = self._table(name, version)
        with self._connect() as db:
            row = db.execute("SELECT description FROM gpkg_contents WHERE table_name = ?", (table,)).fetchone()
        return (row[0] or "") if row else ""

    def read_layer(self, name: str, version: int | None = None, *, bbox: tuple | None = None,
                   limit: int | None = None, offset: int = 0,
                   columns: list[str] | None = None) -> gpd.GeoDataFrame:
        """Read one layer at a version; bbox, limit, offset and the attribute ``columns`` (None:
        all) are pushed down into GDAL's read, so one page of a large layer never reads the
        whole layer, nor a check the columns it does not use."""
        table = self._table(name, version)
        frame = pyogrio.read_dataframe(self.path, layer=table, bbox=bbox, max_features=limit,
                                       skip_features=offset, columns=columns, use_arrow=True)
        return frame

    def read_table(self, name: str, version: int | None = None) -> pd.DataFrame:
        return pyogrio.read_dataframe(self.path, layer=self._table(name, version), read_geometry=False)

    # -- writes ---------------------------------------------------------------------------
    @contextmanager
    def updating(self) -> Iterator[None]:
        """Hold while reading what a write will be based on: ``with store.updating(): …``.
        Re-entrant in this thread; other threads (a thread lock) and processes (a file lock) wait."""
        with self._write_lock, ExitStack() as held:
            self._depth += 1
            held.callback(self._leave)
            if self._depth == 1:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                lock = held.enter_context(open(self._lock_path(), "a+b"))
                fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            yield

    def _leave(self) -> None:
        self._depth -= 1

    def _lock_path(self) -> Path:
        return self.path.with_name(f".{self.path.name}.lock")

    def write(self, layers: dict[str, pd.DataFrame], info: WriteInfo, *,
              descriptions: dict[str, str] | None = None, drop: tuple[str, ...] = (),
              force: bool = False) -> int:
        """One new version: ``layers`` written (or overwritten), ``drop`` removed, every other
        layer carried over. Returns the version's number. When nothing would change, writes
        nothing and returns the current number, unless ``force`` (an explicit act, such as a
        planner importing a draft again, is recorded even when its layers are the same)."""
        for name, frame in layers.items():
            if not isinstance(frame, pd.DataFrame):
                raise TypeError(f"layer {name!r} is not a data frame")
        descriptions = descriptions or {}
        with self.updating():
            self._clean_leftovers()
            current = self.version()
            tables = self._tables(current) if current is not None else {}
            new = dict(tables)
            for name in drop:
                new.pop(name, None)
            for name, frame in layers.items():
                new[name] = self._write_table(name, frame, descriptions.get(name, ""))
            if new == tables and not force:
                return current
            return self._commit(new, info)

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
        table = f"{name}__{content_hash(frame, description)[:16]}"
        if table in self._gpkg_tables():
            return table
        options = {"DESCRIPTION": description} if description else {}
        geo = isinstance(frame, gpd.GeoDataFrame)
        pyogrio.write_dataframe(frame, self.path, layer=table, driver="GPKG", layer_options=options,
                                dataset_options={"VERSION": "1.2"} if not self.path.exists() else None,
                                promote_to_multi=geo and is_polygonal(frame), use_arrow=True)
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

    def _clean_leftovers(self) -> None:
        """Drop the tables that no version uses (what a killed write left), and the temporary
        files of the old single-snapshot store."""
        for stale in self.path.parent.glob(f".{self.path.stem}.*.tmp{self.path.suffix}"):
            stale.unlink(missing_ok=True)
        if not self.path.exists():
            return
        with self._connect() as db:
            used = set()
            if _has_table(db, VERSION_LAYERS_TABLE):
                used = {row[0] for row in db.execute(f"SELECT DISTINCT table_name FROM {VERSION_LAYERS_TABLE}")}
        for table in self._gpkg_tables() - used - _BOOKKEEPING:
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


class StoreView:
    """A store pinned to one version: the read half of the interface."""

    def __init__(self, store: GeoPackageStore, number: int) -> None:
        self.store, self.number = store, number

    def __repr__(self) -> str:
        return f"{self.store!r}.at({self.number})"

    def exists(self) -> bool:
        return True

    def version(self) -> int:
        return self.number

    def layer_names(self) -> list[str]:
        return self.store.layer_names(self.number)

    def crs(self, name: str):
        return self.store.crs(name, self.number)

    def layer_description(self, name: str) -> str:
        return self.store.layer_description(name, self.number)

    def origin(self, name: str) -> Version:
        return self.store.origin(name, self.number)

    def info(self) -> Version:
        return next(v for v in self.store.versions() if v.number == self.number)

    def read_layer(self, name: str, *, bbox: tuple | None = None, limit: int | None = None,
                   offset: int = 0, columns: list[str] | None = None) -> gpd.GeoDataFrame:
        return self.store.read_layer(name, self.number, bbox=bbox, limit=limit, offset=offset, columns=columns)

    def read_table(self, name: str) -> pd.DataFrame:
        return self.store.read_table(name, self.number)


def content_hash(frame: pd.DataFrame, description: str = "") -> str:
    """sha256 of a layer's columns, types, values, geometries, CRS and description: equal layers
    hash equal, so a version whose layer did not change shares the earlier version's table."""
    h = hashlib.sha256()
    geo = isinstance(frame, gpd.GeoDataFrame)
    attrs = frame.drop(columns=frame.geometry.name) if geo else frame
    h.update(json.dumps({"columns": [str(c) for c in attrs.columns],
                         "dtypes": [str(t) for t in attrs.dtypes], "description": description,
                         "crs": frame.crs.to_wkt() if geo and frame.crs else None}).encode())
    if len(attrs.columns):
        h.update(pd.util.hash_pandas_object(attrs, index=False).to_numpy().tobytes())
    h.update(str(len(frame)).encode())
    if geo:  # the same digest as one update per geometry, in far fewer calls
        wkbs = shapely.to_wkb(np.asarray(frame.geometry.values, dtype=object))
        for start in range(0, len(wkbs), 100_000):
            h.update(b"".join(wkb or b"\0" for wkb in wkbs[start:start + 100_000]))
    return h.hexdigest()


def is_polygonal(frame: gpd.GeoDataFrame) -> bool:
    types = set(np.unique(shapely.get_type_id(frame.geometry.values)).tolist()) - {-1}  # -1: missing
    return bool(types) and types <= {3, 6}  # Polygon, MultiPolygon


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


def open_store(settings) -> GeoPackageStore:
    """The store named by the settings' ``store`` URL: a GeoPackage path (or ``gpkg:PATH``).
    One per app, not per request."""
    url = str(settings.store)
    if url.startswith(("postgresql:", "postgres:")):
        raise InputError("the PostGIS store is not available in this version; use a GeoPackage path",
                         field="GIS_SERVICE_STORE")
    path = url.removeprefix("gpkg://").removeprefix("gpkg:")
    if not path:
        raise InputError("empty store location", field="GIS_SERVICE_STORE")
    return GeoPackageStore(Path(path))
