"""Seconds, bytes and the server's peak memory of the data API and the downloads on a large store
(e.g. 1,000,000 parcels), against a real server (waitress, on a free loopback port, in a child
process), then GDAL's own client (Debian's ogrinfo / ogr2ogr, OAPIF driver) against the same server.

Usage: .venv/bin/python scripts/bench_ogcapi_1m.py --store S.gpkg --layers L [--id P0000106]
           [--timeout 120] [--skip-downloads] [--skip-gdal]
       PYTHONPATH=<an older checkout> ... measures that code instead (the requests stay these)
The store must be built and validated from the layers folder L. The request time limit is lifted,
so a slow request is timed to its end rather than cut at 60 s; one still running after --timeout
seconds is stopped (its row says so) and the server is started again for the rows after it (marked
*: that row's time includes what the fresh server reads first). Peak RSS: the server process's
highest resident memory while that request ran (VmHWM, reset before each request through
/proc/PID/clear_refs); "rss after" is what it holds once the answer is sent.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.error import HTTPError, URLError

ROOT = Path(__file__).resolve().parent.parent
# this checkout's code, unless PYTHONPATH names another (e.g. main, to compare)
sys.path[:0] = [] if os.environ.get("PYTHONPATH") else [str(ROOT)]
API = "/ogcapi/collections/zones"


def requests(feature_id: str, bbox: str, whole: str, downloads: bool) -> list[str]:
    out = ["/ogcapi/collections", API, f"{API}/items?limit=10", f"{API}/items?limit=10&offset=900000",
           f"{API}/items?bbox={bbox}", f"{API}/items/{feature_id}",
           f"{API}/items?bbox={whole}&limit=10", f"{API}/items?bbox={whole}&limit=10&offset=500000",
           "/ogcapi/collections?f=html", f"{API}?f=html", f"{API}/items?limit=10&f=html",
           f"{API}/items?bbox={bbox}&f=html", f"{API}/items/{feature_id}?f=html"]
    if downloads:
        for name in ("zones.gpkg", "zones.geojson", "zones.shp.zip", "zones.gpkg?crs=wgs84"):
            out += [f"/downloads/{name}", f"/downloads/{name}#again"]
    return out


def serve(store: str, layers: str, port: int) -> None:
    """The child: the app under waitress (as ``gis-service serve`` runs it)."""
    import waitress

    from gis_service.settings import Settings
    from gis_service.web import create_app

    settings = Settings.from_env(store=store, layers_dir=layers, request_time_limit_s=24 * 3600)
    waitress.serve(create_app(settings), host="127.0.0.1", port=port, threads=8, _quiet=True)


class Server:
    def __init__(self, store: str, layers: str) -> None:
        self.store, self.layers = store, layers
        self.process: subprocess.Popen | None = None

    def start(self) -> "Server":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.process = subprocess.Popen([sys.executable, __file__, "--serve", str(self.port), "--store", self.store,
                                         "--layers", self.layers], stdout=subprocess.DEVNULL)
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):
                    return self
            except (OSError, HTTPError):
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def reset_peak(self) -> None:
        with open(f"/proc/{self.process.pid}/clear_refs", "w") as f:
            f.write("5")

    def memory(self) -> tuple[int, int]:
        """(peak since the last reset, now) resident memory in bytes."""
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines())
        return int(fields["VmHWM"].split()[0]) * 1024, int(fields["VmRSS"].split()[0]) * 1024


def fetch(url: str, timeout: float) -> tuple[int, int]:
    """Status and body bytes (read a MiB at a time, not kept)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            size = 0
            while chunk := r.read(1 << 20):
                size += len(chunk)
            return r.status, size
    except HTTPError as err:
        return err.code, len(err.read())


def run_requests(server: Server, paths: list[str], timeout: float) -> None:
    print(f"{'request':<62} {'status':>6} {'seconds':>8} {'bytes':>13} {'peak RSS':>9} {'RSS after':>9}", flush=True)
    fresh = False
    for path in paths:
        server.reset_peak()
        start = time.perf_counter()
        try:
            status, size = fetch(server.url + path.split("#")[0], timeout)
        except (TimeoutError, URLError, socket.timeout):
            print(f"{path:<62} {'—':>6} {'>' + format(timeout, '.0f'):>8} {'stopped':>13}", flush=True)
            server.stop()
            server.start()
            fresh = True
            continue
        seconds = time.perf_counter() - start
        peak, now = server.memory()
        print(f"{path + ('*' if fresh else ''):<62} {status:>6} {seconds:>8.2f} {size:>13,} {_mb(peak):>9} "
              f"{_mb(now):>9}", flush=True)
        fresh = False


def run_gdal(server: Server, bbox: str, timeout: float) -> None:
    """ogrinfo -so and ogr2ogr -spat against the server, timed (a fresh server: nothing kept)."""
    minx, miny, maxx, maxy = bbox.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        commands = [lambda url: ["ogrinfo", "-ro", "-so", url], lambda url: ["ogrinfo", "-ro", "-so", url, "zones"],
                    lambda url: ["ogr2ogr", "-f", "GPKG", f"{tmp}/spat.gpkg", url, "-spat", minx, miny, maxx, maxy]]
        print(f"\n{'GDAL client (Debian GDAL 3.6)':<62} {'exit':>6} {'seconds':>8} {'result':>13}", flush=True)
        for make in commands:
            command = make(f"OAPIF:{server.url}{API}")  # the server's port changes when it is started again
            start = time.perf_counter()
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                print(f"{' '.join(command[:2]) + ' …':<62} {'—':>6} {'>' + format(timeout, '.0f'):>8} {'stopped':>13}")
                server.stop()
                server.start()
                continue
            seconds = time.perf_counter() - start
            result = _count(done.stdout) if command[0] == "ogrinfo" else _features(f"{tmp}/spat.gpkg")
            shown = " ".join(c if len(c) < 40 else "…" + c[-36:] for c in command[:5])
            print(f"{shown:<62} {done.returncode:>6} {seconds:>8.2f} {result:>13}", flush=True)
            if done.returncode:
                print(done.stderr.strip()[-500:])


def _count(ogrinfo_out: str) -> str:
    """'N features' from a layer's summary, or 'N layers' from a list of layers."""
    for line in ogrinfo_out.splitlines():
        if line.startswith("Feature Count:"):
            return line.split(":", 1)[1].strip() + " features"
    return f"{sum(line[:1].isdigit() and ': ' in line for line in ogrinfo_out.splitlines())} layers"


def _features(path: str) -> str:
    if not Path(path).exists():
        return "no file"
    done = subprocess.run(["ogrinfo", "-ro", "-so", "-al", path], capture_output=True, text=True)
    return _count(done.stdout)


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def boxes(store: str) -> tuple[str, str]:
    """In CRS84: a box of about 220 m × 220 m at the middle of the zones' extent, and a box
    holding the whole extent (every parcel: the worst case of a bbox query)."""
    from pyproj import Transformer

    from gis_service.store import open_location

    view = open_location(store)
    layer = "zones_repaired" if "zones_repaired" in view.layer_names() else "zones"
    _, bounds = view.layer_extent(layer)
    t = Transformer.from_crs(view.crs(layer), "OGC:CRS84", always_xy=True)
    lon0, lat0, lon1, lat1 = t.transform_bounds(*bounds, densify_pts=21)
    lon, lat = (lon0 + lon1) / 2, (lat0 + lat1) / 2
    return (f"{lon - 0.001:.6f},{lat - 0.001:.6f},{lon + 0.001:.6f},{lat + 0.001:.6f}",
            f"{lon0 - 0.001:.6f},{lat0 - 0.001:.6f},{lon1 + 0.001:.6f},{lat1 + 0.001:.6f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="the GeoPackage store (or a PostGIS URL)")
    parser.add_argument("--layers", required=True, help="the layers folder it was built from")
    parser.add_argument("--id", default="P0000106", help="a zone id to fetch")
    parser.add_argument("--timeout", type=float, default=120, help="seconds before a request is stopped")
    parser.add_argument("--skip-downloads", action="store_true")
    parser.add_argument("--skip-gdal", action="store_true")
    parser.add_argument("--skip-requests", action="store_true", help="GDAL's client only")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.store, args.layers, args.serve)
        return 0
    bbox, whole = boxes(args.store)
    print(f"code: {os.environ.get('PYTHONPATH') or ROOT}; store: {args.store}; bbox: {bbox}; whole: {whole}",
          flush=True)
    server = Server(args.store, args.layers).start()
    try:
        if not args.skip_requests:
            run_requests(server, requests(args.id, bbox, whole, not args.skip_downloads), args.timeout)
        if not args.skip_gdal:
            server.stop()
            server.start()
            run_gdal(server, bbox, args.timeout)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
