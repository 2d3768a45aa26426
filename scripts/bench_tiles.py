"""Vector-tile latency on N synthetic parcels (MINH HỌA / ILLUSTRATIVE) and the bytes the planner
map and the display transfer with them loaded. Run on purpose, not in CI.

    .venv/bin/python scripts/bench_tiles.py --n 100000 1000000 [--postgis URL] [--no-pages]
    (a PostGIS cluster on loopback: scripts/pg_cluster.sh start /tmp/pg 55432)

For each N: the parcels (scripts/make_parcels.py, kept in the same cache as bench_parcels.py) are
built into a store once (kept under --work; a 1M build takes minutes and ~2 GB), then tiles are
requested through the Flask app (its test client: the whole request, view, store and encoder; no
network): per zoom from the layer's minimum zoom to 18, every tile over a 3 × 3 km window around the
commune centre (at most --per-zoom tiles a zoom), each once cold (fresh app: empty tile cache) and
once warm (the same app again). p50/p95 per zoom and overall. The pages are measured in headless
Chromium (scripts/bench_pages.py) with the tile threshold at its default.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from gis_service import tiles  # noqa: E402
from gis_service.settings import Settings  # noqa: E402

PARCELS_CACHE = Path(tempfile.gettempdir()) / "gis_service_parcels"
LAYER = "zones"
WINDOW_M = 3000


def parcels_file(n: int) -> Path:
    import subprocess

    gpkg = PARCELS_CACHE / f"parcels_{n}.gpkg"
    if not gpkg.exists():
        PARCELS_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_parcels.py"), "--n", str(n), "--output",
                        str(gpkg)], check=True, stdout=subprocess.DEVNULL)
    return gpkg


def built_store(n: int, work: Path, postgis: str | None = None) -> Settings:
    """The parcels built (and validated) into a GeoPackage under ``work``, or into ``postgis``."""
    from gis_service import geomcheck
    from gis_service.build import build_store
    from gis_service.store import open_store
    from gis_service.synthetic import parcel_layers

    settings = Settings(layers_dir=parcel_layers(parcels_file(n), work / "layers", ROOT / "layers"),
                        store=work / "store.gpkg")
    if postgis:
        return postgis_parcels(n, settings, postgis, work)
    store = open_store(settings)
    if not store.exists():
        # our own synthetic file, not an upload: the per-layer vertex limit for files from outside
        # (1,000,000) would refuse a million parcels (~7 vertices each)
        geomcheck.MAX_VERTICES_PER_LAYER = max(geomcheck.MAX_VERTICES_PER_LAYER, 10 * n)
        t0 = time.perf_counter()
        build_store(settings, store)
        print(f"built {n:,} parcels into {store!r} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return settings


def postgis_parcels(n: int, gpkg_settings: Settings, url: str, work: Path) -> Settings:
    """The parcels as the newest version of the PostGIS store at ``url``: the version the
    GeoPackage build made, when the database is empty (a full build); else, when its newest
    version holds another N, the parcel layer alone written as a new version (tiles need nothing
    else, and a second million-parcel validation would take a quarter of an hour)."""
    import pyogrio

    from gis_service.build import build_store
    from gis_service.store import open_store
    from gis_service.store_base import WriteInfo

    settings = Settings(layers_dir=gpkg_settings.layers_dir, store=url, users_db=work / "users.sqlite")
    store = open_store(settings)
    t0 = time.perf_counter()
    if not store.exists():
        build_store(settings, store)
    elif store.layer_extent(LAYER)[0] != n:
        parcels = pyogrio.read_dataframe(gpkg_settings.layers_dir / "parcels.gpkg", use_arrow=True)
        store.write({LAYER: parcels}, WriteInfo(action="bench", message=f"{n:,} parcels (bench_tiles)"))
    else:
        return settings
    print(f"wrote {n:,} parcels into {store!r} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return settings


def tile_set(settings: Settings, per_zoom: int) -> dict[int, list[tuple[int, int]]]:
    """Per zoom from the layer's minimum zoom to 18: the tiles over a WINDOW_M square around the
    commune's centre, in a fixed order, at most ``per_zoom``."""
    from pyproj import Transformer

    from gis_service.store import open_store

    view = open_store(settings).at()
    count, (minx, miny, maxx, maxy) = view.store.layer_extent(LAYER, view.number)
    to_lonlat = Transformer.from_crs(view.crs(LAYER), "EPSG:4326", always_xy=True)
    half = WINDOW_M / 2
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    (w, e), (s, n) = to_lonlat.transform([cx - half, cx + half], [cy - half, cy + half])
    out = {}
    for z in range(view.tile_min_zoom(LAYER), 19):
        x0, y0 = tiles.tile_of(w, n, z)
        x1, y1 = tiles.tile_of(e, s, z)
        out[z] = [(x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)][:per_zoom]
    return out


def time_tiles(settings: Settings, by_zoom: dict) -> dict[str, dict[int, list[float]]]:
    """Milliseconds per tile request, cold (a fresh app) then warm (the same app, cached)."""
    from gis_service.web import create_app

    client = create_app(settings).test_client()
    times: dict[str, dict[int, list[float]]] = {"cold": {}, "warm": {}}
    sizes: dict[int, list[int]] = {}
    for state in ("cold", "warm"):
        for z, xys in by_zoom.items():
            for x, y in xys:
                t0 = time.perf_counter()
                response = client.get(f"/tiles/{LAYER}/{z}/{x}/{y}.pbf")
                times[state].setdefault(z, []).append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, response.data
                sizes.setdefault(z, []).append(len(response.data))
    times["bytes"] = sizes
    return times


def p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def report(label: str, result: dict) -> None:
    print(f"\n{label}")
    print(f"{'zoom':>5} {'tiles':>6} {'KiB p50':>8} {'cold p50':>9} {'cold p95':>9} {'warm p50':>9} {'warm p95':>9}  (ms)")
    for z in result["cold"]:
        cold, warm, size = result["cold"][z], result["warm"][z], result["bytes"][z]
        print(f"{z:>5} {len(cold):>6} {statistics.median(size) / 1024:>8.1f} {p(cold, .5):>9.1f} "
              f"{p(cold, .95):>9.1f} {p(warm, .5):>9.1f} {p(warm, .95):>9.1f}")
    cold = [t for ts in result["cold"].values() for t in ts]
    warm = [t for ts in result["warm"].values() for t in ts]
    print(f"{'all':>5} {len(cold):>6} {'':>8} {p(cold, .5):>9.1f} {p(cold, .95):>9.1f} {p(warm, .5):>9.1f} "
          f"{p(warm, .95):>9.1f}")


def pages(settings: Settings) -> None:
    """Bytes and requests of the planner map and the display (bench_pages.measure)."""
    from bench_pages import CHROMIUM_ARGS, PAGES, measure
    from playwright.sync_api import sync_playwright

    from gis_service.web.serve import BackgroundServer

    server = BackgroundServer(settings).start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for label, (path, viewport) in PAGES.items():
                t0 = time.perf_counter()  # the page's data is derived once per version: not in the browser's time
                urllib.request.urlopen(server.url + path, timeout=1800).read()
                print(f"  {label:<28} first request (derives the version's page data): "
                      f"{time.perf_counter() - t0:.1f} s")
                measure(browser, server.url + path, viewport)  # warm the server, not the browser
                r = measure(browser, server.url + path, viewport)
                print(f"  {label:<28} {r['bytes'] / 1024:>9.1f} KiB transferred, {r['requests']} requests, "
                      f"ready in {r['ready_ms']:.0f} ms" + (f"  FOREIGN: {r['foreign']}" if r["foreign"] else ""))
            browser.close()
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100_000])
    parser.add_argument("--per-zoom", type=int, default=30)
    parser.add_argument("--postgis", help="postgresql://… on 127.0.0.1: the parcels become its newest version "
                                          "(a full build into an empty database, else the parcel layer alone)")
    parser.add_argument("--no-pages", action="store_true")
    parser.add_argument("--no-tiles", action="store_true", help="only the pages")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "gis_service_tiles")
    args = parser.parse_args()
    for n in args.n:
        settings = built_store(n, args.work / str(n))
        by_zoom = tile_set(settings, args.per_zoom)
        if not args.no_tiles:
            report(f"{n:,} parcels, GeoPackage store: ms per /tiles request (Flask test client)",
                   time_tiles(settings, by_zoom))
        if args.postgis:
            pg = built_store(n, args.work / str(n), args.postgis)
            report(f"{n:,} parcels, PostGIS store", time_tiles(pg, by_zoom))
        if not args.no_pages:
            print(f"{n:,} parcels, pages (headless Chromium, cold browser cache):")
            pages(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
