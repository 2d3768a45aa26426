"""The pages in real Chromium (Debian's, via Playwright), offline: every request to a host other
than 127.0.0.1 fails the test. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from browser_helpers import browser, display_page, live_server, page  # noqa: F401  (fixtures)
from web_expected import catalog_titles, inner_point, planar_ha, to_lonlat, vi_number

FIND_MAP = "() => window.plannerMap instanceof L.Map ? 'plannerMap' : null"


def open_planner(page, live_server, path="/"):
    page.page.goto(live_server.url + path)
    page.page.wait_for_selector("body[data-ready='1']", timeout=10_000)
    return page.page.evaluate(FIND_MAP)


def test_planner_map_shows_every_layer(page, live_server):
    open_planner(page, live_server)
    control = page.page.locator(".leaflet-control-layers-overlays")
    labels = control.inner_text()
    for title in catalog_titles():
        assert title in labels, title
    assert "Vi phạm quy tắc / Rule violations" in labels
    checked = page.page.locator(".leaflet-control-layers-overlays input:checked").count()
    # every vector layer is on; the two rasters (soil, slope) wait to be switched on
    assert checked == page.page.locator(".leaflet-control-layers-overlays input").count() - 2 >= 12
    # the shapes are drawn: one SVG path per polygon/line feature at least
    assert page.page.locator("path.leaflet-interactive").count() >= 40
    assert page.page.locator("#illustrative-banner").is_visible()
    assert "lamngockhuong/vietnam-3d-map" in page.page.locator("#attribution").inner_text()
    page.screenshot("planner-map")
    assert page.console_errors == []
    assert page.foreign_requests == []


def test_clicking_a_zone_shows_its_area(page, live_server):
    map_name = open_planner(page, live_server)
    zone_id = "SR-01"
    lon, lat = to_lonlat(*inner_point(zone_id))
    point = page.page.evaluate(f"() => {{ const p = window['{map_name}'].latLngToContainerPoint([{lat}, {lon}]);"
                               f" const r = window['{map_name}'].getContainer().getBoundingClientRect();"
                               f" return [p.x + r.left, p.y + r.top]; }}")
    page.page.mouse.click(*point)
    # the click looks the point up (tra cứu quy hoạch) and the side panel describes the zone
    card = page.page.locator(f"#selection-body .card.zone[data-zone='{zone_id}']")
    card.wait_for(timeout=5_000)
    expected = f"{vi_number(planar_ha(zone_id), 2)} ha"  # Vietnamese numbers: 1.234,56 ha
    assert card.locator(".area").inner_text() == expected
    assert page.page.locator("#selection-body .lk-pos").count() == 1
    page.screenshot("planner-zone-panel")
    assert page.console_errors == [] and page.foreign_requests == []


def test_rule_link_zooms_to_the_violation(page, live_server):
    open_planner(page, live_server, "/?rule=R11&zone=SR-03")
    assert page.page.get_attribute("body", "data-focused") == "R11:SR-03"
    violation = page.page.locator("#selection-body .card.viol")
    violation.wait_for(timeout=5_000)
    assert violation.get_attribute("data-rule") == "R11"
    assert page.page.locator("#selection-body .card.zone").get_attribute("data-zone") == "SR-03"
    page.screenshot("planner-rule-R11")


def test_display_page_at_1920x1080_offline_and_cycling(display_page, live_server):
    p = display_page.page
    p.goto(live_server.url + "/display?interval=2")
    p.wait_for_selector("body[data-ready='1']", timeout=10_000)
    assert p.viewport_size == {"width": 1920, "height": 1080}
    first = p.get_attribute("body", "data-slide")
    area = p.locator(".zone-area").inner_text()
    assert area == f"{vi_number(planar_ha(first), 1)} ha"
    assert p.locator("#illustrative-banner").is_visible()
    assert "MINH HỌA" in p.locator("#illustrative-banner").inner_text()
    assert "Dữ liệu ngày / data of" in p.locator("footer").inner_text()
    assert "lamngockhuong/vietnam-3d-map" in p.locator("footer").inner_text()
    title_px = p.evaluate("parseFloat(getComputedStyle(document.querySelector('#panel h2')).fontSize)")
    assert title_px >= 40  # legible from three metres
    display_page.screenshot("display-zone")
    # a function, not a string: a string would be eval'd, which the page's CSP forbids
    p.wait_for_function(f"() => document.body.getAttribute('data-slide') !== '{first}'", timeout=5_000)
    # nothing on the page overflows the screen
    assert p.evaluate("document.documentElement.scrollWidth") <= 1920
    assert display_page.console_errors == []
    assert display_page.foreign_requests == []


def test_display_recovers_when_the_server_restarts(display_page, settings):
    """A real restart: the server stops, the display says so, a new server starts on the same
    port, and the display reloads by itself."""
    from gis_service.web.serve import BackgroundServer

    p = display_page.page
    first = BackgroundServer(settings).start()
    p.goto(first.url + "/display?health=0.5")
    p.wait_for_selector("body[data-ready='1']", timeout=10_000)
    first.stop()
    p.wait_for_selector("#offline:not([hidden])", timeout=5_000)
    p.evaluate("window.__beforeRestart = true")  # gone once the page has reloaded
    second = BackgroundServer(settings, port=first.port).start()
    try:
        p.wait_for_function("() => !window.__beforeRestart && document.body.dataset.ready === '1'",
                            timeout=15_000)
        assert p.locator("#offline").is_hidden()
        assert display_page.foreign_requests == []
    finally:
        second.stop()

@pytest.mark.parametrize("path, ready", [
    ("/", "body[data-ready='1']"), ("/?rule=R03", "body[data-focused='R03:']"),
    ("/display?interval=2", "body[data-ready='1']"), ("/chia-se", "body[data-ready='1']"),
    ("/dashboard", "#targets"), ("/report", "#targets"), ("/downloads/", "table"),
    ("/ogcapi/?f=html", "h1"), ("/ogcapi/collections/zones/items?f=html", "table"),
    ("/ogcapi/api?f=html", "h1"), ("/nope", "#error-message"), ("/lookup?lon=x&f=html", "#error-message"),
    ("/?plot=SR-0150", "body[data-focused-plot='SR-0150']"), ("/phien-ban", "h1"), ("/dang-nhap", "form"),
])
def test_every_page_runs_under_the_csp_without_a_violation(page, live_server, path, ready):
    """The server's Content-Security-Policy (no inline script, no inline style, this host only)
    as Chromium enforces it: the page works and not one violation is reported."""
    response = page.page.goto(live_server.url + path)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp
    page.page.wait_for_selector(ready, timeout=10_000)
    page.page.wait_for_timeout(300)  # late script work (tooltips, slides) has run
    assert page.csp_violations() == []
    if response.status >= 400:  # the browser notes the error status of the page itself
        assert all(e.startswith("Failed to load resource") for e in page.console_errors)
    else:
        assert page.console_errors == []
    assert page.foreign_requests == []
