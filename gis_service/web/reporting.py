"""The planner's report: the reporting period, the view model the HTML report and the dashboard
share, and printing the HTML to PDF in headless Chromium. No Flask here."""

from __future__ import annotations

from datetime import date

from ..errors import InputError
from .charts import targets_chart
from .plandata import ILLUSTRATIVE_MARK, PlanData, verdict

PERIODS = ("quarter", "half", "year")
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def period_label(period: str, today: date) -> tuple[str, str]:
    """The report's period in Vietnamese and English: 'Quý IV năm 2026' / 'Q4 2026'."""
    if period not in PERIODS:
        raise InputError(f"period must be one of {', '.join(PERIODS)}, got {period!r}", field="period")
    y = today.year
    if period == "quarter":
        q = (today.month - 1) // 3 + 1
        return f"Báo cáo quý {ROMAN[q]} năm {y}", f"Quarterly report, Q{q} {y}"
    if period == "half":
        first = today.month <= 6
        return (f"Báo cáo 6 tháng {'đầu' if first else 'cuối'} năm {y}",
                f"Six-monthly report, {'first' if first else 'second'} half of {y}")
    return f"Báo cáo năm {y}", f"Yearly report {y}"


def report_context(data: PlanData, *, period: str = "quarter", today: date | None = None) -> dict:
    today = today or date.today()
    title_vi, title_en = period_label(period, today)
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
    illustrative = data.catalog[data.catalog["illustrative"].astype(bool)]
    return {
        "data": data, "plan": data.plan, "report": report, "targets": data.targets,
        "chart": targets_chart(data.targets), "rules": rules, "areas": report.areas if report else [],
        "catalog": data.catalog.to_dict("records"), "illustrative_layers": illustrative["name"].tolist(),
        "period": period, "period_vi": title_vi, "period_en": title_en, "today": today.isoformat(),
        "attribution": data.attribution, "illustrative_mark": ILLUSTRATIVE_MARK, "verdict": verdict,
        "n_failed": len(report.failed_rules) if report else None,
    }


def html_to_pdf(html: str, chromium: str) -> bytes:
    """Print a self-contained HTML page to A4 PDF with headless Chromium (Playwright, no
    browser download: Debian's chromium). Every request to another host is refused.

    Runs in its own thread: Playwright's sync API refuses a thread that has an event loop."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print_pdf, html, chromium).result(timeout=120)


def _print_pdf(html: str, chromium: str) -> bytes:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_context().new_page()
            page.route("**/*", lambda route: route.abort() if not route.request.url.startswith(
                ("data:", "about:")) else route.continue_())
            page.set_content(html, wait_until="load")
            return page.pdf(format="A4", print_background=True,
                            margin={"top": "14mm", "bottom": "14mm", "left": "12mm", "right": "12mm"})
        finally:
            browser.close()
