"""The page for neighbouring communes (/chia-se): what is published, how to fetch it, how to send
a boundary, and the edge-matching table and map data, against the source files."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest

from gis_service.settings import PROJECT_ROOT
from web_expected import vi_number

COMMUNES_SRC = PROJECT_ROOT / "layers" / "basemap" / "communes_2025.geojson"


@pytest.fixture(scope="module")
def overlaps_ha() -> dict[str, float]:
    """Each neighbour's overlap with Nghĩa Trung, straight from the source file (EPSG:5899)."""
    communes = gpd.read_file(COMMUNES_SRC).to_crs(5899)
    ours = communes[communes["code"].astype(str) == "25417"].geometry.iloc[0]
    return {row.name: ours.intersection(row.geometry).area / 10_000 for row in communes.itertuples()
            if row.name != "Nghĩa Trung" and ours.intersection(row.geometry).area > 1}


def test_page_says_what_we_publish_and_how_to_fetch_and_send(client):
    response = client.get("/chia-se")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="vi">' in html and html.count("<h1>") == 1
    assert "http://localhost/ogcapi" in html and "OAPIF:http://localhost/ogcapi" in html
    assert "Thêm lớp WFS / OGC API – Features" in html and "/downloads/" in html
    assert 'Authorization: Bearer &lt;mã truy cập / token&gt;' in html and "/sharing/neighbours" in html
    assert "cán bộ địa chính – xây dựng" in html  # who to ask for a token
    assert 'id="uploads-off"' not in html  # the fixture's settings set a write token
    for title in ("Ranh giới xã Nghĩa Trung (mã 25417)", "Dự thảo phân vùng quy hoạch 2025–2030 (minh họa)"):
        assert title in html
    legend = re.search(r'<ul class="map-legend" id="edgematch-legend">(.*?)</ul>', html, re.S).group(1)
    assert "Chồng lấn</b> (đỏ)" in legend and "Khe hở</b> (xanh)" in legend


def test_edgematch_table_and_map_data_match_the_source(client, overlaps_ha):
    html = client.get("/chia-se").get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-neighbour="([^"]+)">\s*<td>[^<]*</td>\s*<td class="num">([^<]+) ha', html))
    assert set(rows) == set(overlaps_ha)
    for name, ha in overlaps_ha.items():
        assert rows[name] == vi_number(ha, 2), name  # Vietnamese numbers
    data = json.loads(re.search(r'<script id="edgematch-data" type="application/json">(.*?)</script>', html,
                                re.S).group(1))
    kinds = {f["properties"]["kind"] for f in data["pieces"]["features"]}
    assert kinds == {"overlap", "gap"}
    by_name: dict[str, float] = {}
    for f in data["pieces"]["features"]:
        if f["properties"]["kind"] == "overlap":
            by_name[f["properties"]["neighbour"]] = by_name.get(f["properties"]["neighbour"], 0) + f["properties"]["area_ha"]
    for name, ha in overlaps_ha.items():
        assert by_name[name] == pytest.approx(ha, abs=1e-3)
    # no inline script: only scripts from files and the data as JSON
    assert not re.search(r'<script(?![^>]*(?:\bsrc=|type="application/json"))', html)


def test_uploads_off_is_said(app, client):
    from dataclasses import replace

    app.config["SETTINGS"] = replace(app.config["SETTINGS"], write_token="")
    assert 'id="uploads-off"' in client.get("/chia-se").get_data(as_text=True)
