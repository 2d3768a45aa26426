"""Benchmark of the two store back ends on the shipped layers: build (read layers/, validate,
write one version), validate again from the store (as `gis-service validate`), read every layer
and one bbox page, on a new GeoPackage and a new PostGIS database per run, the back ends
alternating in one process (this machine is shared: compare the ratio, medians of the runs).
With ``--parcels N``, also writing, reading and paging N synthetic parcels (one layer). Run on
purpose, not in CI.

    scripts/pg_cluster.sh start /tmp/pg 55432      # a loopback cluster, if none is running
    .venv/bin/python scripts/bench_store.py --postgis postgresql://postgres@127.0.0.1:55432/gis [--runs 5] \
        [--parcels 100000]

The URL's user must be allowed to create databases: each run gets its own, dropped after.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gis_service.build import build_store, load_sources  # noqa: E402
from gis_service.settings import Settings  # noqa: E402
from gis_service.store import WriteInfo, open_store  # noqa: E402
from gis_service.validate import check_store_version  # noqa: E402

STEPS = ("build", "validate", "read all", "bbox page")
PARCEL_STEPS = ("parcels write", "parcels read", "parcels bbox page", "parcels offset page")


def run_once(settings: Settings, parcels=None) -> dict[str, float]:
    times = {}
    t = time.perf_counter()
    store = open_store(settings)
    build_store(settings, store)
    times["build"] = time.perf_counter() - t
    t = time.perf_counter()
    _, _, source = load_sources(settings)
    check_store_version(store.at(), source)
    times["validate"] = time.perf_counter() - t
    t = time.perf_counter()
    view = store.at()
    for name in view.layer_names():
        view.read_layer(name)
    times["read all"] = time.perf_counter() - t
    minx, miny, maxx, maxy = view.read_layer("durian_plots").total_bounds
    t = time.perf_counter()
    view.read_layer("durian_plots", bbox=(minx, miny, (minx + maxx) / 2, (miny + maxy) / 2), limit=20, offset=20)
    times["bbox page"] = time.perf_counter() - t
    if parcels is not None:
        t = time.perf_counter()
        store.write({"parcels": parcels}, WriteInfo("bench"))
        times["parcels write"] = time.perf_counter() - t
        t = time.perf_counter()
        whole = store.read_layer("parcels")
        times["parcels read"] = time.perf_counter() - t
        minx, miny, _, _ = whole.total_bounds
        t = time.perf_counter()
        store.read_layer("parcels", bbox=(minx, miny, minx + 2000, miny + 2000), limit=100, offset=10)
        times["parcels bbox page"] = time.perf_counter() - t
        t = time.perf_counter()
        store.read_layer("parcels", limit=100, offset=len(whole) // 2)
        times["parcels offset page"] = time.perf_counter() - t
    getattr(store, "close", lambda: None)()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgis", required=True, help="postgresql://user@host:port/database")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--parcels", type=int, default=0, help="also write and read N synthetic parcels")
    args = parser.parse_args()
    parcels = None
    if args.parcels:
        from gis_service.synthetic import commune_boundary, make_parcels

        parcels = make_parcels(args.parcels, commune_boundary(ROOT / "layers")).frame
    import psycopg
    from psycopg import sql

    server = psycopg.conninfo.conninfo_to_dict(args.postgis)
    admin = psycopg.conninfo.make_conninfo(args.postgis, dbname="postgres")
    results: dict[str, list[dict]] = {"gpkg": [], "postgis": []}
    with tempfile.TemporaryDirectory() as folder, psycopg.connect(admin, autocommit=True) as conn:
        for run in range(args.runs):
            gpkg = Path(folder) / f"store_{run}.gpkg"
            database = f"bench_store_{run}"
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
            password = f":{server['password']}" if server.get("password") else ""
            url = (f"postgresql://{server.get('user', 'postgres')}{password}@{server.get('host', '127.0.0.1')}:"
                   f"{server.get('port', 5432)}/{database}")
            order = [("gpkg", str(gpkg)), ("postgis", url)]
            for backend, location in (order if run % 2 == 0 else order[::-1]):
                results[backend].append(run_once(Settings(layers_dir=ROOT / "layers", store=location), parcels))
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database)))
    print(f"{'step':<20} {'GeoPackage s':>12} {'PostGIS s':>10} {'ratio':>6}   (medians of {args.runs} runs)")
    for step in (*STEPS, "build + validate", *(PARCEL_STEPS if parcels is not None else ())):
        def median(backend):
            values = [r["build"] + r["validate"] if step == "build + validate" else r[step] for r in results[backend]]
            return statistics.median(values)
        a, b = median("gpkg"), median("postgis")
        print(f"{step:<20} {a:>12.3f} {b:>10.3f} {b / a:>6.2f}")


if __name__ == "__main__":
    main()
