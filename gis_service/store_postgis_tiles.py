"""Vector tiles in SQL for the PostGIS store: the same tiles as ``tiles.encode_tile`` makes for
the GeoPackage store (features whose geometry intersects the tile, simplified by a fraction of a
pixel, clipped to the tile and its buffer, small attributes), by ST_AsMVTGeom and ST_AsMVT. The
GiST index on ``geom`` finds the candidates: the buffered tile, densified and transformed into the
layer's SRID, is compared with ``&&``."""

from __future__ import annotations

from . import tiles

_TILE_SQL = """
WITH env AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
                    ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s) AS outer_box),
src AS (SELECT ST_Transform(ST_Segmentize(outer_box, %(segment)s), %(srid)s) AS box FROM env),
candidates AS (SELECT {columns}, ST_Transform(t.geom, 3857) AS g FROM {table} t, src WHERE t.geom && src.box),
rows AS (SELECT {names}, ST_AsMVTGeom(ST_Simplify(c.g, %(tolerance)s, true), env.tile, %(extent)s,
                                      %(buffer)s, true) AS geom
         FROM candidates c, env WHERE ST_Intersects(c.g, env.tile))
SELECT ST_AsMVT(rows.*, %(layer)s, %(extent)s, 'geom') FROM rows WHERE geom IS NOT NULL
"""


def tile_sql(conn, meta: dict, layer: str, z: int, x: int, y: int) -> bytes:
    """One tile of the content table described by ``meta`` (its store_tables row)."""
    from psycopg import sql

    wanted = [c for c in meta["columns"] if c["name"] in tiles.TILE_ATTRIBUTES]
    columns = [sql.SQL("t.{}::text AS {}").format(sql.Identifier(c["column"]), sql.Identifier(c["name"]))
               for c in wanted] or [sql.SQL("NULL AS none")]
    names = [sql.SQL("c.{}").format(sql.Identifier(c["name"])) for c in wanted] or [sql.SQL("c.none")]
    query = sql.SQL(_TILE_SQL).format(columns=sql.SQL(", ").join(columns), names=sql.SQL(", ").join(names),
                                      table=_table(meta))
    size = 2 * tiles.HALF_WORLD / 2 ** z
    row = conn.execute(query, {"z": z, "x": x, "y": y, "margin": tiles.BUFFER / tiles.EXTENT,
                               "segment": size / 16, "srid": meta["srid"], "tolerance": tiles.tolerance(z),
                               "extent": tiles.EXTENT, "buffer": tiles.BUFFER, "layer": layer}).fetchone()
    return bytes(row[0]) if row and row[0] is not None else tiles.EMPTY_TILE


def extent_sql(conn, meta: dict) -> tuple[int, tuple | None]:
    """The feature count and bounds (layer CRS; None when empty) of a content table."""
    from psycopg import sql

    n, minx, miny, maxx, maxy = conn.execute(sql.SQL(
        "SELECT n, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
        "(SELECT count(*) AS n, ST_Extent(geom) AS e FROM {}) s").format(_table(meta))).fetchone()
    return int(n), (None if minx is None else (minx, miny, maxx, maxy))


def _table(meta: dict):
    from .store_postgis import _ident

    return _ident(meta["table_name"])
