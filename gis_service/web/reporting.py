"""The planner's report: the view model the HTML report and the dashboard share, and printing the
HTML to PDF in headless Chromium with page numbers and the illustrative mark on every page.
No Flask here."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from markupsafe import escape

from ..l10n import LayerTitles, long_day_vi
from ..periods import Period, VersionAtEnd
from .charts import targets_chart
from .plandata import ILLUSTRATIVE_MARK, PlanData, verdict
from .sources import HIDDEN, provenance_rows
from .svgmap import legend, plan_svg

#: the origin the PDF's page is served from inside Chromium (routed, never on the network)
PRINT_ORIGIN = "http://127.0.0.1:9"


def rule_rows(data: PlanData) -> list[dict]:
    """Each rule with its findings and a link to its first failure on the planner map."""
    report = data.report
    rules = []
    for o in (report.outcomes if report else []):
        findings = []
        for f in o.findings:
            zone = f.zone_ids[0] if f.zone_ids else None
            link = f"/?rule={o.rule_id}" + (f"&zone={zone}" if zone else "")
            findings.append({"passed": f.passed, "message_vi": f.message_vi, "message_en": f.message_en,
                             "link": link, "zone_ids": list(f.zone_ids)})
        first_fail = next((f for f in findings if not f["passed"]), None)
        rules.append({"rule_id": o.rule_id, "title_vi": o.title_vi, "title_en": o.title_en,
                      "passed": o.passed, "error": o.error, "findings": findings,
                      "link": (first_fail or {}).get("link") or f"/?rule={o.rule_id}"})
    return rules


def illustrative_titles(data: PlanData) -> list[tuple[str, str]]:
    """The published layers that are illustrative, by their titles."""
    return [(c.title_vi, c.title_en) for name, c in data.published.items()
            if c.illustrative and name not in HIDDEN]


def report_context(data: PlanData, *, today: date | None = None) -> dict:
    """What the dashboard and the report show of one version."""
    today = today or date.today()
    report = data.report
    catalog = data.catalog.to_dict("records")
    titles = LayerTitles.from_catalog(catalog)
    return {
        "data": data, "plan": data.plan, "report": report, "targets": data.targets,
        "chart": targets_chart(data.targets), "rules": rule_rows(data), "areas": report.areas if report else [],
        "provenance": provenance_rows(catalog, titles), "illustrative_layers": illustrative_titles(data),
        "today": today, "attribution": data.attribution, "illustrative_mark": ILLUSTRATIVE_MARK,
        "verdict": verdict, "n_failed": len(report.failed_rules) if report else None,
        "version": data.version_info, "provenance_zones": data.provenance,
    }


def period_report_context(data: PlanData, period: Period, chosen: VersionAtEnd, today: date) -> dict:
    """The report on a period: the dashboard's view model, the period, the version and why, the
    map of the first page, and the dates an administrative document carries."""
    context = report_context(data, today=today)
    context.update(
        period=period, period_vi=period.label_vi, period_en=period.label_en, chosen=chosen,
        ongoing=period.ongoing(today), place_date_vi=f"Nghĩa Trung, {long_day_vi(today)}",
        map_svg=plan_svg(data, size=720), map_legend=legend(data),
        periods=[("quarter", "Quý", "Quarter"), ("half", "6 tháng", "Half-year"), ("year", "Năm", "Year")],
        years=list(range(today.year, today.year - 6, -1)))
    return context


def print_templates(title: str, illustrative: bool) -> tuple[str, str]:
    """Chromium's header and footer on every printed page: the illustrative mark on top, the
    report's title and the page number (Trang 2/5 · Page 2 of 5) below. Inline styles are the
    only ones Chromium applies to them."""
    font = "font-family:'Noto Sans','DejaVu Sans',Arial,sans-serif;font-size:8.5pt;width:100%;"
    header = (f'<div style="{font}text-align:center;color:#6b0000;font-weight:700;padding:0 12mm">'
              f'{ILLUSTRATIVE_MARK} — dữ liệu phân vùng là minh họa, không phải quy hoạch được duyệt '
              f'<span style="font-weight:400">/ the zoning data are illustrative, not the approved plan</span>'
              f'</div>') if illustrative else f'<div style="{font}"></div>'
    footer = (f'<div style="{font}color:#333;padding:0 12mm;display:flex;justify-content:space-between;gap:4mm">'
              f'<span style="flex:1;min-width:0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis">'
              f'{escape(title)}</span><span style="white-space:nowrap">Trang <span class="pageNumber"></span>/'
              f'<span class="totalPages"></span> · Page <span class="pageNumber"></span> of <span '
              f'class="totalPages"></span></span></div>')
    return header, footer


def html_to_pdf(html: str, chromium: str, static_dir: Path, *, title: str, illustrative: bool) -> bytes:
    """Print a page of this service to A4 PDF with headless Chromium (Playwright, no browser
    download: Debian's chromium). The page is served to the browser from memory and its
    /static/ files from ``static_dir``; every other request is refused.

    Runs in its own thread: Playwright's sync API refuses a thread that has an event loop."""
    from concurrent.futures import ThreadPoolExecutor

    header, footer = print_templates(title, illustrative)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print_pdf, html, chromium, static_dir, header, footer).result(timeout=120)


def _print_pdf(html: str, chromium: str, static_dir: Path, header: str, footer: str) -> bytes:
    from playwright.sync_api import sync_playwright

    root = static_dir.resolve()

    def serve(route) -> None:
        url = route.request.url
        if url == PRINT_ORIGIN + "/":
            return route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        if url.startswith(PRINT_ORIGIN + "/static/"):
            path = (root / url[len(PRINT_ORIGIN + "/static/"):].split("?")[0]).resolve()
            if path.is_relative_to(root) and path.is_file():
                return route.fulfill(status=200, path=str(path))
        if url.startswith("data:"):
            return route.continue_()
        return route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_context().new_page()
            page.route("**/*", serve)
            page.goto(PRINT_ORIGIN + "/", wait_until="load")
            return page.pdf(format="A4", print_background=True, display_header_footer=True,
                            header_template=header, footer_template=footer,
                            margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"})
        finally:
            browser.close()
