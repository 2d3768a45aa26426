"""The office display (/display) at 1920×1080 in headless Chromium, state by state, measured with the
checks of tests/test_display_screen.py: layout problems (overflow, cut text, contrast < 4.5:1, footer
text < 28 px, a missing region), the lowest contrast and the smallest footer text, the number of
states, and the time to the first full render (pagination is measured in the page at start-up).

Usage: .venv/bin/python scripts/display_layout.py --store var/store.gpkg [--layers layers] [--runs 5]
       PYTHONPATH=<an older checkout> ... measures that code instead (the checks stay these)
       .venv/bin/python scripts/display_layout.py --violations /tmp/dispB/violations
         (builds the tests' many-violations plan there first, then measures it)
States are stepped with the arrow keys; a display without them (older code) is read as it cycles.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# this checkout's code, unless PYTHONPATH names another (e.g. an older commit, to compare)
sys.path[:0] = ([] if os.environ.get("PYTHONPATH") else [str(ROOT)]) + [str(ROOT / "tests")]

from browser_helpers import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from gis_service.build import build_store  # noqa: E402
from gis_service.settings import Settings  # noqa: E402
from gis_service.store import GeoPackageStore  # noqa: E402
from gis_service.web.serve import BackgroundServer  # noqa: E402
from test_display_screen import SCREEN, MEASURE, contrast, layout_problems, write_violations_layers  # noqa: E402


def states(page) -> list[dict]:
    """Each state of the cycle with its figures, until the cycle comes back to the first."""
    out, stepped = [], page.get_attribute("body", "data-slide-count") is not None
    count = int(page.get_attribute("body", "data-slide-count") or 10_000)
    seen = set()
    while len(out) < count:
        key = (page.get_attribute("body", "data-slide"), page.get_attribute("body", "data-slide-page"))
        if key in seen:
            break
        seen.add(key)
        measured = page.evaluate(MEASURE)
        footer = [t["size"] for t in measured["texts"] if t["region"] == "footer"]
        out.append({"state": "/".join(k for k in key if k), "problems": layout_problems(measured),
                    "contrast": min(contrast(t) for t in measured["texts"]), "footer_px": min(footer or [0])})
        if stepped:
            page.keyboard.press("ArrowRight")
        else:
            page.wait_for_function(f"() => document.body.getAttribute('data-slide') !== '{key[0]}'", timeout=20_000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--layers", type=Path, default=ROOT / "layers")
    parser.add_argument("--violations", type=Path, help="build the many-violations plan in this new folder")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.violations:
        write_violations_layers(args.violations / "layers")
        args.layers, args.store = args.violations / "layers", args.violations / "store.gpkg"
        build_store(Settings(layers_dir=args.layers, store=args.store), GeoPackageStore(args.store))
    if not args.store:
        parser.error("--store or --violations is needed")
    from playwright.sync_api import sync_playwright

    server = BackgroundServer(Settings(layers_dir=args.layers, store=args.store)).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            ready = []
            for _ in range(args.runs):
                context = browser.new_context(viewport=SCREEN)
                page = context.new_page()
                page.goto(server.url + "/display?interval=2&health=600")
                page.wait_for_selector("body[data-ready='1']", timeout=30_000)
                ready.append(page.evaluate("window.__readyAt"))
                context.close()
            page = browser.new_context(viewport=SCREEN).new_page()
            page.goto(server.url + "/display?interval=600&health=600")
            page.wait_for_selector("body[data-ready='1']", timeout=30_000)
            if page.get_attribute("body", "data-slide-count") is None:  # no arrow keys: let it cycle
                page.goto(server.url + "/display?interval=2&health=600")
                page.wait_for_selector("body[data-ready='1']", timeout=30_000)
            found = states(page)
            browser.close()
    finally:
        server.stop()
    for s in found:
        print(f"{s['state']:14} problems {len(s['problems']):2}  lowest contrast {s['contrast']:5.2f}:1  "
              f"smallest footer text {s['footer_px']:g} px")
        for problem in s["problems"]:
            print(f"    {problem[:140]}")
    bad = sum(1 for s in found if s["problems"])
    print(f"{len(found)} states, {bad} with a problem; first full render median "
          f"{statistics.median(ready):.0f} ms of {args.runs} (min {min(ready):.0f}, max {max(ready):.0f})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
