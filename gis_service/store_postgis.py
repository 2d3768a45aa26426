"""The PostGIS store: the GeoPackage store's versions in a PostgreSQL + PostGIS database, chosen by
``GIS_SERVICE_STORE=postgresql://user@host:port/database``.

Everything lives in the schema ``gis_store``:
- a content-addressed table per layer content (``zones__3f2a…``), named as in the GeoPackage
  store: ``fid`` (the feature order), the attributes, ``geom`` with the layer's SRID and a GiST
  index; tables without geometry are plain tables (raster tables: base64 text);
- ``store_tables``: each content table's layer, description, CRS, SRID and columns (original
  name, type), so a read gives back the frame that was written;
- ``store_versions``, ``store_version_layers``, ``store_approvals`` as in the GeoPackage store.
A write creates its tables and its version rows in ONE transaction: a write killed at any moment
leaves nothing behind. ``updating()`` holds a session advisory lock, so writers in other
processes (and on other machines) wait. Reads push bbox, limit and offset into SQL.

PostGIS 3.3 (Debian 12) lacks EPSG:9212 in spatial_ref_sys: opening the store adds the VN-2000
zones the service uses, and a write adds any other EPSG code its layers use, from pyproj (with
the EPSG:6960 VN-2000 → WGS 84 parameters for VN-2000 zones)."""

from __future__ import annotations

import json
import re
import threading
import warnings
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import InputError, NotFound, StoreUnavailable
from .store_base import (APPROVALS_TABLE, VERSION_LAYERS_TABLE, VERSIONS_TABLE, Approval, Version,
                         VersionedStore, WriteInfo, check_frames, check_version_number, table_name)
from .store_postgis_columns import MAX_IDENTIFIER, columns_of, from_sql, to_sql
from .store_postgis_tiles import extent_sql, tile_sql
from .tiles import EMPTY_TILE

SCHEMA = "gis_store"
TABLES_TABLE = "store_tables"
FID, GEOM = "fid", "geom"
VN2000_ZONES = (5899, 9212)  # TM-3 107-45 (Đồng Nai), TM-3 106-15 (the old Bình Phước zone)
VN2000_GEOGRAPHIC, VN2000_TO_WGS84 = 4756, 6960
_LOCK_KEY = 0x6769735F73746F72  # 'gis_stor': the advisory lock writers of one database share


class PostGISStore(VersionedStore):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self._idle: list = []  # open connections, for the next read
        self._pool_lock = threading.Lock()
        self._prepared = False
        self._meta: dict[str, dict] = {}  # content table → its store_tables row (never changes)

    @property
    def path(self) -> str:
        """Where the store is, for messages: the URL without its password."""
        return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", self.url)

    @property
    def location(self) -> str:
        """What ``store.open_location`` opens this store from again (in another process)."""
        return self.url

    def __repr__(self) -> str:
        return f"PostGISStore({self.path!r})"

    # -- connections --------------------------------------------------------------------
    def prepare(self) -> None:
        """Connect, create the schema and its bookkeeping tables when missing, and add the VN-2000
        zones spatial_ref_sys lacks. Safe to run from several processes at once."""
        if self._prepared:
            return
        with self._borrow() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY + 1,))
            if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone() is None:
                try:
                    conn.execute("CREATE EXTENSION postgis")
                except Exception as err:
                    raise InputError(f"PostGIS is not installed in {self.path} and this user cannot install "
                                     f"it ({err}); run CREATE EXTENSION postgis as the database owner",
                                     field="GIS_SERVICE_STORE") from None
            if conn.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.{APPROVALS_TABLE}",)).fetchone()[0] is None:
                for statement in _BOOKKEEPING_DDL:
                    conn.execute(statement)
            for epsg in VN2000_ZONES:
                _ensure_srid(conn, epsg)
        self._prepared = True

    @contextmanager
    def _connection(self) -> Iterator:
        """A connection in autocommit mode (each read its own snapshot), from the pool."""
        self.prepare()
        with self._borrow() as conn:
            yield conn

    @contextmanager
    def _borrow(self) -> Iterator:
        import psycopg

        with self._pool_lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            try:
                conn = psycopg.connect(self.url, autocommit=True, application_name="gis-service")
            except psycopg.OperationalError as err:
                raise StoreUnavailable(f"cannot connect to the PostGIS store {self.path}: {err}".strip(),
                                       field="GIS_SERVICE_STORE") from None
        try:
            yield conn
        except psycopg.OperationalError as err:  # the server went away (or cut the session) mid-use
            conn.close()
            raise StoreUnavailable(f"the PostGIS store {self.path} stopped answering: {err}".strip(),
                                   field="GIS_SERVICE_STORE") from None
        finally:
            if conn.closed or conn.broken or conn.info.transaction_status != 0:  # 0: idle
                conn.close()
            else:
                with self._pool_lock:
                    if len(self._idle) < 8:
                        self._idle.append(conn)
                        conn = None
                if conn is not None:
                    conn.close()

    def close(self) -> None:
        """Close the idle connections (a store still works after: it opens new ones)."""
        with self._pool_lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    # -- versions -----------------------------------------------------------------------
    def version(self) -> int | None:
        """The current (newest committed) version's number; None: nothing written yet."""
        with self._connection() as conn:
            return _current(conn)

    def versions(self) -> list[Version]:
        with self._connection() as conn:
            rows = conn.execute(f'SELECT number, created_at, "user", action, source_file, source_sha256, '
                                f"message, notes FROM {SCHEMA}.{VERSIONS_TABLE} ORDER BY number").fetchall()
        return [Version(*row) for row in rows]

    def approvals(self) -> list[Approval]:
        """Every approval entered, oldest first: the last one is in force, earlier ones superseded."""
        with self._connection() as conn:
            rows = conn.execute(f"SELECT version, decision_number, decision_date, issuing_body, entered_by, "
                                f"entered_at FROM {SCHEMA}.{APPROVALS_TABLE} ORDER BY id").fetchall()
        return [Approval(*row) for row in rows]

    def _tables(self, number: int) -> dict[str, str]:
        with self._connection() as conn:
            return _tables_of(conn, number)

    def origin(self, name: str, version: int | None = None) -> Version:
        """The version that brought a layer's content as ``version`` holds it: the first version
        reading the same table (a restore or a carried-over layer points back to it)."""
        table = self._table(name, version)
        with self._connection() as conn:
            row = conn.execute(f'SELECT number, created_at, "user", action, source_file, source_sha256, message, '
                               f"notes FROM {SCHEMA}.{VERSIONS_TABLE} WHERE number = (SELECT min(version) FROM "
                               f"{SCHEMA}.{VERSION_LAYERS_TABLE} WHERE name = %s AND table_name = %s)",
                               (name, table)).fetchone()
        return Version(*row)

    # -- reads --------------------------------------------------------------------------
    def crs(self, name: str, version: int | None = None):
        """A layer's CRS as the GeoPackage store gives it: 'EPSG:5899', a WKT, or None."""
        return self._layer(name, version)["crs"]

    def layer_description(self, name: str, version: int | None = None) -> str:
        return self._layer(name, version)["description"]

    def read_layer(self, name: str, version: int | None = None, *, bbox: tuple | None = None,
                   limit: int | None = None, offset: int = 0, columns: list[str] | None = None,
                   where: dict[str, str] | None = None, geometry: bool = True) -> gpd.GeoDataFrame:
        """One layer at a version. bbox (features whose geometry intersects it, as GDAL's filter),
        limit, offset, the attribute ``columns`` (None: all) and ``where`` (rows whose column, as
        text, equals the text given; the value a bound parameter) are pushed into the SQL, in the
        order the features were written. ``geometry=False``: the attributes only (a DataFrame)."""
        meta = self._layer(name, version)
        return self._read(meta, bbox=bbox, limit=limit, offset=offset, columns=columns, where=where,
                          geometry=geometry)

    def read_table(self, name: str, version: int | None = None) -> pd.DataFrame:
        return self._read(self._layer(name, version), geometry=False)

    def layer_extent(self, name: str, version: int | None = None) -> tuple[int, tuple | None]:
        meta = self._spatial(name, version)
        with self._connection() as conn:
            return extent_sql(conn, meta)

    def tile(self, name: str, z: int, x: int, y: int, version: int | None = None) -> bytes:
        """The tile in SQL (ST_AsMVT, store_postgis_tiles); empty below the layer's minimum zoom."""
        meta = self._spatial(name, version)
        if z < self.tile_min_zoom(name, version):
            return EMPTY_TILE
        with self._connection() as conn:
            return tile_sql(conn, meta, name, z, x, y)

    def _spatial(self, name: str, version: int | None) -> dict:
        meta = self._layer(name, version)
        if meta["geometry_type"] is None:
            raise NotFound(f"layer {name!r} has no geometry")
        return meta

    def _layer(self, name: str, version: int | None) -> dict:
        """The store_tables row of the table ``name`` reads at ``version``, in one query."""
        from psycopg import sql

        with self._connection() as conn:
            row = conn.execute(sql.SQL(
                "SELECT v.number, t.* FROM {versions} v LEFT JOIN {layers} l ON l.version = v.number "
                "AND l.name = %s LEFT JOIN {tables} t ON t.table_name = l.table_name "
                "WHERE v.number = coalesce(%s, (SELECT max(number) FROM {versions}))").format(
                    versions=_ident(VERSIONS_TABLE), layers=_ident(VERSION_LAYERS_TABLE),
                    tables=_ident(TABLES_TABLE)), (name, version)).fetchone()
        if row is None or row[1] is None:
            self._table(name, version)  # raises the NotFound that names what is missing
            raise NotFound(f"layer {name!r} has no table in the store")
        table = row[1]
        if table not in self._meta:
            from psycopg.rows import dict_row

            with self._connection() as conn:
                cur = conn.cursor(row_factory=dict_row)
                self._meta[table] = cur.execute(f"SELECT * FROM {SCHEMA}.{TABLES_TABLE} WHERE table_name = %s",
                                                (table,)).fetchone()
        return self._meta[table]

    def _read(self, meta: dict, *, bbox: tuple | None = None, limit: int | None = None, offset: int = 0,
              columns: list[str] | None = None, where: dict[str, str] | None = None,
              geometry: bool) -> pd.DataFrame:
        from psycopg import sql

        wanted = columns
        columns = [c for c in meta["columns"] if wanted is None or c["name"] in wanted]
        spatial = geometry and meta["geometry_type"] is not None
        select = [sql.Identifier(c["column"]) for c in columns]
        if spatial:
            select.append(sql.SQL("ST_AsBinary({})").format(sql.Identifier(GEOM)))
        query = sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(select) if select else sql.SQL("NULL"),
                                                    _ident(meta["table_name"]))
        params: list = []
        conditions = []
        if bbox is not None and spatial:
            # ST_Envelope: a box of zero width is a point or a line, as GDAL's filter takes it
            conditions.append(sql.SQL("ST_Intersects({}, ST_Envelope(ST_MakeEnvelope(%s, %s, %s, %s, %s)))").format(
                sql.Identifier(GEOM)))
            params += [*_bbox(bbox), meta["srid"]]
        by_name = {c["name"]: c["column"] for c in meta["columns"]}
        for name, value in (where or {}).items():
            if name not in by_name:
                raise ValueError(f"no column {name!r} in the layer; columns: {', '.join(sorted(by_name))}")
            if "\x00" in str(value):
                raise ValueError("a NUL character cannot be compared in SQL")
            conditions.append(sql.SQL("{}::text = %s").format(sql.Identifier(by_name[name])))
            params.append(str(value))
        if conditions:
            query += sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions)
        query += sql.SQL(" ORDER BY {}").format(sql.Identifier(FID))
        if limit is not None:
            query += sql.SQL(" LIMIT %s")
            params.append(_count(limit, "limit"))
        if offset:
            query += sql.SQL(" OFFSET %s")
            params.append(_count(offset, "offset"))
        with self._connection() as conn:
            rows = conn.cursor(binary=True).execute(query, params).fetchall()
        values = list(zip(*rows)) if rows else [()] * (len(select))
        data = {c["name"]: from_sql(list(v), c) for c, v in zip(columns, values)}
        if not spatial:
            return pd.DataFrame(data, index=pd.RangeIndex(len(rows)), columns=[c["name"] for c in columns])
        geoms = shapely.from_wkb(np.array(values[-1], dtype=object)) if rows else np.array([], dtype=object)
        return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=meta["crs"]),
                                index=pd.RangeIndex(len(rows)))

    # -- writes -------------------------------------------------------------------------
    @contextmanager
    def _process_lock(self) -> Iterator[None]:
        """A session advisory lock on a connection held for as long as ``updating()``."""
        with self._connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
            try:
                yield
            finally:
                if not conn.closed and not conn.broken:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))

    def write(self, layers: dict[str, pd.DataFrame], info: WriteInfo, *,
              descriptions: dict[str, str] | None = None, drop: tuple[str, ...] = (),
              force: bool = False) -> int:
        """One new version: ``layers`` written (or overwritten), ``drop`` removed, every other
        layer carried over; its tables and its version rows in one transaction. When nothing would
        change, writes nothing and returns the current number, unless ``force``."""
        check_frames(layers)
        descriptions = descriptions or {}
        with self.updating(), self._connection() as conn, conn.transaction():
            current = _current(conn)
            tables = _tables_of(conn, current) if current is not None else {}
            new = dict(tables)
            for name in drop:
                new.pop(name, None)
            for name, frame in layers.items():
                new[name] = self._write_table(conn, name, frame, descriptions.get(name, ""))
            if new == tables and not force:
                return current
            return _commit(conn, new, info)

    def restore(self, number: int, info: WriteInfo) -> int:
        """A new version equal to version ``number``; history is never rewritten."""
        with self.updating(), self._connection() as conn, conn.transaction():
            return _commit(conn, _tables_of(conn, number), info)

    def approve(self, approval: Approval) -> None:
        """Record an approval of a version (the decision that makes it the published plan)."""
        with self.updating(), self._connection() as conn, conn.transaction():
            _tables_of(conn, approval.version)
            conn.execute(f"INSERT INTO {SCHEMA}.{APPROVALS_TABLE} (version, decision_number, decision_date, "
                         "issuing_body, entered_by, entered_at) VALUES (%s, %s, %s, %s, %s, %s)",
                         (approval.version, approval.decision_number, approval.decision_date,
                          approval.issuing_body, approval.entered_by, approval.entered_at))

    def _write_table(self, conn, name: str, frame: pd.DataFrame, description: str) -> str:
        """The content-addressed table holding ``frame``: created and filled unless it is there."""
        from psycopg import sql

        table = _short(table_name(name, frame, description))
        if conn.execute(f"SELECT 1 FROM {SCHEMA}.{TABLES_TABLE} WHERE table_name = %s", (table,)).fetchone():
            return table
        geo = isinstance(frame, gpd.GeoDataFrame)
        attrs = pd.DataFrame(frame.drop(columns=frame.geometry.name)) if geo else frame
        columns = columns_of(attrs, reserved=(FID, GEOM))
        srid, crs = _srid_and_crs(conn, frame.crs) if geo else (None, None)
        geoms, geometry_type = _geometries(frame, srid) if geo else (None, None)
        definitions = [sql.SQL("{} bigint PRIMARY KEY").format(sql.Identifier(FID))]
        definitions += [sql.SQL("{} {}").format(sql.Identifier(c["column"]), sql.SQL(c["sql_type"])) for c in columns]
        if geo:
            definitions.append(sql.SQL("{} geometry(Geometry, {})").format(sql.Identifier(GEOM), sql.Literal(srid)))
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(_ident(table)))  # not ours: no store_tables row
        conn.execute(sql.SQL("CREATE TABLE {} ({})").format(_ident(table), sql.SQL(", ").join(definitions)))
        self._copy_rows(conn, table, attrs, columns, geoms)
        if geo:
            conn.execute(sql.SQL("CREATE INDEX ON {} USING gist ({})").format(_ident(table), sql.Identifier(GEOM)))
        conn.execute(sql.SQL("ANALYZE {}").format(_ident(table)))
        conn.execute(f"INSERT INTO {SCHEMA}.{TABLES_TABLE} (table_name, layer, description, crs, srid, "
                     "geometry_type, columns, features, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                     (table, name, description, crs, srid, geometry_type,
                      json.dumps([{k: c[k] for k in ("name", "column", "kind", "dtype", "tz")} for c in columns]),
                      len(frame), _now()))
        return table

    def _copy_rows(self, conn, table: str, attrs: pd.DataFrame, columns: list[dict], geoms) -> None:
        """COPY the rows in, in PostgreSQL's binary format: attributes as Python values of the
        columns' types, geometry as EWKB (a geometry's binary form; sent as bytea, its bytes as is)."""
        from psycopg import sql

        names = [FID] + [c["column"] for c in columns] + ([GEOM] if geoms is not None else [])
        types = ["int8"] + [c["sql_type"] for c in columns] + (["bytea"] if geoms is not None else [])
        data = [range(len(attrs))] + [to_sql(attrs.iloc[:, i], c) for i, c in enumerate(columns)]
        if geoms is not None:
            data.append(geoms)
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            _ident(table), sql.SQL(", ").join(map(sql.Identifier, names)))
        with conn.cursor().copy(statement) as copy:
            copy.set_types(types)
            for row in zip(*data):
                copy.write_row(row)


# -- helpers ------------------------------------------------------------------------------
def _ident(table: str):
    from psycopg import sql

    return sql.Identifier(SCHEMA, table)


def _current(conn) -> int | None:
    return conn.execute(f"SELECT max(number) FROM {SCHEMA}.{VERSIONS_TABLE}").fetchone()[0]


def _tables_of(conn, number: int) -> dict[str, str]:
    check_version_number(number)
    if conn.execute(f"SELECT 1 FROM {SCHEMA}.{VERSIONS_TABLE} WHERE number = %s", (number,)).fetchone() is None:
        raise NotFound(f"version {number} is not in the store")
    rows = conn.execute(f"SELECT name, table_name FROM {SCHEMA}.{VERSION_LAYERS_TABLE} WHERE version = %s "
                        "ORDER BY position", (number,)).fetchall()
    return dict(rows)


def _commit(conn, tables: dict[str, str], info: WriteInfo) -> int:
    number = (_current(conn) or 0) + 1
    conn.execute(f'INSERT INTO {SCHEMA}.{VERSIONS_TABLE} (number, created_at, "user", action, source_file, '
                 "source_sha256, message, notes) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                 (number, _now(), info.user, info.action, info.source_file, info.source_sha256, info.message,
                  info.notes))
    with conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {SCHEMA}.{VERSION_LAYERS_TABLE} (version, position, name, table_name) "
                        "VALUES (%s, %s, %s, %s)",
                        [(number, i, name, table) for i, (name, table) in enumerate(tables.items())])
    return number


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _short(name: str) -> str:
    """A table name PostgreSQL keeps whole: a long layer name is cut before its content hash."""
    if len(name.encode()) <= MAX_IDENTIFIER:
        return name
    layer, digest = name.rsplit("__", 1)
    cut = layer.encode()[:MAX_IDENTIFIER - len(digest) - 2].decode(errors="ignore")
    return f"{cut}__{digest}"


def _bbox(bbox) -> list[float]:
    try:
        values = [float(v) for v in bbox]
    except (TypeError, ValueError):
        raise ValueError(f"bbox must be four numbers (minx, miny, maxx, maxy), got {bbox!r}") from None
    if len(values) != 4:
        raise ValueError(f"bbox must be four numbers (minx, miny, maxx, maxy), got {bbox!r}")
    return values


def _count(value, what: str) -> int:
    if int(value) != value or value < 0:
        raise ValueError(f"{what} must be a whole number ≥ 0, got {value!r}")
    return int(value)


# -- CRS ------------------------------------------------------------------------------------
def _srid_and_crs(conn, crs) -> tuple[int, str | None]:
    """The SRID of a layer's geometry column and the CRS kept for reads: an EPSG code (added to
    spatial_ref_sys when missing), else SRID 0 and the CRS's WKT."""
    if crs is None:
        return 0, None
    auth = crs.to_authority(min_confidence=100)
    if auth and auth[0] == "EPSG" and _ensure_srid(conn, int(auth[1])):
        return int(auth[1]), f"EPSG:{auth[1]}"
    return 0, crs.to_wkt()


def _ensure_srid(conn, epsg: int) -> bool:
    """Add EPSG:``epsg`` to spatial_ref_sys when missing; False when it cannot be added."""
    if conn.execute("SELECT 1 FROM spatial_ref_sys WHERE srid = %s", (epsg,)).fetchone():
        return True
    row = spatial_ref_sys_row(epsg)
    if row is None or not 0 < epsg <= 998_999:
        return False
    conn.execute("INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) "
                 "VALUES (%s, 'EPSG', %s, %s, %s)", (epsg, epsg, *row))
    return True


def spatial_ref_sys_row(epsg: int) -> tuple[str, str] | None:
    """srtext (WKT 1, as PostGIS keeps it) and proj4text of an EPSG CRS, from pyproj. A VN-2000
    CRS is bound to WGS 84 by EPSG:6960, the transformation pyproj itself picks (PROJ writes the
    +towgs84 rotations in its own convention: never hand-copy them)."""
    from pyproj import CRS
    from pyproj.crs import BoundCRS, CoordinateOperation

    crs = CRS.from_epsg(epsg)
    if crs.geodetic_crs is not None and crs.geodetic_crs.to_epsg() == VN2000_GEOGRAPHIC and crs.is_projected:
        crs = BoundCRS(crs, CRS.from_epsg(4326), CoordinateOperation.from_epsg(VN2000_TO_WGS84))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "you will likely lose … converting to a PROJ string"
        try:
            srtext, proj4 = crs.to_wkt("WKT1_GDAL"), crs.to_proj4()
        except Exception:
            return None
    if not srtext or not proj4 or len(srtext) > 2048:
        return None
    return srtext, proj4.replace(" +type=crs", "")


# -- geometry -----------------------------------------------------------------------------
def _geometries(frame: gpd.GeoDataFrame, srid: int) -> tuple[list, str]:
    """EWKB with the column's SRID, and the layer's geometry type; polygons are promoted to
    multipolygons in a polygonal layer, as the GeoPackage store writes them."""
    geoms = np.asarray(frame.geometry.values, dtype=object).copy()
    types = shapely.get_type_id(geoms)
    present = set(np.unique(types[types >= 0]).tolist())
    polygon, multipolygon = int(shapely.GeometryType.POLYGON), int(shapely.GeometryType.MULTIPOLYGON)
    if present and present <= {polygon, multipolygon}:
        single = types == polygon
        geoms[single] = shapely.multipolygons(geoms[single], indices=np.arange(int(single.sum())))
        present = {multipolygon}
    geometry_type = shapely.GeometryType(present.pop()).name if len(present) == 1 else "GEOMETRY"
    if srid:
        geoms = shapely.set_srid(geoms, srid)
    return shapely.to_wkb(geoms, include_srid=bool(srid)).tolist(), _TYPE_NAMES.get(geometry_type, "Geometry")


_TYPE_NAMES = {"POINT": "Point", "LINESTRING": "LineString", "LINEARRING": "LinearRing", "POLYGON": "Polygon",
               "MULTIPOINT": "MultiPoint", "MULTILINESTRING": "MultiLineString", "MULTIPOLYGON": "MultiPolygon",
               "GEOMETRYCOLLECTION": "GeometryCollection"}


_BOOKKEEPING_DDL = (
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"CREATE TABLE IF NOT EXISTS {SCHEMA}.{TABLES_TABLE} (table_name text PRIMARY KEY, layer text NOT NULL, "
    "description text NOT NULL, crs text, srid integer, geometry_type text, columns jsonb NOT NULL, "
    "features bigint NOT NULL, created_at text NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {SCHEMA}.{VERSIONS_TABLE} (number integer PRIMARY KEY, created_at text NOT NULL, "
    '"user" text NOT NULL, action text NOT NULL, source_file text NOT NULL, source_sha256 text NOT NULL, '
    "message text NOT NULL, notes text NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {SCHEMA}.{VERSION_LAYERS_TABLE} (version integer NOT NULL REFERENCES "
    f"{SCHEMA}.{VERSIONS_TABLE}, position integer NOT NULL, name text NOT NULL, table_name text NOT NULL "
    f"REFERENCES {SCHEMA}.{TABLES_TABLE}, PRIMARY KEY (version, name))",
    f"CREATE INDEX IF NOT EXISTS store_version_layers_table ON {SCHEMA}.{VERSION_LAYERS_TABLE} (table_name)",
    f"CREATE TABLE IF NOT EXISTS {SCHEMA}.{APPROVALS_TABLE} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
    f"version integer NOT NULL REFERENCES {SCHEMA}.{VERSIONS_TABLE}, decision_number text NOT NULL, "
    "decision_date text NOT NULL, issuing_body text NOT NULL, entered_by text NOT NULL, entered_at text NOT NULL)",
)
