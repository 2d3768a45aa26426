"""Markup in every text field stays text, in real Chromium: zone ids and names, zone kinds, the
plan's name, a catalog entry's titles, source and credit, a neighbour's name. Each page is opened,
every popup and tooltip of its map is opened, and no script of the data runs: the planner map's
tooltips put such text into the page as HTML before (issue 11)."""

from __future__ import annotations

import shutil

import geopandas as gpd
import pytest
import yaml

from gis_service.cli import main
from gis_service.settings import PROJECT_ROOT, Settings
from gis_service.web.serve import BackgroundServer

from browser_helpers import browser, page  # noqa: F401  (fixtures)

#: closes an attribute, adds an element with a handler, and a script: each would run if parsed
MARKUP = "\"'><img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script>"
ZONES = "illustrative/draft_zones.geojson"


@pytest.fixture(scope="module")
def markup_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("markup")
    layers = tmp / "layers"
    shutil.copytree(PROJECT_ROOT / "layers", layers)
    zones = gpd.read_file(layers / ZONES)
    zones.loc[zones["id"] == "SR-01", "id"] = "SR-01" + MARKUP
    zones["name_vi"] = zones["name_vi"] + MARKUP
    zones["name_en"] = MARKUP + zones["name_en"]
    zones.to_file(layers / ZONES, driver="GeoJSON", engine="pyogrio")
    catalog = yaml.safe_load((layers / "catalog.yaml").read_text(encoding="utf-8"))
    for entry in catalog["layers"]:
        if entry["name"] == "residential":
            for field in ("title_vi", "title_en", "source", "licence", "attribution", "notes"):
                entry[field] = f"{entry.get(field, '')} {MARKUP}"
    (layers / "catalog.yaml").write_text(yaml.safe_dump(catalog, allow_unicode=True), encoding="utf-8")
    plan = yaml.safe_load((layers / "plan.yaml").read_text(encoding="utf-8"))
    plan["name_vi"] += MARKUP
    plan["zone_kinds"]["durian_farming"]["name_en"] += MARKUP
    (layers / "plan.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    store = tmp / "store.gpkg"
    bu_dang = gpd.read_file(layers / "basemap" / "communes_2025.geojson")
    bu_dang[bu_dang["name"] == "Bù Đăng"][["geometry"]].to_file(tmp / "bu_dang.geojson")
    common = ["--store", str(store), "--layers", str(layers), "-q"]
    assert main([*common, "build"]) == 0  # markup in text is data, not an error
    assert main([*common, "validate"]) == 1  # the shipped draft fails two rules on purpose
    assert main([*common, "import-neighbour", str(tmp / "bu_dang.geojson"), "--name", "Bù Đăng" + MARKUP]) == 0
    server = BackgroundServer(Settings(layers_dir=layers, store=store)).start()
    yield server
    server.stop()


OPEN_EVERY_POPUP = """(name) => { const map = window[name]; const texts = [];
    map.eachLayer(l => {
        if (l.getPopup && l.getPopup()) { l.openPopup(); texts.push(l.getPopup().getElement().textContent); }
        if (l.getTooltip && l.getTooltip()) { l.openTooltip(); texts.push(l.getTooltip().getElement().textContent); }
    });
    return texts; }"""


def _check(page, *, expect_in_text: str | None = None) -> None:
    assert page.page.evaluate("window.__xss") is None
    assert page.csp_violations() == []
    assert page.console_errors == [] and page.foreign_requests == []
    if expect_in_text:
        assert MARKUP in expect_in_text


@pytest.mark.parametrize("path, map_name", [("/", "plannerMap"), ("/chia-se", "edgematchMap")])
def test_map_popups_tooltips_and_layer_control_show_markup_as_text(page, markup_server, path, map_name):
    page.page.goto(markup_server.url + path)
    page.page.wait_for_selector("body[data-ready='1']", timeout=10_000)
    texts = page.page.evaluate(OPEN_EVERY_POPUP, map_name)
    assert any(MARKUP in t for t in texts), "the markup is shown, as text"
    if path == "/":  # the zones' permanent labels: ids and names set as text
        labels = page.page.locator(".zone-label")
        assert labels.count() == 9
        assert all(MARKUP in t for t in labels.evaluate_all("els => els.map(e => e.textContent)"))
        assert page.page.locator(".zone-label img, .zone-label script").count() == 0
    body = page.page.locator("body").inner_text()
    _check(page, expect_in_text=body if path == "/" else "\n".join(texts))


def test_planner_lookup_panel_shows_markup_as_text(page, markup_server):
    page.page.goto(markup_server.url + "/?zone=SR-01" + MARKUP.replace("#", "%23"))
    page.page.wait_for_selector("body[data-ready='1']", timeout=10_000)
    assert MARKUP in page.page.locator("#selection-body .card.zone").first.inner_text()
    page.page.evaluate("window.plannerMap.closePopup()")
    box = page.page.locator("#map").bounding_box()
    page.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.page.wait_for_selector("#selection-body .lk-pos", timeout=15_000)
    # the lookup box: a name holding markup is searched for and shown as text
    page.page.fill("#find-text", MARKUP)
    page.page.click("#find button[type=submit]")
    page.page.wait_for_selector("#selection-body .lk-msg", timeout=15_000)
    assert MARKUP in page.page.locator("#selection-body .lk-msg").inner_text()
    assert page.page.locator("#selection-body .card.zone").count() == 9  # every name carries it
    _check(page)


def test_display_slides_show_markup_as_text(page, markup_server):
    page.page.goto(markup_server.url + "/display?interval=600")
    page.page.wait_for_selector("body[data-ready='1']", timeout=10_000)
    # every slide the display cycles through, stepped with the arrow keys as the office staff do
    texts = []
    for _ in range(int(page.page.get_attribute("body", "data-slide-count"))):
        texts.append(page.page.locator("#panel").text_content())
        page.page.keyboard.press("ArrowRight")
    assert sum(MARKUP in t for t in texts) >= 9
    assert MARKUP in page.page.locator("#legend").text_content()  # the kinds' names, as text
    _check(page)


@pytest.mark.parametrize("path", ["/dashboard", "/report", "/downloads/", "/ogcapi/collections/zones/items?f=html",
                                  "/ogcapi/collections?f=html", "/sharing/edgematch.txt"])
def test_server_rendered_pages_escape_markup(page, markup_server, path):
    page.page.goto(markup_server.url + path)
    _check(page, expect_in_text=page.page.locator("body").inner_text())
