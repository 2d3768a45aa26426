"""The report, the dashboard and the search by id or name on a parcel layer, with their caps lowered
so a few thousand synthetic parcels (MINH HỌA / ILLUSTRATIVE) exercise what a million do: the pages
list at most the cap, failing findings first, and state the true totals (counted here from the
store's own tables with pandas); a search by an exact id finds that parcel from the id column
without summarising the others; a name search lists at most the cap and says how many match."""

from __future__ import annotations

import re
import shutil
from html import unescape

import pytest

from gis_service.build import build_store
from gis_service.settings import PROJECT_ROOT, Settings
from gis_service.store import open_store
from gis_service.synthetic import commune_boundary, make_parcels, write_parcels
from gis_service.validate import REPAIRED_LAYER
from gis_service.web import create_app, lookup, reporting, svgmap
from gis_service.web.appdata import plan_data

N_PARCELS, FAULTS_PER = 3_000, 12
FINDINGS_CAP, TARGETS_CAP, MATCHES_CAP, DRAWN_CAP = 20, 10, 7, 1_000
PER_PARCEL_RULE = """
  - id: P06
    check: area
    title_vi: Mỗi thửa từ 7,4 ha
    title_en: Each parcel at least 7.4 ha
    params: {per: feature, min_ha: 7.4}
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    work = tmp_path_factory.mktemp("pages_at_scale")
    layers = work / "parcels"
    layers.mkdir()
    for name in ("plan.yaml", "catalog.yaml"):
        shutil.copy(PROJECT_ROOT / "layers" / "parcels" / name, layers / name)
    with open(layers / "plan.yaml", "a", encoding="utf-8") as plan:  # a target on each parcel: about half fail
        plan.write(PER_PARCEL_RULE)
    parcels = make_parcels(N_PARCELS, commune_boundary(PROJECT_ROOT / "layers"), seed=11, faults_per=FAULTS_PER)
    write_parcels(parcels, layers / "parcels.gpkg", PROJECT_ROOT / "layers")
    settings = Settings(layers_dir=layers, store=work / "store.gpkg")
    build_store(settings, open_store(settings))
    return create_app(settings)


@pytest.fixture
def caps(monkeypatch):
    monkeypatch.setattr(reporting, "LISTED_FINDINGS", FINDINGS_CAP)
    monkeypatch.setattr(reporting, "LISTED_TARGETS", TARGETS_CAP)
    monkeypatch.setattr(lookup, "MAX_MATCHES", MATCHES_CAP)
    monkeypatch.setattr(svgmap, "DRAWN_ZONES", DRAWN_CAP)


def _store_tables(app):
    store = app.config["STORE"]
    view = store.at(store.version())
    return view.read_layer("validation_findings"), view.read_layer(REPAIRED_LAYER)


def _vi(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@pytest.mark.parametrize("path", ["/report", "/dashboard"])
def test_a_page_lists_at_most_the_cap_failing_first_and_states_the_totals(app, caps, path):
    findings, zones = _store_tables(app)
    failed = findings[~findings["passed"].astype(bool)]
    assert len(failed) > FINDINGS_CAP  # else the cap is not exercised
    page = app.test_client().get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    listed = re.findall(r'<li class="(f-ok|f-ko)">', html)
    assert listed.count("f-ko") == FINDINGS_CAP
    assert f"Hiển thị {FINDINGS_CAP}/{_vi(len(failed))} phát hiện không đạt" in html
    assert f"{FINDINGS_CAP} of {len(failed):,} failing findings shown" in html
    assert f'href="{reporting.VIOLATIONS_FILE}"' in html
    for rule_id, total in failed.groupby("rule_id").size().items():  # each rule: how many of how many
        item = re.search(rf'data-rule="{rule_id}">(.*?)</li>\s*</ul>', html, re.S).group(1)
        shown = re.search(r'data-shown="(\d+)" data-total="(\d+)"', item)
        assert shown is not None and int(shown.group(2)) == total
        marks = re.findall(r'<li class="(f-ok|f-ko)">', item)
        assert marks == sorted(marks, key=lambda m: m != "f-ko")  # failing first
        assert marks.count("f-ko") == int(shown.group(1))
    # the single-parcel targets: at most the cap, then how many of how many (every P06 finding fails)
    per_parcel = findings[findings["rule_id"] == "P06"]
    assert len(per_parcel) > TARGETS_CAP and not per_parcel["passed"].astype(bool).any()
    target_rows = re.findall(r'<tr data-rule="(P0\d)" data-kind="([^"]*)">', html)
    assert target_rows == [("P05", "parcel")] + [("P06", "")] * TARGETS_CAP
    assert (f"Chỉ tiêu theo từng vùng: hiển thị {TARGETS_CAP}/{_vi(len(per_parcel))}" in html
            and f"{TARGETS_CAP} of {len(per_parcel):,} shown" in html)
    if path == "/report":  # the map: a grid of cells by kind, no parcel drawn one by one
        assert 'class="zones zone-grid"' in html and "data-zone=" not in html
        assert f'data-zones="{len(zones)}"' in html and f"{_vi(len(zones))} vùng, quá nhỏ" in html
        assert len(page.data) < 400_000


def test_a_search_by_exact_id_finds_that_parcel_and_summarises_no_other(app, caps):
    _, zones = _store_tables(app)
    row = zones.iloc[len(zones) // 3]
    client = app.test_client()
    answer = client.get("/lookup", query_string={"q": f"  {row['id'].lower()} "}).get_json()
    assert [z["id"] for z in answer["zones"]] == [row["id"]] and answer["total"] == 1
    assert answer["zones"][0]["area_ha"] == pytest.approx(row["area_ha"], abs=1e-4)
    page = client.get("/tra-cuu", query_string={"q": row["id"]}).get_data(as_text=True)
    assert re.findall(r'class="result-card [a-z]+" data-zone="([^"]*)"', page) == [row["id"]]
    with app.test_request_context():
        data = plan_data(app.config["STORE"].version())
    assert "zone_summaries" not in vars(data), "every parcel was summarised"


def test_a_name_search_lists_at_most_the_cap_and_states_the_total(app, caps):
    _, zones = _store_tables(app)
    part = zones["id"].iloc[1234][:-2]  # 'P00012': the ids P0001200 … P0001299
    expected = zones.loc[zones["id"].str.lower().str.contains(part.lower(), regex=False), "id"].tolist()
    assert len(expected) > MATCHES_CAP
    client = app.test_client()
    answer = client.get("/lookup", query_string={"q": part.lower()}).get_json()
    assert answer["total"] == len(expected)
    assert [z["id"] for z in answer["zones"]] == expected[:MATCHES_CAP]
    assert f"hiển thị {MATCHES_CAP}/{_vi(len(expected))}" in answer["message_vi"]
    page = client.get("/tra-cuu", query_string={"q": part}).get_data(as_text=True)
    assert len(re.findall(r'class="result-card ', page)) == MATCHES_CAP
    assert f"Tìm thấy {_vi(len(expected))} vùng khớp" in unescape(page)
    # a name without its diacritics finds the parcels by their kind's name (Thửa đất): all of them
    everyone = client.get("/lookup", query_string={"q": "THUA dat"}).get_json()
    assert everyone["total"] == len(zones) and len(everyone["zones"]) == MATCHES_CAP


def test_what_was_typed_is_shown_escaped(app, caps):
    typed = '<b onclick="x()">P0&amp;</b>'
    page = app.test_client().get("/tra-cuu", query_string={"q": typed}).get_data(as_text=True)
    assert typed not in page and "<b onclick" not in page
    assert "Không tìm thấy vùng nào khớp với “&lt;b onclick=&#34;x()&#34;&gt;P0&amp;amp;&lt;/b&gt;”" in page


def test_the_display_lists_at_most_its_cap_of_single_parcel_targets_and_says_how_many(app, caps):
    """The display's data: the per-kind target, then at most DISPLAY_TARGETS single-parcel ones
    (failing first), with how many of how many there are and how many fail, from the store."""
    from gis_service.web import displaydata
    from gis_service.web.plandata import load_plan_data

    findings, _ = _store_tables(app)
    per_parcel = findings[findings["rule_id"] == "P06"]
    with app.app_context():
        store = app.config["STORE"]
        payload = displaydata.display_payload(load_plan_data(store, store.version()))
    rules = [t["rule_id"] for t in payload["targets"]]
    assert rules == ["P05"] + ["P06"] * displaydata.DISPLAY_TARGETS
    assert not any(t["passed"] for t in payload["targets"][1:])
    failed = int((~per_parcel["passed"].astype(bool)).sum())
    assert payload["targets_more"] == {"shown": displaydata.DISPLAY_TARGETS, "total": len(per_parcel),
                                       "failed": failed, "shown_failed": displaydata.DISPLAY_TARGETS}
