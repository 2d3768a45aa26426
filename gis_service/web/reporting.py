"""The planner's report: the view model the HTML report and the dashboard share, and printing the
HTML to PDF in headless Chromium with page numbers and the illustrative mark on every page.
No Flask here."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from markupsafe import escape

from ..l10n import LayerTitles, long_day_vi
from ..periods import Period, VersionAtEnd
from ..report import Report
from .charts import targets_chart
from .plandata import ILLUSTRATIVE_MARK, PlanData, TargetRow, verdict
from .plannermap import MAP_VIOLATIONS
from .sources import HIDDEN, provenance_rows
from .svgmap import drawn_one_by_one, grid_cell_m, legend, plan_svg

#: the report's map, its longer side in pixels
REPORT_MAP_PX = 720
#: the origin the PDF's page is served from inside Chromium (routed, never on the network)
PRINT_ORIGIN = "http://127.0.0.1:9"


#: the failing findings the report and the dashboard list at most, each rule in turn (the same
#: ones the planner map draws); every finding is in the violations file (VIOLATIONS_FILE)
LISTED_FINDINGS = MAP_VIOLATIONS
#: the single-zone hectare targets listed at most, failing first (per-kind targets always are)
LISTED_TARGETS = MAP_VIOLATIONS
#: where every finding can be downloaded (the data API's validation_findings layer)
VIOLATIONS_FILE = "/downloads/validation_findings.gpkg"


def rule_rows(data: PlanData, limit: int | None = None) -> list[dict]:
    """Each rule with its findings, failing first, and a link to its first failure on the planner
    map. At most ``limit`` failing findings are listed in all, the first of each rule in turn
    (as the map draws them); each rule says how many it lists of how many fail
    (``shown_failed``/``n_failed``). Derived once per version."""
    limit = LISTED_FINDINGS if limit is None else limit
    return data.derived(f"rule_rows:{limit}", lambda: report_rule_rows(data.report, limit))


def report_rule_rows(report: Report | None, limit: int = LISTED_FINDINGS) -> list[dict]:
    """``rule_rows`` of a report (a stored version's, or a draft's before it is kept)."""
    outcomes = report.outcomes if report else []
    failing = [[f for f in o.findings if not f.passed] for o in outcomes]
    quotas = in_turn([len(f) for f in failing], limit)
    rules = []
    for o, failed, quota in zip(outcomes, failing, quotas):
        passes = [f for f in o.findings if f.passed] if len(o.findings) <= 3 else []
        findings = [_finding(o.rule_id, f) for f in [*failed[:quota], *passes]]
        first_fail = findings[0] if quota else None
        rules.append({"rule_id": o.rule_id, "title_vi": o.title_vi, "title_en": o.title_en,
                      "passed": o.passed, "error": o.error, "findings": findings,
                      "n_findings": len(o.findings), "n_failed": len(failed), "shown_failed": quota,
                      "link": (first_fail or {}).get("link") or f"/?rule={o.rule_id}"})
    return rules


def _finding(rule_id: str, f) -> dict:
    zone = f.zone_ids[0] if f.zone_ids else None
    return {"passed": f.passed, "message_vi": f.message_vi, "message_en": f.message_en,
            "link": f"/?rule={rule_id}" + (f"&zone={zone}" if zone else ""), "zone_ids": list(f.zone_ids)}


def in_turn(counts: list[int], limit: int) -> list[int]:
    """How many of each list are taken when the first of each is taken in turn, then the second
    of each, … up to ``limit`` in all: [500, 3, 500] with 250 → [124, 3, 123]."""
    taken = [0] * len(counts)
    left = limit
    while left > 0:
        open_ = [i for i, n in enumerate(counts) if taken[i] < n]
        if not open_:
            break
        step = max(1, left // len(open_))
        for i in open_:
            more = min(step, counts[i] - taken[i], left)
            taken[i] += more
            left -= more
    return taken


def target_rows(data: PlanData, limit: int | None = None) -> tuple[list[TargetRow], dict | None]:
    """The hectare targets a page lists: every per-kind target, and of the single-zone ones
    (a parcel rule may name a million) at most ``limit``, failing first; with the counts of the
    single-zone rows when not all are listed (else None)."""
    limit = LISTED_TARGETS if limit is None else limit
    rows = data.targets
    zone_rows = [r for r in rows if r.kind is None]
    if len(zone_rows) <= limit:
        return rows, None
    failed = [r for r in zone_rows if not r.passed]
    keep = {id(r) for r in [*failed, *(r for r in zone_rows if r.passed)][:limit]}
    shown = [r for r in rows if r.kind is not None or id(r) in keep]
    shown.sort(key=lambda r: (r.kind is None, r.passed))  # per kind first, then failing zones
    return shown, {"shown": len(keep), "total": len(zone_rows), "failed": len(failed),
                   "shown_failed": min(len(failed), limit)}


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
    targets, targets_cut = target_rows(data)
    return {
        "data": data, "plan": data.plan, "report": report, "targets": targets, "targets_cut": targets_cut,
        "chart": targets_chart(targets), "rules": rule_rows(data), "areas": report.areas if report else [],
        "violations_file": VIOLATIONS_FILE,
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
        map_svg=plan_svg(data, size=REPORT_MAP_PX), map_legend=legend(data), n_zones=len(data.zones),
        map_cell_m=None if drawn_one_by_one(data) else grid_cell_m(data, REPORT_MAP_PX),
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
