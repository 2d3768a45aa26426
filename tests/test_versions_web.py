"""The planner's version workflow through Flask's test client: the versions page, comparing two
versions, upload → preview → accept/discard, restore, approve, the draft banner and provenance.
Expected hectares are computed here from the shipped GeoJSON with json and shapely (a 100 m × 50 m
rectangle is 5,000 m² = 0.5 ha), never with the code under test."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import shapely
from shapely.geometry import box, mapping, shape

from gis_service.accounts import Accounts
from web_expected import ZONES_FILE, inner_point, source_zones

PASSWORD = "mật-khẩu-đủ-dài 2026"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
JSON = {"Accept": "application/json"}
GROWN = "NS-01"  # its kind has a hectare target (R03)
RECT_W, RECT_H = 100.0, 50.0  # metres
GROWN_HA = RECT_W * RECT_H / 10_000  # 0.5 ha, by hand


@pytest.fixture
def settings(settings, tmp_path):
    return dataclasses.replace(settings, users_db=tmp_path / "accounts" / "users.sqlite")


@pytest.fixture
def planner(settings) -> str:
    Accounts(settings.users_file).add("can_bo.dia-chinh", PASSWORD)
    return "can_bo.dia-chinh"


@pytest.fixture
def signed_in(client, planner):
    assert sign_in(client, planner).status_code == 303
    return client


def grown_draft(zone_id: str = GROWN) -> bytes:
    """The shipped draft with one zone grown by a 100 m × 50 m rectangle east of its easternmost
    vertex: the rectangle touches the zone only there (every point of the zone has x ≤ that x)."""
    doc = json.loads(ZONES_FILE.read_text(encoding="utf-8"))
    feature = next(f for f in doc["features"] if f["properties"]["id"] == zone_id)
    geom = shape(feature["geometry"])
    x, y = max(shapely.get_coordinates(geom), key=lambda c: c[0])
    grown = shapely.union_all([geom, box(x, y - RECT_H / 2, x + RECT_W, y + RECT_H / 2)])
    assert abs(grown.area - geom.area - RECT_W * RECT_H) < 1e-3  # the rectangle is all new land
    feature["geometry"] = mapping(grown)
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def csrf_from(client, path: str = "/dang-nhap") -> str:
    html = client.get(path, headers=HTML).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, name: str, password: str = PASSWORD):
    return client.post("/dang-nhap", data={"name": name, "password": password,
                                           "csrf_token": csrf_from(client)}, headers=HTML)


def upload(client, data: bytes, filename: str = "ban-ve-tu-van.geojson", message: str = "Bản vẽ giữa kỳ",
           token: str | None = None, mapping_file: tuple[bytes, str] | None = None):
    form = {"file": (io.BytesIO(data), filename), "message": message,
            "csrf_token": token if token is not None else csrf_from(client, "/phien-ban/tai-len")}
    if mapping_file:
        form["mapping"] = (io.BytesIO(mapping_file[0]), mapping_file[1])
    return client.post("/phien-ban/tai-len", data=form, headers=HTML, content_type="multipart/form-data")


def draft_token(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    match = re.fullmatch(r"/phien-ban/ban-nhap/([\w-]+)", urlsplit(response.headers["Location"]).path)
    assert match, response.headers["Location"]
    return match.group(1)


def accept(client, token: str):
    return client.post(f"/phien-ban/ban-nhap/{token}/chap-nhan", headers=HTML,
                       data={"csrf_token": csrf_from(client, f"/phien-ban/ban-nhap/{token}")})


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def row_of(html: str, zone_id: str) -> str:
    match = re.search(rf'<tr data-zone="{re.escape(zone_id)}".*?</tr>', html, re.S)
    assert match, zone_id
    return text_of(match.group(0)).strip()


# -- who may do what -------------------------------------------------------------------------------

WRITES = ["/phien-ban/tai-len", "/phien-ban/ban-nhap/abc/chap-nhan", "/phien-ban/ban-nhap/abc/huy",
          "/phien-ban/1/khoi-phuc", "/phien-ban/1/phe-duyet", "/versions/upload", "/versions/1/restore",
          "/versions/1/approve", "/versions/draft/abc/accept"]


@pytest.mark.parametrize("path", WRITES)
def test_anonymous_cannot_upload_accept_restore_or_approve(client, settings, path):
    token = csrf_from(client)  # a valid form token: it is the sign-in that is missing
    form = {"csrf_token": token, "confirm": "yes", "decision": "1/QĐ", "date": "01/01/2026", "body": "UBND"}
    response = client.post(path, data=form, headers=HTML)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/dang-nhap" and parse_qs(location.query)["next"] == [path]
    response = client.post(path, data=form, headers=JSON)
    assert response.status_code == 401 and response.get_json()["status"] == 401
    assert client.get("/healthz").get_json()["version"] == 1  # nothing written
    from gis_service.store import GeoPackageStore
    assert GeoPackageStore(settings.store).approvals() == []


def test_anonymous_gets_the_sign_in_page_for_the_upload_form(client):
    response = client.get("/phien-ban/tai-len", headers=HTML)
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/dang-nhap"
    assert client.get("/phien-ban/tai-len", headers=JSON).status_code == 401


def test_posts_without_the_csrf_token_are_400(signed_in):
    client = signed_in
    token = draft_token(upload(client, grown_draft()))
    for path, form in [("/phien-ban/tai-len", {"file": (io.BytesIO(grown_draft()), "a.geojson")}),
                       (f"/phien-ban/ban-nhap/{token}/chap-nhan", {}),
                       (f"/phien-ban/ban-nhap/{token}/huy", {}),
                       ("/phien-ban/1/khoi-phuc", {"confirm": "yes"}),
                       ("/phien-ban/1/phe-duyet", {"decision": "1/QĐ", "date": "01/01/2026", "body": "UBND"})]:
        response = client.post(path, data=form, headers=HTML)
        assert response.status_code == 400, path
    assert client.get("/healthz").get_json()["version"] == 1
    assert client.get(f"/phien-ban/ban-nhap/{token}", headers=HTML).status_code == 200  # still pending


# -- upload → preview → accept -----------------------------------------------------------------------

def test_upload_preview_accept_makes_a_version_whose_diff_is_half_a_hectare(signed_in, planner):
    client = signed_in
    token = draft_token(upload(client, grown_draft(), message="Giữa kỳ <b>tư vấn</b>"))
    assert client.get("/healthz").get_json()["version"] == 1  # only previewed: nothing written yet

    page = client.get(f"/phien-ban/ban-nhap/{token}", headers=HTML)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = text_of(html)
    assert "BẢN NHÁP CHƯA LƯU" in text and "ban-ve-tu-van.geojson" in text
    assert "Giữa kỳ &lt;b&gt;tư vấn&lt;/b&gt;" in html  # what the planner typed is escaped
    assert "11/13 quy tắc đạt" in text or "quy tắc đạt" in text
    assert 'id="rules"' in html and 'id="targets"' in html and 'id="areas"' in html
    assert f"+{GROWN_HA:.2f}".replace(".", ",") + " ha" in row_of(html, GROWN)  # "+0,50 ha"
    data = json.loads(re.search(r'<script type="application/json" id="draft-map-data">(.*?)</script>',
                                html, re.S).group(1))
    styles = {layer["style"]: len(layer["geojson"]["features"]) for layer in data["layers"]}
    assert styles["zones"] == len(source_zones()) and styles["added"] == 1 and styles["removed"] == 0

    response = accept(client, token)
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/phien-ban" and parse_qs(location.query)["moi"] == ["2"]
    assert client.get("/healthz").get_json()["version"] == 2
    listing = client.get(response.headers["Location"], headers=HTML).get_data(as_text=True)
    assert "Đã lưu phiên bản mới 2" in listing
    row = text_of(re.search(r'<tr id="v2".*?</tr>', listing, re.S).group(0))
    assert "Nhập bản vẽ" in row and "ban-ve-tu-van.geojson" in row and planner in row and "Bản nháp" in row
    # the token is spent
    assert client.get(f"/phien-ban/ban-nhap/{token}", headers=HTML).status_code == 404

    diff = client.get("/phien-ban/1/so-sanh/2.json").get_json()
    by_zone = {z["id"]: z for z in diff["zones"]}
    assert by_zone[GROWN]["net_ha"] == pytest.approx(GROWN_HA, abs=1e-4)
    assert by_zone[GROWN]["added_ha"] == pytest.approx(GROWN_HA, abs=1e-4)
    assert by_zone[GROWN]["removed_ha"] == pytest.approx(0, abs=1e-4)
    for zid, z in by_zone.items():
        if zid != GROWN:
            assert (z["added_ha"], z["removed_ha"], z["net_ha"], z["change"]) == (0, 0, 0, "unchanged"), zid
    assert set(by_zone) == set(source_zones())

    html = client.get("/phien-ban/1/so-sanh/2", headers=HTML).get_data(as_text=True)
    grown_row = row_of(html, GROWN)
    assert grown_row.endswith("+0,50 ha 0,00 ha +0,50 ha") and "Có thay đổi" in grown_row
    for zid in set(source_zones()) - {GROWN}:
        assert row_of(html, zid).endswith("0,00 ha 0,00 ha 0,00 ha") and "Không đổi" in row_of(html, zid)
    legend = text_of(re.search(r'<ul class="map-legend".*?</ul>', html, re.S).group(0))
    assert "Phần thêm vào" in legend and "Phần bị bỏ" in legend and "Phần không đổi" in legend
    assert client.get("/versions/1/compare/2.json").get_json() == diff  # the English alias


def test_a_bad_file_is_400_on_the_form_and_nothing_is_stored(signed_in):
    client = signed_in
    response = upload(client, b"this is not a plan", filename="hong.geojson")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="upload-error"' in html and "hong.geojson" in html
    assert "/tmp" not in html and "gis-upload" not in html  # no server path in the message
    response = upload(client, b"x", filename="ban-ve.docx")
    assert response.status_code == 400 and "định dạng không hỗ trợ" in response.get_data(as_text=True)
    response = upload(client, grown_draft(), filename="a.geojson", mapping_file=(b"columns: [", "anh-xa.yaml"))
    assert response.status_code == 400 and "anh-xa.yaml" in response.get_data(as_text=True)
    for template in ("{value.__class__}", "{n:999999999}"):  # a 500, and a gigabyte per id, before
        response = upload(client, grown_draft(), filename="a.geojson",
                          mapping_file=(f'id_template: "{template}"\n'.encode(), "anh-xa.yaml"))
        html = unescape(response.get_data(as_text=True))
        assert response.status_code == 400 and "id_template" in html and template in html, html[:2000]
    assert client.get("/healthz").get_json()["version"] == 1


def test_an_upload_over_the_limit_is_refused_on_the_form(app, signed_in):
    client = signed_in
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = upload(client, grown_draft())
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "vượt giới hạn" in html and 'id="upload-form"' in html
    assert client.get("/healthz").get_json()["version"] == 1


def test_discard_drops_the_draft(signed_in):
    client = signed_in
    token = draft_token(upload(client, grown_draft()))
    response = client.post(f"/phien-ban/ban-nhap/{token}/huy", headers=HTML,
                           data={"csrf_token": csrf_from(client, f"/phien-ban/ban-nhap/{token}")})
    assert response.status_code == 303 and "da_huy=1" in response.headers["Location"]
    assert "Đã hủy bản nháp" in client.get(response.headers["Location"], headers=HTML).get_data(as_text=True)
    assert accept(client, token).status_code == 404
    token_page = client.get(f"/phien-ban/ban-nhap/{token}", headers=HTML)
    assert token_page.status_code == 404 and "Bản nháp không còn" in token_page.get_data(as_text=True)
    assert client.get("/healthz").get_json()["version"] == 1


def test_a_draft_belongs_to_the_session_that_uploaded_it(app, signed_in, planner, settings):
    token = draft_token(upload(signed_in, grown_draft()))
    other = app.test_client()  # the same planner, signed in elsewhere
    assert sign_in(other, planner).status_code == 303
    assert other.get(f"/phien-ban/ban-nhap/{token}", headers=HTML).status_code == 404
    form = {"csrf_token": csrf_from(other, "/phien-ban/tai-len")}
    assert other.post(f"/phien-ban/ban-nhap/{token}/chap-nhan", data=form, headers=HTML).status_code == 404
    assert signed_in.get("/healthz").get_json()["version"] == 1
    assert signed_in.get(f"/phien-ban/ban-nhap/{token}", headers=HTML).status_code == 200


def test_a_preview_older_than_the_store_is_not_accepted(app, signed_in):
    client = signed_in
    token = draft_token(upload(client, grown_draft()))
    store = app.config["STORE"]
    from gis_service.store import WriteInfo
    store.restore(1, WriteInfo("restore", "someone else"))  # version 2 lands meanwhile
    response = accept(client, token)
    assert response.status_code == 409 and "upload again" in response.get_data(as_text=True)
    assert store.version() == 2


def test_pending_drafts_are_bounded_and_expire():
    from gis_service.web.pending import PendingDrafts

    now = [1000.0]
    pending = PendingDrafts(max_items=3, ttl_s=3600, clock=lambda: now[0])
    drafts = [pending.add("session-a", "an", object(), [], {}) for _ in range(4)]
    assert len(pending) == 3
    assert pending.get(drafts[0].token, "session-a", "an") is None  # the oldest made room
    assert pending.get(drafts[3].token, "session-a", "an") is drafts[3]
    assert pending.get(drafts[3].token, "session-b", "an") is None
    assert pending.get(drafts[3].token, "session-a", "binh") is None
    now[0] += 3599
    assert pending.get(drafts[3].token, "session-a", "an") is drafts[3]
    now[0] += 1
    assert pending.get(drafts[3].token, "session-a", "an") is None and len(pending) == 0


# -- restore and approve ---------------------------------------------------------------------------

def test_restore_makes_a_new_version_equal_to_the_old_one(signed_in):
    client = signed_in
    accept(client, draft_token(upload(client, grown_draft())))
    token = csrf_from(client, "/phien-ban")
    response = client.post("/phien-ban/1/khoi-phuc", data={"csrf_token": token}, headers=HTML)
    assert response.status_code == 400 and "xác nhận" in response.get_data(as_text=True)
    response = client.post("/phien-ban/1/khoi-phuc", data={"csrf_token": token, "confirm": "yes",
                                                          "message": "Quay lại bản gốc"}, headers=HTML)
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {"moi": ["3"], "tu": ["1"]}
    versions = client.get("/phien-ban.json").get_json()
    assert [v["number"] for v in versions] == [3, 2, 1]
    assert versions[0]["action_vi"] == "Khôi phục" and "Quay lại bản gốc" in versions[0]["message"]
    by_zone = {z["id"]: z for z in client.get("/phien-ban/2/so-sanh/3.json").get_json()["zones"]}
    assert by_zone[GROWN]["net_ha"] == pytest.approx(-GROWN_HA, abs=1e-4)
    assert all(z["net_ha"] == 0 for zid, z in by_zone.items() if zid != GROWN)
    assert all(z["change"] == "unchanged" for z in client.get("/phien-ban/1/so-sanh/3.json").get_json()["zones"])
    # the newest cannot be "restored" onto itself
    response = client.post("/phien-ban/3/khoi-phuc", data={"csrf_token": token, "confirm": "yes"}, headers=HTML)
    assert response.status_code == 400 and client.get("/healthz").get_json()["version"] == 3


def test_approve_records_the_decision_and_the_public_then_sees_that_version(app, signed_in):
    client = signed_in
    accept(client, draft_token(upload(client, grown_draft())))
    token = csrf_from(client, "/phien-ban")
    bad = client.post("/phien-ban/1/phe-duyet", headers=HTML, data={
        "csrf_token": token, "decision": "123/QĐ-UBND", "date": "31/02/2026", "body": "UBND tỉnh Đồng Nai"})
    assert bad.status_code == 400 and "Ngày quyết định" in bad.get_data(as_text=True)
    assert app.config["STORE"].approvals() == []

    response = client.post("/phien-ban/1/phe-duyet", headers=HTML, data={
        "csrf_token": token, "decision": "123/QĐ-UBND", "date": "23/11/2026", "body": "UBND tỉnh Đồng Nai"})
    assert response.status_code == 303
    listing = text_of(client.get(response.headers["Location"], headers=HTML).get_data(as_text=True))
    assert "Quyết định số 123/QĐ-UBND ngày 23/11/2026 của UBND tỉnh Đồng Nai" in listing
    assert "Đã phê duyệt" in listing

    public = app.test_client()
    x, y = inner_point(GROWN)
    found = public.get(f"/lookup?x={x}&y={y}").get_json()
    assert found["version"] == 1
    provenance = found["zones"][0]["provenance"]
    assert (provenance["version"], provenance["status"], provenance["decision_number"],
            provenance["decision_date"], provenance["issuing_body"]) == (
        1, "approved", "123/QĐ-UBND", "2026-11-23", "UBND tỉnh Đồng Nai")
    assert provenance["source_file"] == "catalog.yaml" and provenance["illustrative"] is True
    items = public.get("/ogcapi/collections/zones/items?f=json").get_json()["features"]
    assert {f["properties"]["version"] for f in items} == {1}
    assert {f["properties"]["decision_number"] for f in items} == {"123/QĐ-UBND"}
    # the public map says which decision; the planner's map of the newest says DRAFT, linking to 1
    public_map = text_of(public.get("/").get_data(as_text=True))
    assert "đã phê duyệt theo Quyết định số 123/QĐ-UBND ngày 23/11/2026 của UBND tỉnh Đồng Nai" in public_map
    planner_map = client.get("/").get_data(as_text=True)
    assert "BẢN NHÁP – phiên bản 2" in text_of(planner_map) and 'href="/?version=1"' in planner_map
    dashboard = text_of(client.get("/dashboard").get_data(as_text=True))
    assert "BẢN NHÁP – phiên bản 2" in dashboard and "DRAFT – version 2" in dashboard
    report = text_of(client.get("/report").get_data(as_text=True))
    assert "BẢN NHÁP – phiên bản 2" in report
    assert "Quyết định số 123/QĐ-UBND" in text_of(public.get("/dashboard").get_data(as_text=True))
    # the planner's lookup on their own draft map answers about the draft
    mine = client.get(f"/lookup?x={x}&y={y}&version=2").get_json()
    assert mine["version"] == 2 and mine["zones"][0]["provenance"]["status"] == "draft"
    assert mine["zones"][0]["provenance"]["source_file"] == "ban-ve-tu-van.geojson"


def test_anonymous_visitors_see_only_what_the_public_may_see(app, signed_in):
    client = signed_in
    accept(client, draft_token(upload(client, grown_draft())))
    public = app.test_client()
    # nothing approved: the public sees the newest, and only that
    assert [v["number"] for v in public.get("/phien-ban.json").get_json()] == [2]
    html = public.get("/phien-ban", headers=HTML).get_data(as_text=True)
    assert "khoi-phuc" not in html and "phe-duyet" not in html and "tai-len" not in html
    assert public.get("/phien-ban/1/so-sanh/2", headers=HTML).status_code == 302
    assert public.get("/phien-ban/1/so-sanh/2.json", headers=JSON).status_code == 401
    # planner approves 1: the public sees 1 (in force) and, no longer, the draft 2
    token = csrf_from(client, "/phien-ban")
    client.post("/phien-ban/1/phe-duyet", data={"csrf_token": token, "decision": "5/QĐ-UBND",
                                                "date": "2026-12-01", "body": "UBND xã Nghĩa Trung"})
    assert [v["number"] for v in public.get("/phien-ban.json").get_json()] == [1]
    asked_for_draft = text_of(public.get("/?version=2").get_data(as_text=True))
    assert "Phiên bản 1 đã phê duyệt theo Quyết định số 5/QĐ-UBND" in asked_for_draft
    assert "BẢN NHÁP" not in asked_for_draft
    # planners see everything, with the forms
    assert [v["number"] for v in client.get("/phien-ban.json").get_json()] == [2, 1]
    html = client.get("/phien-ban", headers=HTML).get_data(as_text=True)
    assert 'action="/phien-ban/1/khoi-phuc"' in html and 'action="/phien-ban/2/phe-duyet"' in html


def test_versions_page_in_vietnamese_words_and_local_time(app, signed_in, planner):
    client = signed_in
    accept(client, draft_token(upload(client, grown_draft(), message="<script>alert(1)</script>")))
    store = app.config["STORE"]
    html = client.get("/versions", headers=HTML).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = text_of(html)
    assert "Xây dựng từ layers/" in text and "Nhập bản vẽ" in text
    assert "import-plan" not in text and " build " not in text
    from datetime import datetime, timedelta
    for v in store.versions():  # UTC + 7 h, written out by hand
        local = datetime.fromisoformat(v.created_at) + timedelta(hours=7)
        assert local.strftime("%H:%M %d/%m/%Y") in text
    sha = store.versions()[-1].source_sha256
    assert f"sha256 {sha[:12]}…" in text
    assert 'href="/?version=2"' in html and 'href="/phien-ban/1/so-sanh/2"' in html


def test_dashboard_shows_each_target_across_the_versions(signed_in):
    client = signed_in
    accept(client, draft_token(upload(client, grown_draft())))
    html = client.get("/dashboard", headers=HTML).get_data(as_text=True)
    table = re.search(r'<table id="targets-history".*?</table>', html, re.S).group(0)
    assert "Phiên bản 1" in table and "Phiên bản 2" in table
    kind = source_zones()[GROWN]["kind"]
    row = re.search(rf'<tr data-rule="[^"]+" data-kind="{kind}">.*?</tr>', table, re.S).group(0)
    values = {int(n): float(v.replace(".", "").replace(",", "."))
              for n, v in re.findall(r'data-version="(\d+)">([\d.]+,\d) ha', row)}
    assert set(values) == {1, 2}
    # the kind's union grew by the rectangle (shown with one decimal: within 0.05 ha of 0.5)
    assert abs(values[2] - values[1] - GROWN_HA) <= 0.05 + 1e-9
    assert "ĐẠT" in row  # each cell says pass or fail


def test_vietnamese_numbers_dates_and_local_time():
    from gis_service.web.vi import local_time, number, signed_ha, vn_date

    assert number(1541.44) == "1.541,4" and number(1234567.891, 2) == "1.234.567,89"
    assert signed_ha(0.5) == "+0,50 ha" and signed_ha(-0.5) == "−0,50 ha"
    assert signed_ha(0.004) == "0,00 ha" and signed_ha(-0.004) == "0,00 ha"  # no sign on a rounded zero
    assert local_time("2026-11-23T17:30:00+00:00") == "00:30 24/11/2026"  # UTC+7, the next day
    assert vn_date("2026-11-23") == "23/11/2026"


def test_the_planner_map_cached_for_everyone_carries_no_planners_link(app, signed_in):
    """The map's HTML is made once per version: a planner opening it first leaves no upload link
    (nor their name) in what the public is then given; the planner gets them in their own slot."""
    from flask import url_for

    with app.test_request_context():
        link = f'href="{url_for("drafts.upload")}"'
    mine = signed_in.get("/").get_data(as_text=True)
    public = app.test_client().get("/").get_data(as_text=True)
    assert mine.count(link) == 1 and link not in public
    assert "Đăng xuất" in mine and "Đăng xuất" not in public
