"""What every store back end shares: the version records, the ``Store`` interface, the view pinned
to a version, the content hash that names a layer's table, and the reads and locking that only
need a back end's ``version()``, ``_tables(number)`` and cross-process lock.

The back ends: ``store.GeoPackageStore`` (embedded, the default) and
``store_postgis.PostGISStore`` (a PostgreSQL + PostGIS database)."""

from __future__ import annotations

import hashlib
import json
import threading
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import ContextManager, Iterator, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import tiles
from .errors import NotFound

CATALOG_TABLE = "layer_catalog"
VERSIONS_TABLE = "store_versions"
VERSION_LAYERS_TABLE = "store_version_layers"
APPROVALS_TABLE = "store_approvals"
_BOOKKEEPING = {VERSIONS_TABLE, VERSION_LAYERS_TABLE, APPROVALS_TABLE}
MAX_VERSION = 2**31 - 1  # the PostGIS store's integer column (SQLite's is wider)
#: rows hashed or written at a time: a large layer is never copied whole as WKB or Arrow
ROWS_PER_SLICE = 100_000


def check_version_number(number: int) -> None:
    """NotFound for a number no version can have: a typed ?version=1e30 is a missing version,
    not an overflow in the database (a 500)."""
    if not 1 <= number <= MAX_VERSION:
        raise NotFound(f"version {str(number)[:20]} is not in the store")


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
                   limit: int | None = None, offset: int = 0, columns: list[str] | None = None,
                   where: dict[str, str] | None = None, geometry: bool = True) -> gpd.GeoDataFrame: ...
    def read_table(self, name: str, version: int | None = None) -> pd.DataFrame: ...
    def layer_extent(self, name: str, version: int | None = None) -> tuple[int, tuple | None]: ...
    def tile(self, name: str, z: int, x: int, y: int, version: int | None = None) -> bytes: ...
    def tile_min_zoom(self, name: str, version: int | None = None) -> int: ...
    def origin(self, name: str, version: int | None = None) -> Version: ...
    def updating(self): ...
    def writing_ahead(self, layers: dict[str, pd.DataFrame], descriptions: dict[str, str] | None = None): ...
    def write(self, layers: dict[str, pd.DataFrame], info: WriteInfo, *,
              descriptions: dict[str, str] | None = None, drop: tuple[str, ...] = (),
              force: bool = False) -> int: ...
    def restore(self, number: int, info: WriteInfo) -> int: ...
    def approve(self, approval: Approval) -> None: ...
    def at(self, version: int | None = None) -> "StoreView": ...


class VersionedStore:
    """The parts of a store that follow from ``version()``, ``_tables(number)`` (layer name →
    table of a version, NotFound for an unknown version) and ``_process_lock()``."""

    def __init__(self) -> None:
        # one write at a time: a thread lock in this process, the back end's lock across processes
        self._write_lock = threading.RLock()
        self._depth = 0  # nesting of updating() in the thread that holds the lock
        self._min_zooms: dict[str, int] = {}  # content table → its first tiled zoom
        self._crs_of: dict[str, object] = {}  # content table → its CRS, for tiles

    def version(self) -> int | None:
        raise NotImplementedError

    def _tables(self, number: int) -> dict[str, str]:
        raise NotImplementedError

    def _process_lock(self) -> ContextManager[None]:
        raise NotImplementedError

    def exists(self) -> bool:
        return self.version() is not None

    def at(self, version: int | None = None) -> "StoreView":
        """A read-only view pinned to one version (the current one by default): several reads
        through it never mix two versions, whatever is written meanwhile."""
        number = self.version() if version is None else version
        if number is None:
            raise NotFound("the store has not been built: run gis-service build")
        self._tables(number)  # refuses an unknown version now, not at the first read
        return StoreView(self, number)

    def layer_names(self, version: int | None = None) -> list[str]:
        number = self.version() if version is None else version
        return [] if number is None else list(self._tables(number))

    def layer_extent(self, name: str, version: int | None = None) -> tuple[int, tuple | None]:
        """A layer's feature count and bounds in its CRS (None when empty), without reading it."""
        raise NotImplementedError

    def tile_min_zoom(self, name: str, version: int | None = None) -> int:
        """The first zoom at which the layer is tiled (``tiles.min_zoom``); below it tiles are empty."""
        table = self._table(name, version)  # content-addressed: its minimum zoom never changes
        if table not in self._min_zooms:
            count, bounds = self.layer_extent(name, version)
            crs = self.crs(name, version)
            self._min_zooms[table] = tiles.min_zoom(
                count, None if bounds is None or crs is None else tiles.to_3857_bounds(bounds, crs))
        return self._min_zooms[table]

    def tile(self, name: str, z: int, x: int, y: int, version: int | None = None) -> bytes:
        """The Mapbox vector tile z/x/y (web mercator) of a layer: the features read by the
        buffered tile's bbox in the layer's CRS, encoded by ``tiles.encode_tile``. Empty below the
        layer's minimum zoom (``tile_min_zoom``). PostGIS overrides this with SQL."""
        if z < self.tile_min_zoom(name, version):
            return tiles.EMPTY_TILE
        table = self._table(name, version)
        if table not in self._crs_of:  # content-addressed: a table's CRS never changes
            self._crs_of[table] = self.crs(name, version)
        crs = self._crs_of[table]
        frame = self.read_layer(name, version, bbox=tiles.source_bbox(z, x, y, crs),
                                columns=list(tiles.TILE_ATTRIBUTES))
        return tiles.encode_tile(frame, name, z, x, y)

    def _table(self, name: str, version: int | None) -> str:
        number = self.version() if version is None else version
        if number is None:
            raise NotFound(f"layer {name!r}: the store has not been built (run gis-service build)")
        tables = self._tables(number)
        if name not in tables:
            raise NotFound(f"layer {name!r} is not in version {number} of the store")
        return tables[name]

    @contextmanager
    def updating(self) -> Iterator[None]:
        """Hold while reading what a write will be based on: ``with store.updating(): …``.
        Re-entrant in this thread; other threads (a thread lock) and processes (the back end's
        lock) wait."""
        with self._write_lock, ExitStack() as held:
            self._depth += 1
            held.callback(self._leave)
            if self._depth == 1:
                held.enter_context(self._process_lock())
            yield

    def _leave(self) -> None:
        self._depth -= 1

    @contextmanager
    def writing_ahead(self, layers: dict[str, pd.DataFrame],
                      descriptions: dict[str, str] | None = None) -> Iterator[dict[str, object]]:
        """Hold the write lock and begin writing ``layers`` now, before the rest of the version is
        known; yields what to pass to ``write`` in their place. A back end that cannot write
        ahead (this default) yields the frames: ``write`` writes them then. What was begun and not
        written by ``write`` is abandoned when the block ends."""
        with self.updating():
            yield dict(layers)


class StoreView:
    """A store pinned to one version: the read half of the interface."""

    def __init__(self, store: VersionedStore, number: int) -> None:
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
                   offset: int = 0, columns: list[str] | None = None, where: dict[str, str] | None = None,
                   geometry: bool = True) -> gpd.GeoDataFrame:
        return self.store.read_layer(name, self.number, bbox=bbox, limit=limit, offset=offset, columns=columns,
                                     where=where, geometry=geometry)

    def read_table(self, name: str) -> pd.DataFrame:
        return self.store.read_table(name, self.number)

    def tile(self, name: str, z: int, x: int, y: int) -> bytes:
        return self.store.tile(name, z, x, y, self.number)

    def tile_min_zoom(self, name: str) -> int:
        return self.store.tile_min_zoom(name, self.number)

    def layer_extent(self, name: str) -> tuple[int, tuple | None]:
        return self.store.layer_extent(name, self.number)


def content_hash(frame: pd.DataFrame, description: str = "") -> str:
    """sha256 of a layer's columns, types, values, geometries, CRS and description: equal layers
    hash equal, so a version whose layer did not change shares the earlier version's table."""
    h = hash_head(frame, description)
    if isinstance(frame, gpd.GeoDataFrame):
        for wkb in wkb_slices(frame):
            hash_wkb(h, wkb)
    return h.hexdigest()


def hash_head(frame: pd.DataFrame, description: str = ""):
    """The content hash fed with everything but the geometries (``hash_wkb`` adds them)."""
    h = hashlib.sha256()
    geo = isinstance(frame, gpd.GeoDataFrame)
    attrs = frame.drop(columns=frame.geometry.name) if geo else frame
    h.update(json.dumps({"columns": [str(c) for c in attrs.columns],
                         "dtypes": [str(t) for t in attrs.dtypes], "description": description,
                         "crs": frame.crs.to_wkt() if geo and frame.crs else None}).encode())
    if len(attrs.columns):
        h.update(pd.util.hash_pandas_object(attrs, index=False).to_numpy().tobytes())
    h.update(str(len(frame)).encode())
    return h


def wkb_slices(frame: gpd.GeoDataFrame) -> Iterator[np.ndarray]:
    """The WKB of a layer's geometries, ``ROWS_PER_SLICE`` at a time (never the whole layer's)."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    for start in range(0, len(geoms), ROWS_PER_SLICE):
        yield shapely.to_wkb(geoms[start:start + ROWS_PER_SLICE])


def hash_wkb(h, wkb: np.ndarray) -> None:
    """Add geometries' WKB to a content hash: the same digest as one update per geometry, in far
    fewer calls (a missing geometry counts as one zero byte)."""
    h.update(b"".join(w or b"\0" for w in wkb))


def table_of(name: str, digest: str) -> str:
    """The content-addressed table of a layer with this content hash: ``zones__3f2a…``."""
    return f"{name}__{digest[:16]}"


def table_name(name: str, frame: pd.DataFrame, description: str) -> str:
    """The content-addressed table of a layer: ``zones__3f2a…``."""
    return table_of(name, content_hash(frame, description))


def is_polygonal(frame: gpd.GeoDataFrame) -> bool:
    types = set(np.unique(shapely.get_type_id(frame.geometry.values)).tolist()) - {-1}  # -1: missing
    return bool(types) and types <= {3, 6}  # Polygon, MultiPolygon


def check_frames(layers: dict[str, pd.DataFrame]) -> None:
    """Refuse a write before anything is written: every layer must be a data frame."""
    for name, frame in layers.items():
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"layer {name!r} is not a data frame")
