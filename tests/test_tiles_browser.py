"""A large layer in real Chromium: 20,000 synthetic parcels (MINH HỌA / ILLUSTRATIVE) with the tile
threshold set at 1,000, so the planner map and the display carry no parcel in their page and draw
them from .pbf vector tiles; under 1 MB transferred; clicking a parcel selects that parcel (the one
shapely finds under the clicked point) and the lookup names it. No request leaves 127.0.0.1, no
CSP violation, no console error."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
import shapely
from browser_helpers import PageRecorder, browser  # noqa: F401  (fixtures)

from gis_service.build import build_store
from gis_service.settings import PROJECT_ROOT, Settings
from gis_service.store import GeoPackageStore
from gis_service.synthetic import commune_boundary, make_parcels, parcel_layers, write_parcels
from gis_service.web.serve import BackgroundServer

N_PARCELS, THRESHOLD = 20_000, 1_000
MB = 1_000_000
#: set the view, resolve when the tiled layer has loaded every tile it shows (GridLayer's "load")
ZOOM_AND_WAIT_FOR_TILES = """([lat, lon, z]) => new Promise(done => {
    let grid = null;
    window.plannerMap.eachLayer(l => { if (l.options && l.options.firstZoom !== undefined) grid = l; });
    grid.once("load", done);
    window.plannerMap.setView([lat, lon], z, {animate: false});
})"""


@pytest.fixture(scope="module")
def parcels_server(tmp_path_factory):
    work = tmp_path_factory.mktemp("tiles_20k")
    parcels = make_parcels(N_PARCELS, commune_boundary(PROJECT_ROOT / "layers"), seed=8)
    write_parcels(parcels, work / "parcels.gpkg", PROJECT_ROOT / "layers")
    settings = Settings(layers_dir=parcel_layers(work / "parcels.gpkg", work / "layers", PROJECT_ROOT / "layers"),
                        store=work / "store.gpkg", tile_threshold=THRESHOLD)
    build_store(settings, GeoPackageStore(settings.store))
    server = BackgroundServer(settings).start()
    yield server, parcels.frame.to_crs("EPSG:4326")
    server.stop()


@contextmanager
def opened(browser, url: str, viewport: dict, screenshot: str):  # noqa: F811
    """A fresh page at ``url`` once it has drawn; yields (page, tile URLs requested). On leaving:
    a screenshot, under 1 MB transferred, nothing from another host, no CSP violation or error."""
    recorder = PageRecorder(browser, viewport=viewport)
    sizes, tile_urls = [], []

    def finished(request):
        sizes.append(request.sizes()["responseBodySize"] + request.sizes()["responseHeadersSize"])
        if ".pbf" in request.url:
            tile_urls.append(request.url)
    recorder.page.on("requestfinished", finished)
    try:
        recorder.page.goto(url, wait_until="load")
        recorder.page.wait_for_selector("body[data-ready='1']")
        yield recorder.page, tile_urls
        recorder.page.wait_for_load_state("networkidle")
        recorder.screenshot(screenshot)
        assert sum(sizes) < MB, f"{sum(sizes):,} bytes transferred"
        assert recorder.csp_violations() == [] and recorder.foreign_requests == []
        assert recorder.console_errors == []
    finally:
        recorder.close()


def test_the_planner_map_draws_parcels_from_tiles_and_a_click_selects_one(browser, parcels_server):  # noqa: F811
    server, parcels = parcels_server
    with opened(browser, server.url + "/", {"width": 1440, "height": 900}, "tiles_planner_parcel_selected") as (
            page, tile_urls):
        payload = json.loads(page.locator("#planner-data").text_content())
        zones = next(layer for layer in payload["layers"] if layer["kind"] == "zones")
        assert zones["geojson"]["features"] == [] and zones["tiles"]["count"] == N_PARCELS
        min_zoom = zones["tiles"]["minZoom"]
        assert not tile_urls and page.evaluate("window.plannerMap.getZoom()") < min_zoom
        assert page.locator(".zoom-hint").is_visible()

        # zoom in on a parcel in the middle of the commune
        target = parcels.geometry.representative_point().iloc[N_PARCELS // 2]
        page.evaluate(ZOOM_AND_WAIT_FOR_TILES, [target.y, target.x, max(min_zoom, 16)])
        assert tile_urls and all(f"version={payload['version']}" in u for u in tile_urls)
        assert not page.locator(".zoom-hint").is_visible()

        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector("body[data-selected]")
        lat, lon = page.evaluate("[window.plannerMap.getCenter().lat, window.plannerMap.getCenter().lng]")
        under = parcels.loc[parcels.contains(shapely.Point(lon, lat)), "id"].tolist()
        assert len(under) == 1
        assert page.get_attribute("body", "data-selected") == under[0]
        assert under[0] in page.locator(".tile-feature").inner_text()
        page.wait_for_function("id => document.getElementById('selection-body').textContent.includes(id)",
                               arg=under[0])


def test_the_display_carries_no_parcel_and_stays_under_a_megabyte(browser, parcels_server):  # noqa: F811
    server, _ = parcels_server
    with opened(browser, server.url + "/display", {"width": 1920, "height": 1080}, "tiles_display") as (page, _):
        payload = json.loads(page.locator("#payload").text_content())
        assert payload["zones_geojson"]["features"] == [] and payload["zones_tiles"]["count"] == N_PARCELS
        assert 0 < len(payload["zones"]) <= 20  # slides: the parcels failing a rule, at most 20


def test_the_display_of_a_tiled_layer_summarises_no_parcel_it_does_not_show(parcels_server):
    """The display's legend takes the kinds from the zones' column (here: the generated parcels'
    kinds) and its slides summarise only the parcels they show: summarising all of a million
    parcels took minutes (the request ran past its time limit)."""
    from gis_service.web.displaydata import display_payload
    from gis_service.web.plandata import load_plan_data

    server, parcels = parcels_server
    store = GeoPackageStore(server.app.config["SETTINGS"].store)
    data = load_plan_data(store, store.version())
    payload = display_payload(data, THRESHOLD)
    assert "zone_summaries" not in vars(data), "every parcel was summarised"
    assert {k["kind"] for k in payload["kinds"]} == set(parcels["kind"])
    assert 0 < len(payload["zones"]) <= 20
