"""Pages and the point lookup through Flask's test client, against values computed from the
source files (tests/web_expected.py), never from the service's own output."""

from __future__ import annotations

import json
import re

import pytest

from web_expected import (area_rule, catalog_titles, inner_point, kind_union_ha, planar_ha,
                          remaining_point, source_zones, to_crs, to_lonlat, vi_number)

FOREIGN_ASSET = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)


def unescaped(html: str) -> str:
    """The page with the JSON \\uXXXX escapes of its embedded GeoJSON decoded."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)


def page_data(html: str, element_id: str = "planner-data") -> dict:
    """The JSON a map page carries for its script."""
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def map_layer(html: str, kind: str) -> dict:
    return next(layer for layer in page_data(html)["layers"] if layer["kind"] == kind)


def popup_areas(html: str) -> dict[str, float]:
    """zone id -> the official hectares its popup shows."""
    return {f["properties"]["id"]: f["properties"]["area_ha"] for f in map_layer(html, "zones")["geojson"]["features"]}


def test_planner_map_popups_show_each_zone_planar_area(client):
    html = client.get("/").get_data(as_text=True)
    areas = popup_areas(html)
    assert set(areas) == set(source_zones())
    for zone_id, shown in areas.items():
        assert shown == pytest.approx(planar_ha(zone_id), abs=1e-3), zone_id


def test_planner_map_is_offline_marked_and_attributed(client):
    response = client.get("/")
    html = unescaped(response.get_data(as_text=True))
    assert response.status_code == 200
    assert not FOREIGN_ASSET.search(html), "a page asset comes from another host"
    assert "cdn.jsdelivr" not in html and "code.jquery" not in html and "bootstrapcdn" not in html
    assert '/static/vendor/leaflet/leaflet.js' in html
    for title in catalog_titles():  # in the layer control
        assert title in html, title
    violations = map_layer(html, "violations")
    assert (violations["title_vi"], violations["title_en"]) == ("⚠ Vi phạm quy tắc", "Rule violations")
    assert "MINH HỌA / ILLUSTRATIVE" in html
    assert "lamngockhuong/vietnam-3d-map" in html and "amTrinh/IE402_Lab1" in html


def test_violation_popups_carry_their_messages(client):
    violations = map_layer(client.get("/").get_data(as_text=True), "violations")["geojson"]["features"]
    by_rule = {f["properties"]["rule_id"]: f["properties"] for f in violations}
    assert {"R03", "R11"} <= set(by_rule)
    # R03: the produce hub (kind area from the source) is above its 500 ha maximum
    produce = kind_union_ha("produce_hub")
    assert produce > area_rule("R03")["params"]["max_ha"]
    # under the bilingual label the number is written the Vietnamese way (gis_service.l10n)
    assert by_rule["R03"]["measured_text"] == f"{vi_number(produce, 2)} ha"
    assert f"{produce:,.2f} ha" in by_rule["R03"]["message_en"]
    assert by_rule["R11"]["zone_ids"] == ["SR-03"]


@pytest.mark.parametrize("zone_id", ["TT-01", "SR-03", "CNC-01"])
def test_lookup_by_lonlat_finds_the_zone(client, zone_id):
    lon, lat = to_lonlat(*inner_point(zone_id))
    result = client.get(f"/lookup?lon={lon}&lat={lat}").get_json()
    assert result["inside_commune"] is True
    assert [z["id"] for z in result["zones"]] == [zone_id]
    zone = result["zones"][0]
    assert zone["area_ha"] == pytest.approx(planar_ha(zone_id), abs=1e-3)
    assert zone["landuse"] == source_zones()[zone_id]["landuse"].replace(";", ", ")
    assert zone["status"] == source_zones()[zone_id]["status"]


def test_lookup_by_vn2000_xy_in_either_zone(client):
    x, y = inner_point("SR-03")
    by_5899 = client.get(f"/lookup?x={x}&y={y}").get_json()
    x9, y9 = to_crs(x, y, "EPSG:9212")
    by_9212 = client.get(f"/lookup?x={x9}&y={y9}&crs=EPSG:9212").get_json()
    for result in (by_5899, by_9212):
        assert [z["id"] for z in result["zones"]] == ["SR-03"]
        assert result["zones"][0]["passed"] is False  # R11: 382 m from residential land
        assert {r["rule_id"]: r["passed"] for r in result["zones"][0]["rules"]}["R11"] is False
    assert by_9212["plan_x"] == pytest.approx(x, abs=0.01)
    assert by_9212["plan_y"] == pytest.approx(y, abs=0.01)


def test_lookup_outside_the_commune_and_on_remaining_land(client):
    outside = client.get("/lookup?lon=106.5&lat=11.5").get_json()
    assert outside["inside_commune"] is False and outside["zones"] == []
    # a point inside the commune but in no zone, from the source files
    x, y = remaining_point()
    free = client.get(f"/lookup?x={x}&y={y}").get_json()
    assert free["inside_commune"] is True
    assert [(z["id"], z["kind"]) for z in free["zones"]] == [(None, "remaining")]


@pytest.mark.parametrize("query, field", [
    ("", "lon"), ("lon=107", "lat"), ("lon=abc&lat=11", "lon"), ("lon=200&lat=11", "lon"),
    ("lon=107&lat=nan", "lat"), ("x=1&y=2&lon=3", "lon"), ("x=500000&y=1300000&crs=EPSG:3857", "crs"),
    ("x=1310000&y=420000", "x"),
])
def test_lookup_bad_parameters_are_400_with_a_message(client, query, field):
    response = client.get(f"/lookup?{query}")
    assert response.status_code == 400
    assert f"field '{field}'" in response.get_json()["error"]


def test_dashboard_targets_table_matches_the_source(client):
    html = client.get("/dashboard").get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-rule="(R\d+)".*?<td class="num measured">([0-9,.]+)</td>', html, re.S))
    # Vietnamese numbers at the precision the verdict is taken at (0.01 ha): 1.234,56 ha
    assert rows["R03"] == vi_number(kind_union_ha("produce_hub"), 2)
    assert rows["R04"] == vi_number(kind_union_ha("hightech_agri"), 2)
    results = dict(re.findall(r'<tr data-rule="(R\d+)".*?class="(ok|ko) result"', html, re.S))
    r04_min = area_rule("R04")["params"]["min_ha"]
    assert results == {"R03": "ko", "R04": "ok" if kind_union_ha("hightech_agri") >= r04_min else "ko"}
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in html
    assert 'href="/?rule=R11&amp;zone=SR-03"' in html  # the failing finding links to its place


def test_report_periods_and_bad_period(client):
    quarter = client.get("/report?period=quarter").get_data(as_text=True)
    assert re.search(r"Báo cáo quý (I|II|III|IV) năm \d{4}", quarter)
    assert "Báo cáo năm" in client.get("/report?period=year").get_data(as_text=True)
    assert "Báo cáo 6 tháng" in client.get("/report?period=half").get_data(as_text=True)
    assert client.get("/report?period=month").status_code == 400


def test_report_pdf_is_printed_by_chromium(client):
    response = client.get("/report.pdf?period=year")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-") and len(response.data) > 20_000


def test_display_page_is_offline_and_marked(client):
    response = client.get("/display")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert not FOREIGN_ASSET.search(html)
    assert "MINH HỌA / ILLUSTRATIVE" in html and "Dữ liệu ngày" in html and "/ data of" in html
    for query, field in (("interval=1", "interval"), ("health=x", "health"), ("slide=0", "slide")):
        response = client.get(f"/display?{query}")
        assert response.status_code == 400 and f"field '{field}'" in response.get_json()["error"]


def test_healthz_reports_the_store_version(client, settings):
    body = client.get("/healthz").get_json()
    assert body["version"] == 1  # the fixture store holds one build


def test_pages_read_an_unchanged_store_once_and_a_rewritten_one_at_once(app, client, settings):
    store = app.config["STORE"]
    reads = []
    read_layer = store.read_layer
    store.read_layer = lambda name, *a, **kw: reads.append(name) or read_layer(name, *a, **kw)
    first = client.get("/").get_data(as_text=True)
    assert reads, "the first request reads the store"
    reads.clear()
    assert client.get("/").get_data(as_text=True) == first
    assert client.get(f"/lookup?x={inner_point('SR-03')[0]}&y={inner_point('SR-03')[1]}").status_code == 200
    assert reads == [], "an unchanged store is not read again"
    # a new version of the store: zone TT-01 withdrawn
    zones = read_layer("zones")
    _accept_draft(store, settings, zones[zones["id"] != "TT-01"].reset_index(drop=True))
    assert set(popup_areas(client.get("/").get_data(as_text=True))) == set(source_zones()) - {"TT-01"}
    x, y = inner_point("TT-01")
    assert [z["id"] for z in client.get(f"/lookup?x={x}&y={y}").get_json()["zones"]] == [None]
    assert client.get("/healthz").get_json()["version"] == 2


def _accept_draft(store, settings, zones):
    from gis_service.build import load_sources
    from gis_service.drafts import accept, stage_draft
    from gis_service.store import WriteInfo

    _, plan, source = load_sources(settings)
    accept(store, stage_draft(store, zones, plan, source, WriteInfo("import-plan", "test", "draft.gpkg")))


def test_map_credits_come_from_the_catalog(client):
    """Every credit in layers/catalog.yaml stands on the planner map, the display and the report."""
    import yaml

    from gis_service.settings import PROJECT_ROOT

    catalog = yaml.safe_load((PROJECT_ROOT / "layers" / "catalog.yaml").read_text(encoding="utf-8"))
    credits = {e["attribution"] for e in catalog["layers"] if e.get("attribution")}
    assert len(credits) == 3  # boundaries, QL14, the dam
    import json

    pages = {path: client.get(path).get_data(as_text=True) for path in ("/", "/report", "/display")}
    for path, text in pages.items():
        for credit in credits:  # the display embeds its data as JSON, non-ASCII escaped
            assert credit in text or json.dumps(credit)[1:-1] in text, (path, credit)
