"""The pages of issue 10 in real Chromium (Debian's, via Playwright), offline, at a desktop
(1440×900) and a phone (390×844): nothing to another host, no script error, nothing wider than
the screen, the heading and the navigation shown; screenshots in test-artifacts/."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from browser_helpers import PageRecorder, browser, live_server  # noqa: F401  (fixtures)
from web_expected import inner_point, planar_ha, vi_number

X, Y = inner_point("SR-03")
PAGES = {
    "planner-map": "/",
    "lookup": f"/tra-cuu?x={X:.2f}&y={Y:.2f}&crs=EPSG:5899",
    "neighbours": "/chia-se",
    "report": "/report?period=year",
    "dashboard": "/dashboard",
    "downloads": "/downloads/",
    "open-data": "/ogcapi/collections?f=html",
    "open-data-zones": "/ogcapi/collections/zones/items?f=html",
}
VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@contextmanager
def opened(browser, live_server, path: str, viewport: str):
    """A fresh page of the live server at ``path``, closed afterwards."""
    page = PageRecorder(browser, viewport=VIEWPORTS[viewport])
    try:
        page.page.goto(live_server.url + path)
        yield page
    finally:
        page.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_page_fits_the_screen_offline(browser, live_server, name, viewport):
    size = VIEWPORTS[viewport]
    with opened(browser, live_server, PAGES[name], viewport) as page:
        p = page.page
        p.wait_for_load_state("networkidle")
        assert p.locator("h1").count() == 1 and p.locator("h1").is_visible()
        assert p.locator("nav.site-nav a[href='/tra-cuu']").count() == 1
        assert p.evaluate("document.documentElement.lang") == "vi"
        assert p.evaluate("document.documentElement.scrollWidth") <= size["width"], "wider than the screen"
        page.screenshot(f"{name}-{size['width']}x{size['height']}")
        assert page.console_errors == [] and page.foreign_requests == []
        assert page.csp_violations() == []  # no inline script or style under the CSP


def test_lookup_result_is_read_on_a_phone(browser, live_server):
    with opened(browser, live_server, PAGES["lookup"], "phone") as page:
        p = page.page
        card = p.locator("article.result-card[data-zone='SR-03']")
        assert card.is_visible()
        assert card.locator(".area").inner_text() == f"{vi_number(planar_ha('SR-03'), 2)} ha"
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # nothing cut off at the side
        assert p.locator("svg.plan-map .lookup-point").count() == 1
        assert page.csp_violations() == []


def test_edgematch_map_draws_every_piece(browser, live_server):
    with opened(browser, live_server, "/chia-se", "desktop") as page:
        p = page.page
        p.wait_for_selector("body[data-ready='1']", timeout=10_000)
        pieces = p.evaluate("JSON.parse(document.getElementById('edgematch-data').textContent).pieces.features.length")
        assert pieces > 10
        # each piece: its polygon and its dot; plus our boundary and the neighbours
        assert p.locator("#edgematch-map path.leaflet-interactive").count() >= 2 * pieces
        p.evaluate("document.getElementById('edgematch').scrollIntoView()")  # the heading at the top
        page.screenshot("neighbours-map-1440x900")
        assert page.console_errors == [] and page.foreign_requests == []
        assert page.csp_violations() == []
