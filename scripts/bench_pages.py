"""Transferred size and time to first full render of the planner map and the public display, in
headless Chromium (Debian's, via Playwright), cold cache, every request outside 127.0.0.1 refused.

Usage: .venv/bin/python scripts/bench_pages.py [--store var/store.gpkg] [--runs 5]
The store must be built and validated (gis-service build && gis-service validate).
"First full render" is the page's own mark (window.__readyAt, ms since navigation start),
set in the animation frame after every layer is drawn and the first slide is shown.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gis_service.settings import Settings  # noqa: E402
from gis_service.web.serve import BackgroundServer  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = {"planner map (/)": ("/", (1440, 900)), "public display (/display)": ("/display", (1920, 1080))}


def measure(browser, url: str, viewport: tuple[int, int]) -> dict:
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    foreign: list[str] = []
    sizes: list[int] = []

    def route(r):
        if urlsplit(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            foreign.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page.on("requestfinished", lambda req: sizes.append(
        req.sizes()["responseBodySize"] + req.sizes()["responseHeadersSize"]))
    page.goto(url, wait_until="load")
    page.wait_for_selector("body[data-ready='1']", timeout=15_000)
    ready_ms = page.evaluate("window.__readyAt")
    page.wait_for_load_state("networkidle")
    context.close()
    return {"bytes": sum(sizes), "requests": len(sizes), "ready_ms": ready_ms, "foreign": foreign}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=None, help="GeoPackage store (default: settings)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    server = BackgroundServer(Settings.from_env(store=args.store)).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            print(f"{'page':<28} {'transferred':>12} {'requests':>9} {'render ms (median, min–max)':>30}")
            for label, (path, viewport) in PAGES.items():
                measure(browser, server.url + path, viewport)  # warm the server, not the browser
                runs = [measure(browser, server.url + path, viewport) for _ in range(args.runs)]
                ms = [r["ready_ms"] for r in runs]
                foreign = sorted({u for r in runs for u in r["foreign"]})
                print(f"{label:<28} {runs[-1]['bytes'] / 1024:>9.1f} KiB {runs[-1]['requests']:>9} "
                      f"{statistics.median(ms):>14.0f} ({min(ms):.0f}–{max(ms):.0f})"
                      + (f"  FOREIGN: {foreign}" if foreign else ""))
            browser.close()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
