"""The register and the rasters on the pages, against values computed from the shipped files with
json, shapely and rasterio (no gis_service code): the shares per zone and commune, the plots
without a valid code, the codes due for inspection, the raster images and their legend; and one
real-browser check that the plot link and the raster overlay work offline."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import pytest
from rasterio.io import MemoryFile
from shapely.geometry import shape

from browser_helpers import browser, live_server, page  # noqa: F401  (fixtures)
from gis_service.settings import PROJECT_ROOT

PLOTS = PROJECT_ROOT / "layers" / "illustrative" / "durian_plots.geojson"
ZONES = PROJECT_ROOT / "layers" / "illustrative" / "draft_zones.geojson"


def source_plots() -> list[dict]:
    doc = json.loads(PLOTS.read_text(encoding="utf-8"))
    return [{**f["properties"], "geometry": shape(f["geometry"])} for f in doc["features"]]


def valid_on(p: dict, day: date) -> bool:
    return bool(p["code"]) and p["valid_from"] <= day.isoformat() <= p["valid_to"]


def page_date(html: str) -> date:
    shown = re.search(r'id="register-date">(\d\d/\d\d/\d{4})<', html).group(1)
    return datetime.strptime(shown, "%d/%m/%Y").date()


def cell(html: str, subject: str, column: str) -> float:
    row = re.search(rf'<tr data-subject="{subject}">(.*?)</tr>', html, re.S).group(1)
    return float(re.search(rf'share-{column}" data-value="([0-9.]+)"', row).group(1))


def test_dashboard_shares_match_the_source_file(client):
    html = client.get("/dashboard").get_data(as_text=True)
    day = page_date(html)
    plots = source_plots()
    total = sum(p["geometry"].area for p in plots)
    coded = sum(p["geometry"].area for p in plots if valid_on(p, day))
    export = sum(p["geometry"].area for p in plots if valid_on(p, day) and p["export"] == "yes")
    assert cell(html, "commune", "coded") == pytest.approx(100 * coded / total, abs=0.01)
    assert cell(html, "commune", "export") == pytest.approx(100 * export / total, abs=0.01)
    zones = {f["properties"]["id"]: shape(f["geometry"])
             for f in json.loads(ZONES.read_text(encoding="utf-8"))["features"]}
    in_hub = [p for p in plots if zones["NS-01"].covers(p["geometry"])]
    hub_coded = sum(p["geometry"].area for p in in_hub if valid_on(p, day)) / sum(p["geometry"].area for p in in_hub)
    assert cell(html, "NS-01", "coded") == pytest.approx(100 * hub_coded, abs=0.01)
    assert "MINH HỌA / ILLUSTRATIVE" in html and "Mã số vùng trồng sầu riêng" in html


def test_dashboard_lists_plots_without_a_valid_code_and_codes_due(client):
    html = client.get("/dashboard").get_data(as_text=True)
    day = page_date(html)
    plots = source_plots()
    uncoded = {p["plot_id"] for p in plots if not valid_on(p, day)}
    listed = set(re.findall(r'<tr data-plot="([^"]+)">', html))
    assert listed == uncoded and f'id="uncoded-count">{len(uncoded)}<' in html
    last: dict[str, date | None] = {}
    for p in plots:
        if valid_on(p, day):
            seen = date.fromisoformat(p["inspected"]) if p["inspected"] else None
            last[p["code"]] = max(filter(None, [last.get(p["code"]), seen]), default=None)
    # plan.yaml R19: every 365 days, listed from 30 days before the due day
    due = {c for c, d in last.items() if d is None or (day - d).days >= 365 - 30}
    assert set(re.findall(r'<tr data-code="([^"]+)"', html)) == due


def test_planner_map_has_every_plot_and_the_raster_overlays(client):
    html = client.get("/").get_data(as_text=True)
    data = json.loads(re.search(r'<script id="planner-data" type="application/json">(.*?)</script>', html, re.S)[1])
    (plots,) = [layer for layer in data["layers"] if layer["kind"] == "plots"]
    shown = {f["properties"]["plot_id"] for f in plots["geojson"]["features"]}
    assert shown == {p["plot_id"] for p in source_plots()}
    for name in ("soil_suitability", "slope"):
        assert re.search(rf'"/rasters/{name}\.png\?v=[0-9a-f]{{12}}"', html), name
    legend = re.search(r'id="legend" open>(.*?)</details>', html, re.S).group(1)
    for words in ("S1 Rất thích hợp", "N Không thích hợp", "15–25°", "Chưa có mã", "Có mã, đạt chuẩn xuất khẩu"):
        assert words in legend, words
    assert "&lt;li" not in legend  # rows are markup, not escaped text


def test_raster_png_is_local_coloured_and_placed(client):
    response = client.get("/rasters/soil_suitability.png")
    assert response.status_code == 200 and response.content_type == "image/png"
    with MemoryFile(response.data) as memfile, memfile.open() as png:
        assert png.count == 4
        rgba = png.read()
    colours = {tuple(int(v) for v in rgba[:3, r, c]) for r in range(0, rgba.shape[1], 7)
               for c in range(0, rgba.shape[2], 7) if rgba[3, r, c] == 255}
    assert {(0x1a, 0x96, 0x41), (0xa6, 0xd9, 0x6a)} <= colours  # S1 and S2 from the catalog
    assert rgba[3, 0, 0] == 0  # outside the commune: no data, transparent
    assert client.get("/rasters/nothing.png").status_code == 404


def test_plot_link_and_raster_overlay_in_a_real_browser(page, live_server):
    p = page.page
    p.goto(f"{live_server.url}/?plot=SR-0150", wait_until="networkidle")
    p.wait_for_selector("body[data-focused-plot='SR-0150']")
    popup = p.locator(".leaflet-popup-content .pp.plot")
    assert popup.is_visible() and "SR-0150" in popup.inner_text()
    box, control = popup.bounding_box(), p.locator(".leaflet-control-layers").bounding_box()
    overlaps = not (box["x"] + box["width"] <= control["x"] or box["y"] >= control["y"] + control["height"])
    assert not overlaps, "the layer list covers the plot's popup"
    p.hover(".leaflet-control-layers")  # the folded layer list opens
    p.locator(".leaflet-control-layers-overlays label", has_text="Phân hạng").locator("input").check()
    image = p.locator("img.leaflet-image-layer")
    image.wait_for()
    # a function, not a string: a string would be eval'd, which the page's CSP forbids
    p.wait_for_function("() => document.querySelector('img.leaflet-image-layer').naturalWidth > 0")
    assert "/rasters/soil_suitability.png" in image.get_attribute("src")
    page.screenshot("planner-plot-and-soil")
    assert page.foreign_requests == [] and page.console_errors == []
