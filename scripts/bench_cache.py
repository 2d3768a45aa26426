#!/usr/bin/env python
"""What keeping derived documents per store version buys: median ms of sequential GETs of the
data API's collections and of downloads against a live server (waitress, loopback), with
/healthz measured in the same run as the reference (the machines are shared: compare ratios),
then requests per second under wrk when it is installed.

    .venv/bin/python scripts/bench_cache.py --store var/store.gpkg [--runs 9] [--seconds 8]

The store is copied first; nothing is written to it."""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from gis_service.settings import PROJECT_ROOT, Settings
from gis_service.web.serve import BackgroundServer

PATHS = ["/healthz", "/ogcapi/collections", "/ogcapi/collections?f=html", "/downloads/zones.gpkg",
         "/downloads/plan.gpkg", "/downloads/plan.shp.zip?crs=wgs84"]
WRK_PATHS = ["/healthz", "/downloads/zones.gpkg", "/ogcapi/collections"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=PROJECT_ROOT / "var" / "store.gpkg")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store.gpkg"
        shutil.copy2(args.store, store)
        server = BackgroundServer(Settings(layers_dir=PROJECT_ROOT / "layers", store=store)).start()
        try:
            run(server.url, args.runs, args.seconds)
        finally:
            server.stop()


def run(url: str, runs: int, seconds: int) -> None:
    def get(path: str) -> float:
        start = time.perf_counter()
        with urllib.request.urlopen(url + path, timeout=120) as r:
            r.read()
        return (time.perf_counter() - start) * 1000

    for path in PATHS:
        first = get(path)
        median = statistics.median(get(path) for _ in range(runs))
        print(f"{path:40s} first {first:8.1f} ms  median {median:8.1f} ms", flush=True)
    if shutil.which("wrk") is None:
        return
    for path in WRK_PATHS:
        out = subprocess.run(["wrk", "-t1", "-c4", f"-d{seconds}s", url + path], capture_output=True,
                             text=True).stdout
        rate = next((line.split()[-1] for line in out.splitlines() if "Requests/sec" in line), "?")
        print(f"wrk {path:36s} {rate} requests/s", flush=True)


if __name__ == "__main__":
    main()
