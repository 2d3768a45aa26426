"""The planner map (/) as a commune planner uses it (issue 10), in real Chromium at 1440×900 and on
a 390×844 phone: element boxes measured, never assumed. Nothing covers the selected zone's panel;
the header's links are on screen; the failing rules listed are the report's; the lookup box finds
a zone by id and by VN-2000 x/y computed here from the source geometry; the layer list is a few
Tab presses away. Screenshots go to test-artifacts/planner-*.png."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from browser_helpers import PageRecorder, browser, live_server  # noqa: F401  (fixtures)
from gis_service.store import CATALOG_TABLE
from gis_service.validate import load_report
from web_expected import inner_point, planar_ha, source_zones, to_crs, to_lonlat, vi_number

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
SIZES = {"1440": DESKTOP, "390": PHONE}


@pytest.fixture(params=sorted(SIZES))
def sized(request, browser):
    """The planner map at each size: a phone is a touch device with a phone's viewport."""
    viewport = SIZES[request.param]
    phone = viewport is PHONE
    recorder = PageRecorder(browser, viewport=viewport, is_mobile=phone, has_touch=phone)
    recorder.size = request.param
    yield recorder
    recorder.close()


def open_map(rec, live_server, path="/"):
    rec.page.goto(live_server.url + path)
    rec.page.wait_for_selector("body[data-ready='1']", timeout=10_000)
    return rec.page


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def intersects(a, b) -> bool:
    return (a is not None and b is not None and a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def inside_viewport(b, viewport) -> bool:
    return b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= viewport["width"] + 0.5 \
        and b["y"] + b["height"] <= viewport["height"] + 0.5


def open_panel(page):
    if page.locator("#side.collapsed").count():
        page.click("#side-toggle")


def click_lonlat(page, lon, lat):
    x, y = page.evaluate("([lat, lon]) => { const m = window.plannerMap; const p = m.latLngToContainerPoint([lat, lon]);"
                         " const r = m.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }",
                         [lat, lon])
    page.mouse.click(x, y)


def assert_clear(page):
    """The panel (and any popup) against the layer list, folded and unfolded, and the legend."""
    selection, legend = box(page, "#selection"), box(page, "#legend")
    assert selection["height"] > 0
    assert not intersects(selection, legend) or legend["height"] == 0
    page.hover(".leaflet-control-layers")  # unfolds the list, as a mouse does
    page.wait_for_selector(".leaflet-control-layers-expanded")
    control = box(page, ".leaflet-control-layers")
    assert not intersects(selection, control), "the layer list covers the selected zone's panel"
    assert not intersects(control, legend)
    for popup in page.locator(".leaflet-popup").all():
        assert not intersects(popup.bounding_box(), control)
    page.mouse.move(1, 1)


def find(page, text, crs=None):
    open_panel(page)
    page.fill("#find-text", text)
    if crs:
        page.select_option("#find-crs", crs)
    page.click("#find button[type=submit]")
    page.wait_for_selector("#selection-body .card.zone", timeout=10_000)
    return page.locator("#selection-body .card.zone")


def test_a_clicked_zone_is_described_in_a_panel_nothing_covers(sized, live_server):
    page = open_map(sized, live_server)
    sized.screenshot(f"planner-{sized.size}-default")
    zone_id = "SR-01"
    open_panel(page)
    click_lonlat(page, *to_lonlat(*inner_point(zone_id)))
    card = page.locator(f"#selection-body .card.zone[data-zone='{zone_id}']")
    card.wait_for(timeout=10_000)
    assert card.locator(".area").inner_text() == f"{vi_number(planar_ha(zone_id), 2)} ha"
    assert "Nguồn / Provenance" in card.inner_text() and "Chỉ tiêu / Target" in card.inner_text()
    assert_clear(page)  # (and the mouse has left the map)
    weights = page.evaluate("""() => { const w = {}; window.plannerMap.eachLayer(l => {
        if (l.feature && l.feature.properties.kind_target !== undefined) w[l.feature.properties.id] = l.options.weight; });
        return w; }""")
    assert weights[zone_id] > max(w for z, w in weights.items() if z != zone_id)  # outlined on the map
    sized.screenshot(f"planner-{sized.size}-zone-selected")
    assert sized.console_errors == [] and sized.foreign_requests == [] and sized.csp_violations() == []


def test_header_links_are_on_screen_and_the_title_whole(sized, live_server):
    page = open_map(sized, live_server)
    viewport = page.viewport_size
    links = page.locator("nav.site-nav a, #rules-status")
    assert links.count() >= 10
    for link in links.all():
        b = link.bounding_box()
        assert b and inside_viewport(b, viewport), link.inner_text()
    cut = page.evaluate("() => { const t = document.querySelector('h1.title');"
                        " return t.scrollWidth > t.clientWidth + 1 || t.scrollHeight > t.clientHeight + 1; }")
    assert not cut, "the title is cut"
    assert page.locator("nav.site-nav").count() == 1  # the one navigation every page carries
    # the zoom buttons stay visible: nothing is drawn on top of them
    for sel in (".leaflet-control-zoom-in", ".leaflet-control-zoom-out"):
        b = box(page, sel)
        assert inside_viewport(b, viewport)
        on_top = page.evaluate("([x, y, sel]) => !!document.elementFromPoint(x, y).closest(sel)",
                               [b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, sel])
        assert on_top, sel


def test_failing_rules_are_the_reports_and_each_link_selects_its_violation(sized, live_server):
    report = load_report(live_server.app.config["STORE"])
    expected = [o.rule_id for o in report.failed_rules]
    assert expected, "the shipped draft fails some rules on purpose"
    page = open_map(sized, live_server)
    listed = page.locator("#failing-rules > ol > li").evaluate_all("els => els.map(e => e.dataset.rule)")
    assert listed == expected
    status = page.locator("#rules-status").inner_text()
    assert f"{len(report.outcomes) - len(expected)}/{len(report.outcomes)} quy tắc đạt" in status
    assert f"{len(expected)} không đạt" in status
    open_panel(page)
    placed = [o for o in report.failed_rules
              if any(not f.passed and f.geometry is not None and not f.geometry.is_empty for f in o.findings)]
    links = page.locator("a.viol-link")
    assert links.count() >= len(placed) > 0
    for i in range(links.count()):
        link = links.nth(i)
        rule, zone_ids = link.get_attribute("data-rule"), link.get_attribute("data-zones")
        link.scroll_into_view_if_needed()
        link.click()
        card = page.locator("#selection-body .card.viol")
        card.wait_for()
        assert card.get_attribute("data-rule") == rule
        findings = [f for o in report.failed_rules if o.rule_id == rule for f in o.findings
                    if not f.passed and f.geometry is not None and ";".join(f.zone_ids) == zone_ids]
        assert findings
        # the map shows the violation: a point of it (computed here with pyproj) lies in view
        points = [to_lonlat(*f.geometry.representative_point().coords[0]) for f in findings]
        assert page.evaluate("(pts) => pts.some(([lon, lat]) => window.plannerMap.getBounds().contains([lat, lon]))",
                             points)
        # and the panel describes the zones it names
        shown = page.locator("#selection-body .card.zone").evaluate_all("els => els.map(e => e.dataset.zone)")
        assert shown == [z for z in zone_ids.split(";") if z in source_zones()]
        if i == 0:
            assert_clear(page)
            sized.screenshot(f"planner-{sized.size}-failing-rule")
    assert sized.console_errors == [] and sized.foreign_requests == []


def test_lookup_box_finds_a_zone_by_id_and_by_vn2000_xy(sized, live_server):
    page = open_map(sized, live_server)
    for zone_id in sorted(source_zones())[:3]:
        card = find(page, zone_id.lower())
        assert card.get_attribute("data-zone") == zone_id
        assert card.locator(".area").inner_text() == f"{vi_number(planar_ha(zone_id), 2)} ha"
    zone_id = "CNC-01"
    x, y = inner_point(zone_id)  # EPSG:5899, computed from the source geometry
    card = find(page, f"{vi_number(x, 2)}; {vi_number(y, 2)}", "EPSG:5899")
    assert card.get_attribute("data-zone") == zone_id
    assert page.locator("#selection-body .lk-pos").inner_text().endswith(
        f"x {vi_number(x, 1)}, y {vi_number(y, 1)}")
    x9212, y9212 = to_crs(x, y, "EPSG:9212")
    page.fill("#find-text", "")
    card = find(page, f"{x9212:.2f} {y9212:.2f}", "EPSG:9212")
    assert card.get_attribute("data-zone") == zone_id
    lon, lat = to_lonlat(*inner_point("TT-01"))
    assert find(page, f"{lon:.6f}, {lat:.6f}").get_attribute("data-zone") == "TT-01"
    sized.screenshot(f"planner-{sized.size}-lookup")
    assert sized.console_errors == [] and sized.foreign_requests == []


def test_the_layer_list_is_a_few_tab_presses_away(sized, live_server):
    page = open_map(sized, live_server)
    presses = 0
    page.keyboard.press("Tab")
    presses += 1
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#map"  # the skip link
    page.keyboard.press("Enter")  # the skip link: on to the map
    while not page.evaluate("!!document.activeElement.closest('.leaflet-control-layers')"):
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= 10, page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Lớp bản đồ / Map layers"
    page.keyboard.press("Enter")  # unfolds the list
    page.keyboard.press("Tab")
    presses += 1
    assert page.evaluate("document.activeElement.matches('.leaflet-control-layers-overlays input')")
    assert presses <= 10
    # the second skip link: to the lookup box, in the panel (folded on a phone until then)
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "find-text"
    assert page.locator("#find-text").is_visible()


def test_phone_allows_pinch_zoom_and_folds_the_panel(browser, live_server):
    rec = PageRecorder(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = open_map(rec, live_server)
        viewport_meta = page.get_attribute("meta[name=viewport]", "content")
        assert "user-scalable=no" not in viewport_meta and "maximum-scale" not in viewport_meta
        assert page.evaluate("window.plannerMap.touchZoom.enabled()")
        assert page.locator("#side-body").is_hidden()  # the whole map at first
        map_folded = box(page, "#map")
        page.click("#side-toggle")
        assert page.locator("#side-body").is_visible()
        assert page.get_attribute("#side-toggle", "aria-expanded") == "true"
        side, map_open = box(page, "#side"), box(page, "#map")
        assert not intersects(side, map_open) and map_open["height"] >= 0.3 * PHONE["height"]
        assert map_folded["height"] > map_open["height"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        rec.screenshot("planner-390-panel-open")
        page.click("#side-toggle")
        assert page.locator("#side-body").is_hidden()
    finally:
        rec.close()


def test_footer_gives_the_build_time_in_vietnamese_local_time(sized, live_server):
    built = str(live_server.app.config["STORE"].read_table(CATALOG_TABLE)["built_at"].iloc[0])
    moment = datetime.fromisoformat(built)
    moment = (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    page = open_map(sized, live_server)
    footer = page.locator("#attribution").inner_text()
    assert moment.strftime("%H:%M %d/%m/%Y") in footer
    assert built[:10] not in footer  # no ISO date
