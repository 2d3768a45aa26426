"""Seconds and bytes of each public page on a large store (e.g. 1,000,000 parcels), one request each
with the Flask test client, in the order a visitor meets them (the first request pays for reading
the version's layers and report: its time is part of the table).

Usage: .venv/bin/python scripts/bench_pages_1m.py --store S.gpkg --layers L [--id P0000106] [--name "tổng hợp"]
       PYTHONPATH=<an older checkout> ... measures that code instead (the pages stay these)
The store must be built and validated from the layers folder L (its catalog and plan). The
request time limit is lifted for the run, so a slow page is timed to its end rather than cut at
60 s; a page still running after --timeout seconds is stopped (its row says so) and the pages
after it run in a fresh process (marked *: that row's time includes reading the version again).
"""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
# this checkout's code, unless PYTHONPATH names another (e.g. main, to compare)
sys.path[:0] = [] if os.environ.get("PYTHONPATH") else [str(ROOT)]


def pages(parcel_id: str, name_part: str) -> list[str]:
    return ["/", "/dashboard", "/report", "/report.pdf", "/display",
            f"/tra-cuu?q={quote(parcel_id)}", f"/tra-cuu?q={quote(name_part)}",
            f"/lookup?q={quote(parcel_id)}"]


def serve_pages(store: str, layers: str, paths: list[str]) -> None:
    """The child: one app, each page once, a JSON line per page as it finishes."""
    from gis_service.settings import Settings
    from gis_service.web import create_app

    settings = Settings.from_env(store=store, layers_dir=layers, request_time_limit_s=24 * 3600)
    client = create_app(settings).test_client()
    for path in paths:
        start = time.perf_counter()
        answer = client.get(path)
        seconds = time.perf_counter() - start
        print(json.dumps({"path": path, "status": answer.status_code, "seconds": seconds,
                          "bytes": len(answer.data)}), flush=True)


def run(store: str, layers: str, paths: list[str], timeout: float) -> None:
    print(f"{'page':<48} {'status':>6} {'seconds':>9} {'bytes':>13}", flush=True)
    fresh = False
    while paths:
        child = subprocess.Popen([sys.executable, __file__, "--child", "--store", store, "--layers", layers,
                                  "--only", *paths], stdout=subprocess.PIPE, text=True)
        started = time.perf_counter()
        while paths:
            ready, _, _ = select.select([child.stdout], [], [], max(0.0, timeout - (time.perf_counter() - started)))
            line = child.stdout.readline() if ready else ""
            if not line:
                child.kill()
                child.wait()
                print(f"{paths[0]:<48} {'—':>6} {'>' + format(timeout, '.0f'):>9} {'stopped':>13}", flush=True)
                paths, fresh = paths[1:], True
                break
            row = json.loads(line)
            mark = "*" if fresh else ""
            print(f"{row['path'] + mark:<48} {row['status']:>6} {row['seconds']:>9.2f} {row['bytes']:>13,}",
                  flush=True)
            paths, fresh, started = paths[1:], False, time.perf_counter()
        else:
            child.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="the GeoPackage store (or a PostGIS URL)")
    parser.add_argument("--layers", required=True, help="the layers folder it was built from")
    parser.add_argument("--id", default="P0000106", help="a parcel id to search by")
    parser.add_argument("--name", default="tổng hợp", help="a part of a name to search by")
    parser.add_argument("--timeout", type=float, default=600, help="seconds a page may take before it is stopped")
    parser.add_argument("--only", nargs="*", help="only these pages (paths as listed)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    paths = args.only or pages(args.id, args.name)
    if args.child:
        serve_pages(args.store, args.layers, paths)
    else:
        run(args.store, args.layers, paths, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
