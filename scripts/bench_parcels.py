"""Benchmark: the parcel rule set on N synthetic parcels (MINH HỌA / ILLUSTRATIVE, faults injected)
in this service, plain shapely + STRtree, DuckDB spatial and PostGIS SQL; checks that all
engines agree and prints one table (seconds, ratio to plain shapely, peak memory, growth).
Run on purpose, not in CI; the machines are shared, so read the ratios, not the seconds.

    .venv/bin/python scripts/bench_parcels.py --n 10000 100000 1000000 [--postgis URL]
    (a cluster on loopback: scripts/pg_cluster.sh start /tmp/pg 55432)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ROOT / "scripts" / "parcel_engines.py"
PY = sys.executable


def run(args: list[str]) -> tuple[dict, float]:
    """One engine in its own process: its result and its own peak RSS in MB."""
    proc = subprocess.Popen([PY, str(ENGINES), *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"engine {args[0]} failed ({status})")
    return json.loads(out), usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--postgis", help="postgresql://… on 127.0.0.1 (omit: no PostGIS column)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "gis_service_parcels")
    args = parser.parse_args()
    rows = []
    for n in args.n:
        gpkg = args.cache / f"parcels_{n}.gpkg"
        if not gpkg.exists():
            subprocess.run([PY, str(ROOT / "scripts" / "make_parcels.py"), "--n", str(n), "--output", str(gpkg)],
                           check=True, stdout=subprocess.DEVNULL)
        results = {}
        results["service"] = run(["service", str(gpkg)])
        results["shapely"] = run(["shapely", str(gpkg)])
        results["duckdb"] = run(["duckdb", str(gpkg)])
        if args.postgis:
            load, _ = run(["postgis-load", str(gpkg), args.postgis])
            results["postgis"] = run(["postgis", str(gpkg), args.postgis])
            results["postgis"][0]["load_seconds"] = load["seconds"]
        keys = ("invalid", "overlaps", "gaps", "outside", "total_ha")
        ref = {k: results["shapely"][0][k] for k in keys}
        agree = {e: all(r[k] == ref[k] for k in keys) for e, (r, _) in results.items()}
        rows.append((n, results, agree, ref))
    base = {e: None for e in ("service", "shapely", "duckdb", "postgis")}
    print(f"{'parcels':>10} {'engine':<8} {'seconds':>8} {'×shapely':>9} {'peak MB':>8} {'growth':>7} agree  faults")
    for n, results, agree, ref in rows:
        for engine, (r, mb) in results.items():
            secs = r["validate_seconds"] if engine == "service" else r["seconds"]
            extra = f" (+build {r['build_seconds']:.1f}s)" if engine == "service" else (
                f" (+load {r['load_seconds']:.1f}s)" if engine == "postgis" else "")
            growth = "" if base[engine] is None else f"{secs / base[engine][1] / (n / base[engine][0]):.2f}"
            base[engine] = base[engine] or (n, secs)
            ratio = secs / (results["shapely"][0]["seconds"])
            print(f"{n:>10,} {engine:<8} {secs:>8.1f} {ratio:>9.2f} {mb:>8.0f} {growth:>7} {'yes' if agree[engine] else 'NO':<5} "
                  f"{len(ref['invalid'])} invalid, {len(ref['overlaps'])} overlaps, {len(ref['gaps'])} gaps, "
                  f"{len(ref['outside'])} outside{extra}")
    print("growth: time per parcel relative to the smallest run (1.00 = linear)")


if __name__ == "__main__":
    main()
