"""Dashboard (/dashboard) and the planner's report (/report, /report.pdf) on any past quarter,
half-year or year, describing the version in force at the end of it. Thin views."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, current_app, render_template, request

from ..l10n import LOCAL_TZ
from ..periods import parse_period, version_at_end
from .appdata import plan_data, store
from .auth import current_user
from .reporting import html_to_pdf, period_report_context, report_context

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
def dashboard():
    return render_template("dashboard.html", **report_context(plan_data()))


def _report_context() -> dict:
    today = datetime.now(LOCAL_TZ).date()
    period = parse_period(request.args, today)
    chosen = version_at_end(store(), period, planner=current_user() is not None, today=today)
    return period_report_context(plan_data(chosen.version.number), period, chosen, today)


@bp.get("/report")
def report_html():
    context = _report_context()
    return render_template("report.html", pdf_query=urlencode(context["period"].query()), **context)


@bp.get("/report.pdf")
def report_pdf():
    context = _report_context()
    html = render_template("report.html", for_pdf=True, **context)
    title = f"{context['period_vi']} — {context['plan'].name_vi}"
    pdf = html_to_pdf(html, current_app.config["SETTINGS"].chromium, Path(current_app.static_folder),
                      title=title, illustrative=bool(context["illustrative_layers"]))
    name = f"bao-cao-quy-hoach-nghia-trung-{context['period'].slug}-v{context['chosen'].version.number}.pdf"
    return pdf, 200, {"Content-Type": "application/pdf",
                      "Content-Disposition": f'inline; filename="{name}"'}
