"""Benchmark: the parcel rule set on N synthetic parcels (MINH HỌA / ILLUSTRATIVE, faults injected)
in this service, plain shapely + STRtree, DuckDB spatial and PostGIS SQL; checks that all
engines agree and prints one table (seconds, ratio to plain shapely, peak memory, growth).
Run on purpose, not in CI; the machines are shared, so read the ratios, not the seconds.

    .venv/bin/python scripts/bench_parcels.py --n 10000 100000 1000000 [--dask] [--postgis URL] [--repeat 3]
    (a cluster on loopback: scripts/pg_cluster.sh start /tmp/pg 55432)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ROOT / "scripts" / "parcel_engines.py"
PY = sys.executable


def run_median(args: list[str], times: int, key: str) -> tuple[dict, float]:
    """``run`` ``times`` times: the first run's result with the median of ``key`` (seconds) and
    the largest peak."""
    runs = [run(args) for _ in range(times)]
    result = dict(runs[0][0])
    result[key] = statistics.median(r[key] for r, _ in runs)
    result["runs"] = times
    peak = max(mb for _, mb in runs)
    # as it goes, on stderr: a long run stopped part way still says what it measured
    print(f"{args[0]} {Path(args[1]).name}: {result[key]:.1f} s, {peak:.0f} MB", file=sys.stderr, flush=True)
    return result, peak


def run(args: list[str]) -> tuple[dict, float]:
    """One engine in its own process: its result and its own peak RSS in MB (a dask worker
    process counts as its own: the largest of the processes, not their sum)."""
    proc = subprocess.Popen([PY, str(ENGINES), *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"engine {args[0]} failed ({status})")
    return json.loads(out), usage.ru_maxrss / 1024


def same(result: dict, ref: dict) -> bool:
    """The same findings: the same ids, areas within 1 m² (engines round differently: the service
    keeps gaps to 0.1 m² and overlaps to 1 m², so a second rounding to whole m² may differ by one)."""
    def areas(rows, key):
        return {json.dumps(key(r)): r[-1] for r in rows}
    for name, key in (("overlaps", lambda r: r[:2]), ("gaps", lambda r: r[0])):
        mine, theirs = areas(result[name], key), areas(ref[name], key)
        if mine.keys() != theirs.keys() or any(abs(mine[k] - theirs[k]) > 1 for k in mine):
            return False
    return (result["invalid"] == ref["invalid"] and result["outside"] == ref["outside"]
            and abs(result["total_ha"] - ref["total_ha"]) <= 0.01)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--dask", action="store_true", help="also the dask engine (a LocalCluster)")
    parser.add_argument("--only", nargs="+", default=["shapely", "duckdb"],
                        help="the independent engines to run beside the service (shapely is the reference)")
    parser.add_argument("--postgis", help="postgresql://… on 127.0.0.1 (omit: no PostGIS column)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "gis_service_parcels")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per engine whose median is shown, for sizes up to --repeat-up-to")
    parser.add_argument("--repeat-up-to", type=int, default=100_000)
    args = parser.parse_args()
    load_before = os.getloadavg()
    rows = []
    for n in args.n:
        times = args.repeat if n <= args.repeat_up_to else 1
        gpkg = args.cache / f"parcels_{n}.gpkg"
        if not gpkg.exists():
            subprocess.run([PY, str(ROOT / "scripts" / "make_parcels.py"), "--n", str(n), "--output", str(gpkg)],
                           check=True, stdout=subprocess.DEVNULL)
        results = {}
        work = Path(tempfile.mkdtemp(prefix=f"bench_parcels_{n}_"))
        build, build_mb = run_median(["service-build", str(gpkg), str(work)], times, "build_seconds")
        results["service"] = run_median(["service", str(gpkg), str(work)], times, "validate_seconds")
        # the build's writer processes count too: the larger of its own peak and the sampled sum
        results["service"][0].update(build_seconds=build["build_seconds"],
                                     build_mb=max(build_mb, build["build_tree_mb"]))
        if args.dask:
            results["dask"] = run_median(["service-dask", str(gpkg), str(work)], times, "validate_seconds")
        results["shapely"] = run_median(["shapely", str(gpkg)], times, "seconds")
        if "duckdb" in args.only:
            results["duckdb"] = run_median(["duckdb", str(gpkg)], times, "seconds")
        if args.postgis:
            load, _ = run(["postgis-load", str(gpkg), args.postgis])
            results["postgis"] = run_median(["postgis", str(gpkg), args.postgis], times, "seconds")
            results["postgis"][0]["load_seconds"] = load["seconds"]
        keys = ("invalid", "overlaps", "gaps", "outside", "total_ha")
        ref = {k: results["shapely"][0][k] for k in keys}
        agree = {e: same(r, ref) for e, (r, _) in results.items()}
        rows.append((n, results, agree, ref))
    base = {e: None for e in ("service", "dask", "shapely", "duckdb", "postgis")}
    print(f"load average (1, 5, 15 min) at the start {', '.join(f'{v:.2f}' for v in load_before)}, at the end "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"{'parcels':>10} {'engine':<8} {'seconds':>8} {'×shapely':>9} {'peak MB':>8} {'growth':>7} runs agree  faults")
    for n, results, agree, ref in rows:
        for engine, (r, mb) in results.items():
            secs = r["validate_seconds"] if engine in ("service", "dask") else r["seconds"]
            extra = f" (build {r['build_seconds']:.1f}s, {r['build_mb']:.0f} MB)" if engine == "service" else (
                f" (+load {r['load_seconds']:.1f}s)" if engine == "postgis" else "")
            growth = "" if base[engine] is None else f"{secs / base[engine][1] / (n / base[engine][0]):.2f}"
            base[engine] = base[engine] or (n, secs)
            ratio = secs / (results["shapely"][0]["seconds"])
            print(f"{n:>10,} {engine:<8} {secs:>8.1f} {ratio:>9.2f} {mb:>8.0f} {growth:>7} {r.get('runs', 1):>4} "
                  f"{'yes' if agree[engine] else 'NO':<5} "
                  f"{len(ref['invalid'])} invalid, {len(ref['overlaps'])} overlaps, {len(ref['gaps'])} gaps, "
                  f"{len(ref['outside'])} outside{extra}")
    print("growth: time per parcel relative to the smallest run (1.00 = linear); seconds: the median of the runs")


if __name__ == "__main__":
    main()
