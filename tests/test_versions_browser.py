"""The planner's version workflow in real Chromium (Debian's, via Playwright), offline: a planner
signs in, uploads a draft, previews and accepts it, compares and restores; an anonymous visitor
cannot reach the upload, accept, restore or approve. Screenshots of the versions, comparison,
upload and preview pages at 1440×900 and 390×844 go to test-artifacts/."""

from __future__ import annotations

import shutil

import pytest

from browser_helpers import ARTIFACTS, PageRecorder, browser  # noqa: F401  (fixtures)
from gis_service.accounts import Accounts
from gis_service.settings import PROJECT_ROOT, Settings
from gis_service.web.serve import BackgroundServer
from test_versions_web import GROWN, GROWN_HA, grown_draft

PLANNER, PASSWORD = "can_bo.dia-chinh", "mật-khẩu-đủ-dài 2026"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
WRITES = ["/phien-ban/tai-len", "/phien-ban/ban-nhap/abc/chap-nhan", "/phien-ban/1/khoi-phuc",
          "/phien-ban/1/phe-duyet"]


@pytest.fixture(scope="module")
def server(built_store_file, tmp_path_factory):
    """A server of its own (this module writes versions), with one planner account."""
    folder = tmp_path_factory.mktemp("versions-live")
    store = folder / "store.gpkg"
    shutil.copy2(built_store_file, store)
    settings = Settings(layers_dir=PROJECT_ROOT / "layers", store=store, users_db=folder / "users.sqlite")
    Accounts(settings.users_file).add(PLANNER, PASSWORD)
    running = BackgroundServer(settings).start()
    yield running
    running.stop()


def shot(recorder: PageRecorder, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    recorder.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def no_horizontal_overflow(page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"


def test_anonymous_cannot_reach_upload_accept_restore_or_approve(browser, server):
    rec = PageRecorder(browser, viewport=DESKTOP)
    try:
        p = rec.page
        p.goto(server.url + "/phien-ban/tai-len")
        assert p.url.startswith(server.url + "/dang-nhap?next=")
        assert p.locator("#signin-name").is_visible()
        p.goto(server.url + "/phien-ban")
        assert p.locator("h1").inner_text().startswith("Các phiên bản quy hoạch")
        assert p.locator("details.act").count() == 0 and p.locator("form.vform").count() == 0
        assert p.locator("#upload-link").count() == 0
        assert "Tải lên" not in p.locator("nav.site-nav").inner_text()
        # even a hand-made POST with a valid form token is refused: 401 without signing in
        token = p.evaluate("""async () => {
            const html = await (await fetch('/dang-nhap')).text();
            return new DOMParser().parseFromString(html, 'text/html').querySelector('[name=csrf_token]').value; }""")
        for path in WRITES:
            status = p.evaluate("""async ([path, token]) => {
                const body = new FormData(); body.append('csrf_token', token); body.append('confirm', 'yes');
                const r = await fetch(path, {method: 'POST', body, headers: {Accept: 'application/json'},
                                            redirect: 'manual'});
                return r.status; }""", [path, token])
            assert status == 401, path
        shot(rec, "versions-anonymous-1440")
        # the only console errors are the browser's notes of those four refusals
        assert [e for e in rec.console_errors if "status of 401" not in e] == []
        assert len(rec.console_errors) == len(WRITES) and rec.foreign_requests == []
    finally:
        rec.close()


def test_planner_uploads_previews_accepts_compares_and_restores(browser, server, tmp_path):
    drawing = tmp_path / "ban-ve-tu-van.geojson"
    drawing.write_bytes(grown_draft())
    rec = PageRecorder(browser, viewport=DESKTOP)
    phone = None
    try:
        p = rec.page
        p.goto(server.url + "/phien-ban")
        p.click(".account a")  # the sign-in link, coming back here
        p.fill("#signin-name", PLANNER)
        p.fill("#signin-password", PASSWORD)
        p.click("form.signin button[type=submit]")
        p.wait_for_url(server.url + "/phien-ban")
        assert PLANNER in p.locator(".account").inner_text()

        p.click("#upload-link")
        p.wait_for_url(server.url + "/phien-ban/tai-len")
        shot(rec, "upload-1440")
        no_horizontal_overflow(p)
        p.set_input_files("#upload-file", str(drawing))
        p.fill("#upload-message", "Bản vẽ tư vấn <giữa kỳ>")
        p.click("#upload-submit")
        p.wait_for_url("**/phien-ban/ban-nhap/*")
        p.wait_for_selector("#draft-map[data-ready='1']", timeout=10_000)
        preview_url = p.url
        assert "BẢN NHÁP CHƯA LƯU" in p.locator("#draft-banner").inner_text()
        assert "quy tắc đạt" in p.locator("#pass-summary").inner_text()
        assert p.locator(f"#zone-changes tr[data-zone='{GROWN}'] td.net").inner_text() == "+0,50 ha"
        assert "Bản vẽ tư vấn <giữa kỳ>" in p.locator("dl.facts").inner_text()  # shown as typed, as text
        assert p.locator("#draft-map path.leaflet-interactive").count() >= 10
        assert p.locator("#rules li.fail").count() >= 1 and p.locator("#areas tbody tr").count() >= 5
        shot(rec, "preview-1440")
        no_horizontal_overflow(p)

        phone = PageRecorder(browser, viewport=PHONE, storage_state=rec.context.storage_state())
        for path, name in [("/phien-ban/tai-len", "upload-390"), (preview_url, "preview-390")]:
            phone.page.goto(path if path.startswith("http") else server.url + path)
            if name.startswith("preview"):
                phone.page.wait_for_selector("#draft-map[data-ready='1']", timeout=10_000)
            shot(phone, name)
            no_horizontal_overflow(phone.page)

        p.click("form.accept button")
        p.wait_for_url(server.url + "/phien-ban?moi=2#v2")
        assert "Đã lưu phiên bản mới 2" in p.locator("#notice").inner_text()
        row = p.locator("tr#v2")
        assert "Nhập bản vẽ" in row.inner_text() and "ban-ve-tu-van.geojson" in row.inner_text()
        assert "Bản nháp" in row.inner_text() and row.evaluate("e => e.classList.contains('highlight')")
        p.evaluate("window.scrollTo(0, 0)")
        shot(rec, "versions-1440")
        no_horizontal_overflow(p)

        p.click("tr#v2 a.compare")
        p.wait_for_url(server.url + "/phien-ban/1/so-sanh/2")
        p.wait_for_selector("#diff-map[data-ready='1']", timeout=10_000)
        grown = p.locator(f"#zone-changes tr[data-zone='{GROWN}']")
        expected = f"+{GROWN_HA:.2f}".replace(".", ",") + " ha"
        assert grown.locator("td.added").inner_text() == expected and grown.locator("td.net").inner_text() == expected
        assert p.locator("#zone-changes td.net", has_text="+").count() == 1  # only that zone grew
        assert p.locator("#diff-map path.leaflet-interactive").count() >= 2
        shot(rec, "diff-1440")
        no_horizontal_overflow(p)

        # restore version 1 through the form: version 3, and 2 → 3 takes the rectangle away
        p.goto(server.url + "/phien-ban")
        p.click("tr#v1 details.restore summary")
        p.check("tr#v1 details.restore input[name=confirm]")
        p.click("tr#v1 details.restore button[type=submit]")
        p.wait_for_url(server.url + "/phien-ban?moi=3&tu=1#v3")
        assert "Khôi phục" in p.locator("tr#v3").inner_text()
        p.goto(server.url + "/phien-ban/2/so-sanh/3")
        p.wait_for_selector("#diff-map[data-ready='1']", timeout=10_000)
        assert p.locator(f"#zone-changes tr[data-zone='{GROWN}'] td.net").inner_text() == "−0,50 ha"
        removed = p.locator("#diff-map path.chg-removed")
        assert removed.count() == 1
        assert removed.evaluate("e => getComputedStyle(e).fill").startswith("url(")  # hatched
        assert removed.get_attribute("stroke-dasharray") == "7 5"  # and dashed
        shot(rec, "diff-removed-1440")

        for path, name in [("/phien-ban", "versions-390"), ("/phien-ban/1/so-sanh/2", "diff-390")]:
            phone.page.goto(server.url + path)
            if "so-sanh" in path:
                phone.page.wait_for_selector("#diff-map[data-ready='1']", timeout=10_000)
            shot(phone, name)
            no_horizontal_overflow(phone.page)

        # the planner map of the newest says it is a draft, with the sign-in state beside it
        p.goto(server.url + "/")
        p.wait_for_selector("body[data-ready='1']", timeout=10_000)
        assert "BẢN NHÁP – phiên bản 3" in p.locator("#version-strip").inner_text()
        assert PLANNER in p.locator("#version-strip .account").inner_text()
        shot(rec, "planner-map-draft-1440")
        for recorder in (rec, phone):
            assert recorder.console_errors == [] and recorder.foreign_requests == []
            # CSP violations: Chromium reports each one as a console error (checked above, every page);
            # the last page's own record as well
            assert recorder.csp_violations() == []
    finally:
        if phone:
            phone.close()
        rec.close()
