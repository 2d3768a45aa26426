"""The report on a past quarter, half-year or year: the version in force at the end of the period
(times set by hand around the local-time boundary of a quarter), its map, national heading,
sign-off, provenance for a reader, and the PDF read back page by page with poppler's pdftotext."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from datetime import date

import pytest

from gis_service.periods import make_period, version_at_end
from gis_service.store import GeoPackageStore, WriteInfo
from web_expected import source_zones

Y = date.today().year - 1  # a past year, whatever the date the tests run on
#: internal names that are no English words ("residential", "draft" are, and stand in the English
#: text; tests/test_locale_pages.py checks the Vietnamese text for them)
INTERNAL = ("thac_mo_lake", "road_ql14", "commune_seat", "remaining_land", "commune_boundary",
            "zones_repaired", "validation_findings", "scripts/", ".py")


def _set_time(store_path, table: str, column: str, rowid_column: str, rowid: int, when: str) -> None:
    with sqlite3.connect(store_path) as db:
        db.execute(f"UPDATE {table} SET {column} = ? WHERE {rowid_column} = ?", (when, rowid))


@pytest.fixture
def history(app, settings):
    """v1 made 10 May; v2 (TT-01 withdrawn) at 23:59 on 30 Sep local time (16:59 UTC); v3 (back
    to v1) at 00:01 on 1 Oct local time (still 30 Sep in UTC)."""
    from test_web_pages import _accept_draft

    store: GeoPackageStore = app.config["STORE"]
    zones = store.read_layer("zones")
    _accept_draft(store, settings, zones[zones["id"] != "TT-01"].reset_index(drop=True))
    store.restore(1, WriteInfo("restore", "test"))
    for number, when in ((1, f"{Y}-05-10T01:00:00+00:00"), (2, f"{Y}-09-30T16:59:00+00:00"),
                         (3, f"{Y}-09-30T17:01:00+00:00")):
        _set_time(settings.store, "store_versions", "created_at", "number", number, when)
    return store


def _version_note(html: str) -> str:
    return re.search(r'<div class="version-note" id="version-note">(.*?)</div>', html, re.S).group(1)


@pytest.mark.parametrize("query, number", [
    (f"period=quarter&year={Y}&quarter=2", 1),
    (f"period=quarter&year={Y}&quarter=3", 2),   # 23:59 on 30 Sep local time is in Q3
    (f"period=quarter&year={Y}&quarter=4", 3),   # 00:01 on 1 Oct local time is not, though UTC says 30 Sep
    (f"period=half&year={Y}&half=1", 1),
    (f"period=half&year={Y}&half=2", 3),
    (f"period=year&year={Y}", 3),
])
def test_report_takes_the_last_version_made_before_the_period_ended(client, history, query, number):
    response = client.get(f"/report?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"Phiên bản số {number} (lập lúc" in _version_note(html)
    assert "phiên bản cuối cùng được lập trước khi kỳ báo cáo kết thúc" in _version_note(html)
    shown = set(re.findall(r'<path data-zone="([^"]+)"', html))  # the map of the first page
    assert shown == (set(source_zones()) - {"TT-01"} if number == 2 else set(source_zones()))


def test_period_labels_and_dates(client, history):
    html = client.get(f"/report?period=quarter&year={Y}&quarter=3").get_data(as_text=True)
    assert f"Báo cáo quý III năm {Y}" in html and f"Quarterly report, Q3 {Y}" in html
    assert f"từ 01/07/{Y} đến 30/09/{Y}" in html and f"1 Jul {Y} to 30 Sep {Y}" in html
    # v2's time, 16:59 UTC, is 23:59 in Vietnam
    assert f"lập lúc 23:59 30/09/{Y}" in html and f"made 30 Sep {Y} 23:59" in html
    assert f"(00:00 01/10/{Y})" in html
    assert "Báo cáo 6 tháng cuối năm" in client.get(f"/report?period=half&year={Y}&half=2").get_data(as_text=True)


def test_a_period_before_any_version_or_not_yet_begun_is_refused(client, history):
    assert client.get(f"/report?period=quarter&year={Y}&quarter=1").status_code == 404
    assert client.get(f"/report?period=year&year={date.today().year + 1}").status_code == 400
    for query, field in (("period=month", "period"), (f"period=quarter&year={Y}&quarter=5", "quarter"),
                         ("period=half&half=x", "half")):
        response = client.get(f"/report?{query}")
        assert response.status_code == 400 and f"'{field}'" in response.get_json()["error"]


def test_public_report_takes_the_approval_in_force_at_the_end(client, history, settings):
    from gis_service.versions import approve

    approve(history, 1, "15/QĐ-UBND", f"01/08/{Y}", "UBND tỉnh Đồng Nai", "test")
    _set_time(settings.store, "store_approvals", "entered_at", "version", 1, f"{Y}-08-01T02:00:00+00:00")
    note = _version_note(client.get(f"/report?period=year&year={Y}").get_data(as_text=True))
    assert "Phiên bản số 1: phiên bản được phê duyệt theo 15/QĐ-UBND" in note
    assert "Đã phê duyệt" in note and "15/QĐ-UBND" in note
    # a planner reports on the last version made, approved or not
    planner = version_at_end(history, make_period("year", Y), planner=True)
    assert planner.version.number == 3 and not planner.approved


def test_report_page_is_a_filed_document(client, history):
    html = client.get(f"/report?period=year&year={Y}").get_data(as_text=True)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html and "Độc lập – Tự do – Hạnh phúc" in html
    assert "TM. ỦY BAN NHÂN DÂN" in html and "NGƯỜI LẬP BIỂU" in html and "Nơi nhận" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="plan-map"' in html
    assert "Dữ liệu minh họa do nhóm dự án tạo" in html and "Illustrative data made by the project team" in html
    assert "scripts/" not in html and "make_illustrative_layers" not in html
    assert 'lang="vi"' in html and "<h1>" in html and 'rel="icon"' in html


def _pdf_pages(data: bytes, tmp_path) -> list[str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\f")[:-1]  # pdftotext ends every page with a form feed


def test_pdf_every_page_numbered_and_marked(client, history, tmp_path):
    response = client.get(f"/report.pdf?period=quarter&year={Y}&quarter=3")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="bao-cao-quy-hoach-nghia-trung-{Y}-q3-v2.pdf"' in response.headers["Content-Disposition"]
    pages = _pdf_pages(response.data, tmp_path)
    n = len(pages)
    assert n >= 3
    for i, text in enumerate(pages, 1):
        assert "MINH HỌA / ILLUSTRATIVE" in text, i
        assert f"Trang {i}/{n}" in text and f"Page {i} of {n}" in text, i
    first = " ".join(pages[0].split())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first and "Độc lập – Tự do – Hạnh phúc" in first
    assert f"Báo cáo quý III năm {Y}" in first and "Sơ đồ phân vùng quy hoạch" in first
    assert {"CNC-01", "SR-01", "BX-K01"} <= set(first.split())  # the map's labels, on page 1
    assert "TT-01" not in first.split()  # withdrawn in version 2
    assert "TM. ỦY BAN NHÂN DÂN" in " ".join(pages[-1].split())
    whole = "\n".join(pages)
    for word in INTERNAL:
        assert word not in whole, word
