"""The lookup page (/tra-cuu) a person reads, and the /lookup JSON programs read, against values
computed from the source files (tests/web_expected.py)."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from web_expected import (inner_point, plan_yaml, planar_ha, remaining_point, source_zones, to_crs,
                          to_lonlat, vi_number)


def cards(html: str) -> list[str]:
    return re.findall(r'<article class="result-card[^"]*" data-zone="([^"]*)"', html)


def test_empty_form(client):
    response = client.get("/tra-cuu")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="vi">' in html and "<h1>" in html
    assert {"by-xy", "by-lonlat", "by-name"} <= set(re.findall(r'<form class="lookup"[^>]*id="([^"]+)"', html))
    assert "EPSG:5899" in html and "EPSG:9212" in html and cards(html) == []


def test_vn2000_point_shows_the_zone_its_area_target_rules_and_provenance(client):
    x, y = inner_point("SR-03")
    html = client.get(f"/tra-cuu?x={x}&y={y}&crs=EPSG:5899").get_data(as_text=True)
    assert cards(html) == ["SR-03"]
    zone = source_zones()["SR-03"]
    assert f"{vi_number(planar_ha('SR-03'), 2)} ha" in html  # Vietnamese numbers: 1.234,56 ha
    assert zone["name_vi"] in html and zone["landuse"].replace(";", ", ") in html
    assert re.search(r'data-rule="R11">✗ Không đạt', html)  # 382 m from residential land, 500 m needed
    assert "Bản nháp" in html and "Phiên bản số 1" in html  # status and provenance, in words
    assert 'class="lookup-point"' in html and '<path data-zone="SR-03"' in html  # the map shows both


def test_the_other_vn2000_zone_and_numbers_typed_the_vietnamese_way(client):
    x, y = to_crs(*inner_point("CNC-01"), "EPSG:9212")
    html = client.get(f"/tra-cuu?x={quote(vi_number(x, 2))}&y={quote(vi_number(y, 2))}&crs=EPSG:9212")
    assert cards(html.get_data(as_text=True)) == ["CNC-01"]


def test_lonlat_point_and_remaining_land(client):
    lon, lat = to_lonlat(*inner_point("TT-01"))
    assert cards(client.get(f"/tra-cuu?lon={lon}&lat={lat}").get_data(as_text=True)) == ["TT-01"]
    x, y = remaining_point()
    html = client.get(f"/tra-cuu?x={x}&y={y}").get_data(as_text=True)
    assert cards(html) == [""] and plan_yaml()["remaining"]["name_vi"] in html


def test_zone_by_id_or_name_without_diacritics(client):
    assert cards(client.get("/tra-cuu?q=ns-01").get_data(as_text=True)) == ["NS-01"]
    kinds = {k for k, spec in plan_yaml()["zone_kinds"].items() if "sầu riêng" in spec["name_vi"].lower()}
    expected = {i for i, z in source_zones().items() if "sầu riêng" in z["name_vi"].lower() or z["kind"] in kinds}
    assert len(expected) >= 3
    assert set(cards(client.get("/tra-cuu?q=sau+rieng").get_data(as_text=True))) == expected
    html = client.get("/tra-cuu?q=khong+co+vung+nay").get_data(as_text=True)
    assert "Không tìm thấy vùng nào" in html and cards(html) == []


@pytest.mark.parametrize("query", ["x=abc&y=1", "lon=200&lat=11", "x=1310000&y=420000", "x=431000"])
def test_bad_input_is_explained_on_the_page(client, query):
    response = client.get(f"/tra-cuu?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="lookup-error"' in html and 'id="by-xy"' in html


def test_what_a_user_typed_is_escaped(client):
    html = client.get("/tra-cuu?q=" + quote('<script>alert("x")</script>')).get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


def test_lookup_json_is_utf8_not_escaped(client):
    lon, lat = to_lonlat(*inner_point("TT-01"))
    response = client.get(f"/lookup?lon={lon}&lat={lat}")
    assert response.mimetype == "application/json"
    assert "Điểm thuộc".encode() in response.data and b"\\u" not in response.data


def ids(answer: dict) -> list[str]:
    return [z["id"] for z in answer["zones"]]


def test_lookup_json_takes_what_the_map_box_was_given(client):
    """/lookup?q=: the planner map's one box, a zone id or name, or a point's two numbers."""
    kinds = {k for k, spec in plan_yaml()["zone_kinds"].items() if "sầu riêng" in spec["name_vi"].lower()}
    durian = {i for i, z in source_zones().items() if "sầu riêng" in z["name_vi"].lower() or z["kind"] in kinds}
    assert ids(client.get("/lookup?q=ns-01").get_json()) == ["NS-01"]
    assert set(ids(client.get("/lookup?q=sau+rieng").get_json())) == durian
    nothing = client.get("/lookup?q=khong+co+vung+nay").get_json()
    assert nothing["zones"] == [] and "Không tìm thấy vùng nào" in nothing["message_vi"]
    x, y = inner_point("SR-03")
    answer = client.get("/lookup?q=" + quote(f"{vi_number(x, 2)}; {vi_number(y, 2)}")).get_json()
    assert ids(answer) == ["SR-03"] and answer["plan_x"] == pytest.approx(x, abs=0.01)
    x9212, y9212 = to_crs(x, y, "EPSG:9212")
    assert ids(client.get(f"/lookup?q={x9212:.2f}+{y9212:.2f}&crs=EPSG:9212").get_json()) == ["SR-03"]
    lon, lat = to_lonlat(*inner_point("TT-01"))
    assert ids(client.get("/lookup?q=" + quote(f"{lon:.6f}, {lat:.6f}")).get_json()) == ["TT-01"]


@pytest.mark.parametrize("query", ["q=", "q=431000%3B+1300000&crs=EPSG:4326", "q=200%3B+11"])
def test_lookup_json_refuses_what_it_cannot_look_up(client, query):
    response = client.get(f"/lookup?{query}", headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"].startswith("field 'q'")
