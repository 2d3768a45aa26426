"""The parcel rule set (validity; overlaps > 1 m²; gaps narrower than 2 m; inside the commune with
0.5 m tolerance; total area) computed by independent engines, for scripts/bench_parcels.py:
plain shapely + STRtree, DuckDB spatial, PostGIS SQL with a GiST index, and this service.

Each engine reads the parcels from a GeoPackage and returns the same plain result, so the
benchmark can check that they agree: invalid ids, overlapping pairs with their area, gaps (the
parcels around each, its area), parcels outside the boundary, the total area in hectares.
Repairs use GEOS make_valid 'structure' where the engine offers it (shapely, PostGIS); DuckDB's
ST_MakeValid has no method: the synthetic bow-ties are built so that both repairs agree.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOLERANCE_M2, GAP_WIDTH_M, GAP_MIN_M2, INSIDE_M = 1.0, 2.0, 1.0, 0.5


def boundary_wkt() -> str:
    from gis_service.synthetic import commune_boundary

    return commune_boundary(ROOT / "layers").wkt


def result(invalid, overlaps, gaps, outside, total_ha) -> dict:
    """Areas to whole m² (the service keeps overlaps to 4 decimals of a hectare, 1 m²)."""
    return {"invalid": sorted(invalid),
            "overlaps": sorted([sorted([str(a), str(b)]) + [round(float(m2))] for a, b, m2 in overlaps]),
            "gaps": sorted([[sorted(map(str, ids)), round(float(m2))] for ids, m2 in gaps]),
            "outside": sorted(outside), "total_ha": round(float(total_ha), 2)}


# -- plain shapely + STRtree: the obvious script --------------------------------------------------
def plain_shapely(gpkg: Path) -> dict:
    import pyogrio
    import shapely

    frame = pyogrio.read_dataframe(gpkg, use_arrow=True)
    ids = frame["id"].to_numpy()
    geoms = np.asarray(frame.geometry.values, dtype=object)
    boundary = shapely.from_wkt(boundary_wkt())
    valid = shapely.is_valid(geoms)
    fixed = geoms.copy()
    fixed[~valid] = [shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
                     for g in shapely.make_valid(geoms[~valid], method="structure")]
    tree = shapely.STRtree(fixed)
    left, right = tree.query(fixed, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    areas = shapely.area(shapely.intersection(fixed[left], fixed[right]))
    big = areas > TOLERANCE_M2
    union = shapely.union_all(fixed)
    half = GAP_WIDTH_M / 2
    closed = union.buffer(half, join_style="mitre").buffer(-half, join_style="mitre")
    parts = shapely.get_parts(closed.difference(union).intersection(boundary))
    parts = [p for p in parts if p.geom_type == "Polygon" and p.area >= GAP_MIN_M2]
    gaps = [(ids[tree.query(p, predicate="dwithin", distance=0.01)], p.area) for p in parts]
    allowed = boundary.buffer(INSIDE_M)
    shapely.prepare(allowed)
    out = ~shapely.covers(allowed, fixed)
    out[out] = shapely.area(shapely.difference(fixed[out], allowed)) > 0
    return result(ids[~valid], zip(ids[left[big]], ids[right[big]], areas[big]), gaps, ids[out],
                  union.area / 10_000)


# -- DuckDB spatial ------------------------------------------------------------------------------
def duckdb_connect():
    import duckdb
    import duckdb_ext  # noqa: F401  (the extension's wheel)

    extensions = Path(duckdb_ext.__path__[0]) / "extensions"
    con = duckdb.connect(config={"extension_directory": str(extensions),
                                 "autoinstall_known_extensions": False, "threads": 2})
    con.execute("LOAD spatial")
    return con


def duckdb_sql(gpkg: Path) -> dict:
    con = duckdb_connect()
    con.execute(f"CREATE TABLE raw AS SELECT id, geom FROM ST_Read('{gpkg}')")
    con.execute("CREATE TABLE b AS SELECT ST_GeomFromText(?) AS geom", [boundary_wkt()])
    invalid = [r[0] for r in con.execute("SELECT id FROM raw WHERE NOT ST_IsValid(geom)").fetchall()]
    con.execute("CREATE TABLE p AS SELECT id, CASE WHEN ST_IsValid(geom) THEN geom "
                "ELSE ST_CollectionExtract(ST_MakeValid(geom), 3) END AS geom FROM raw")
    # candidate pairs by a hash join on grid cells (DuckDB's own spatial join is not chosen for
    # a self-join with a.id < b.id here), then the exact test
    cell = 3 * (con.execute("SELECT sum(ST_Area(geom)) / count(*) FROM p").fetchone()[0]) ** 0.5
    con.execute(
        "CREATE TABLE c AS SELECT id, UNNEST(range(floor(ST_XMin(geom) / $1)::BIGINT, "
        "floor(ST_XMax(geom) / $1)::BIGINT + 1)) AS cx, floor(ST_YMin(geom) / $1)::BIGINT AS y0, "
        "floor(ST_YMax(geom) / $1)::BIGINT AS y1 FROM p", [cell])
    con.execute("CREATE TABLE cc AS SELECT id, cx, UNNEST(range(y0, y1 + 1)) AS cy FROM c")
    overlaps = con.execute(
        "WITH pairs AS (SELECT DISTINCT a.id AS ida, b.id AS idb FROM cc a JOIN cc b "
        "ON a.cx = b.cx AND a.cy = b.cy AND a.id < b.id) "
        "SELECT pairs.ida, pairs.idb, ST_Area(ST_Intersection(a.geom, b.geom)) AS m2 FROM pairs "
        "JOIN p a ON a.id = pairs.ida JOIN p b ON b.id = pairs.idb "
        "WHERE ST_Intersects(a.geom, b.geom) AND m2 > ?", [TOLERANCE_M2]).fetchall()
    half = GAP_WIDTH_M / 2
    # DuckDB's union aggregates merge one geometry at a time (minutes at 10,000); GEOS's
    # buffer(0) of the collection unions it in one pass
    con.execute("CREATE TABLE u AS SELECT ST_Buffer(ST_Collect(list(geom)), 0) AS geom FROM p")
    con.execute(
        "CREATE TABLE g AS SELECT row_number() OVER () AS k, geom FROM (SELECT UNNEST(ST_Dump("
        "ST_Intersection(ST_Difference(ST_Buffer(ST_Buffer(u.geom, ?, 8, 'CAP_ROUND', 'JOIN_MITRE', 5.0), "
        "?, 8, 'CAP_ROUND', 'JOIN_MITRE', 5.0), u.geom), b.geom)), recursive := true) FROM u, b) "
        "WHERE ST_GeometryType(geom) = 'POLYGON' AND ST_Area(geom) >= ?", [half, -half, GAP_MIN_M2])
    rows = con.execute("SELECT g.k, ST_Area(g.geom), list(p.id) FROM g JOIN p ON "
                       "ST_Intersects(ST_Extent(ST_Buffer(g.geom, 0.02)), p.geom) AND ST_DWithin(g.geom, p.geom, 0.01) "
                       "GROUP BY g.k, g.geom").fetchall()
    gaps = [(ids, m2) for _, m2, ids in rows]
    outside = [r[0] for r in con.execute(
        "WITH a AS (SELECT ST_Buffer(geom, ?) AS geom FROM b) SELECT p.id FROM p, a "
        "WHERE NOT ST_Covers(a.geom, p.geom) AND ST_Area(ST_Difference(p.geom, a.geom)) > 0",
        [INSIDE_M]).fetchall()]
    total = con.execute("SELECT ST_Area(geom) / 10000 FROM u").fetchone()[0]
    return result(invalid, overlaps, gaps, outside, total)


# -- PostGIS SQL, GiST index ---------------------------------------------------------------------
def postgis_load(gpkg: Path, url: str) -> None:
    """ogr2ogr into a table with a GiST index (the usual way to load a GeoPackage)."""
    import subprocess

    subprocess.run(["ogr2ogr", "-f", "PostgreSQL", _pg_dsn(url), str(gpkg), "-nln", "bench_parcels",
                    "-overwrite", "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST",
                    "-lco", "FID=fid", "-a_srs", "EPSG:5899", "-nlt", "MULTIPOLYGON", "-select", "id",
                    "--config", "PG_USE_COPY", "YES"], check=True)


def _pg_dsn(url: str) -> str:
    from urllib.parse import urlparse

    u = urlparse(url)
    return f"PG:host={u.hostname} port={u.port or 5432} user={u.username} dbname={u.path.lstrip('/')}"


def postgis_sql(url: str) -> dict:
    import psycopg

    half = GAP_WIDTH_M / 2
    with psycopg.connect(url, autocommit=True) as con:
        q = con.execute
        q("SET max_parallel_workers_per_gather = 2")
        q("DROP TABLE IF EXISTS bp")
        invalid = [r[0] for r in q("SELECT id FROM bench_parcels WHERE NOT ST_IsValid(geom)").fetchall()]
        q("CREATE TEMP TABLE bp AS SELECT id, CASE WHEN ST_IsValid(geom) THEN geom ELSE "
          "ST_CollectionExtract(ST_MakeValid(geom, 'method=structure'), 3) END AS geom FROM bench_parcels")
        q("CREATE INDEX ON bp USING gist (geom)")
        q("ANALYZE bp")
        q("CREATE TEMP TABLE b AS SELECT ST_GeomFromText(%s, 0) AS geom", (boundary_wkt(),))
        overlaps = q("SELECT a.id, b.id, ST_Area(ST_Intersection(a.geom, b.geom)) FROM bp a JOIN bp b "
                     "ON a.geom && b.geom AND ST_Intersects(a.geom, b.geom) AND a.id < b.id "
                     "WHERE ST_Area(ST_Intersection(a.geom, b.geom)) > %s", (TOLERANCE_M2,)).fetchall()
        q("CREATE TEMP TABLE u AS SELECT ST_SetSRID(ST_Union(geom), 0) AS geom FROM bp")
        rows = q(
            "WITH g AS (SELECT (ST_Dump(ST_Intersection(ST_Difference(ST_Buffer(ST_Buffer(u.geom, %s, "
            "'join=mitre'), %s, 'join=mitre'), u.geom), b.geom))).geom AS geom FROM u, b), "
            "k AS (SELECT row_number() OVER () AS k, geom FROM g WHERE ST_Area(geom) >= %s) "
            "SELECT k.k, ST_Area(k.geom), array_agg(bp.id) FROM k JOIN bp "
            "ON ST_DWithin(ST_SetSRID(k.geom, 5899), bp.geom, 0.01) GROUP BY k.k, k.geom",
            (half, -half, GAP_MIN_M2)).fetchall()
        gaps = [(ids, m2) for _, m2, ids in rows]
        outside = [r[0] for r in q(
            "WITH a AS (SELECT ST_SetSRID(ST_Buffer(geom, %s), 5899) AS geom FROM b) SELECT bp.id FROM bp, a "
            "WHERE NOT ST_Covers(a.geom, bp.geom) AND ST_Area(ST_Difference(bp.geom, a.geom)) > 0",
            (INSIDE_M,)).fetchall()]
        total = q("SELECT ST_Area(geom) / 10000 FROM u").fetchone()[0]
    return result(invalid, overlaps, gaps, outside, total)


# -- this service ----------------------------------------------------------------------------------
def service_result(report) -> dict:
    """The same plain result from a validation report of layers/parcels/plan.yaml."""
    by_rule = {o.rule_id: o for o in report.outcomes}
    failing = {rid: [f for f in o.findings if not f.passed] for rid, o in by_rule.items()}
    return result([f.zone_ids[0] for f in failing["P01"]],
                  [(*f.zone_ids, f.measured * 10_000) for f in failing["P02"]],
                  [(f.zone_ids, f.measured) for f in failing["P03"]],
                  [f.zone_ids[0] for f in failing["P04"]],
                  by_rule["P05"].findings[0].measured)


def service_layers(gpkg: Path, work: Path):
    """A layers folder for the parcels file (the parcel catalog and plan, the commune boundary,
    the parcels file hard-linked: a layer set reads no file outside its folder), and its settings."""
    import os
    import shutil

    from gis_service.settings import Settings
    from gis_service.synthetic import BOUNDARY_FILE, write_boundary

    layers = work / "parcels"
    layers.mkdir(parents=True, exist_ok=True)
    for name in ("plan.yaml", "catalog.yaml"):
        shutil.copy(ROOT / "layers" / "parcels" / name, layers / name)
    if not (layers / BOUNDARY_FILE).exists():
        write_boundary(layers, ROOT / "layers")
    if not (layers / "parcels.gpkg").exists():
        try:
            os.link(gpkg, layers / "parcels.gpkg")
        except OSError:  # another file system
            shutil.copy(gpkg, layers / "parcels.gpkg")
    return Settings(layers_dir=layers, store=work / "store.gpkg")


def service_build(gpkg: Path, work: Path) -> dict:
    """`gis-service build` of a fresh store from the parcels (its own process), with the peak of
    the build and its writer processes together (``tree_memory``)."""
    from gis_service.build import build_store
    from gis_service.store import GeoPackageStore

    from tree_memory import TreePeak

    settings = service_layers(gpkg, work)
    settings.store.unlink(missing_ok=True)
    with TreePeak() as peak:
        t0 = time.perf_counter()
        build_store(settings, GeoPackageStore(settings.store))
        seconds = time.perf_counter() - t0
    return {"build_seconds": seconds, "build_tree_mb": peak.mb}


def service(gpkg: Path, work: Path, engine: str = "local") -> dict:
    """Validate the built store as `gis-service validate` does: read the version's layers from
    the store GeoPackage and run layers/parcels/plan.yaml (``engine``: local or dask)."""
    from gis_service.build import load_sources
    from gis_service.store import GeoPackageStore
    from gis_service.validate import check_store_version

    settings = service_layers(gpkg, work)
    t0 = time.perf_counter()
    _, plan, source = load_sources(settings)
    _, report = check_store_version(GeoPackageStore(settings.store).at(), source, engine=engine)
    return {**service_result(report), "validate_seconds": time.perf_counter() - t0}


def main() -> None:
    engine, gpkg = sys.argv[1], Path(sys.argv[2])
    t0 = time.perf_counter()
    if engine == "shapely":
        out = plain_shapely(gpkg)
    elif engine == "service-build":
        out = service_build(gpkg, Path(sys.argv[3]))
    elif engine in ("service", "service-dask"):
        out = service(gpkg, Path(sys.argv[3]), "dask" if engine == "service-dask" else "local")
    elif engine == "duckdb":
        out = duckdb_sql(gpkg)
    elif engine == "postgis-load":
        postgis_load(gpkg, sys.argv[3])
        out = {}
    elif engine == "postgis":
        out = postgis_sql(sys.argv[3])
    else:
        raise SystemExit(f"unknown engine {engine}")
    out["seconds"] = time.perf_counter() - t0
    print(json.dumps(out))


if __name__ == "__main__":
    main()
