"""Dashboard (/dashboard) and the planner's report (/report, /report.pdf) on any past quarter,
half-year or year, describing the version in force at the end of it. Thin views."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, current_app, render_template, request

from ..l10n import LOCAL_TZ
from ..periods import parse_period, version_at_end
from ..register import STATUSES
from ..vnfmt import date_vi, num_en, num_vi
from .appdata import cached, kept, page_version, plan_data, store
from .auth import current_user
from .history import HISTORY_VERSIONS, targets_history
from .registerdata import register_view
from .reporting import html_to_pdf, period_report_context, report_context
from .versionstate import public_numbers, version_state

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
def dashboard():
    data = plan_data()
    numbers = _history_versions()
    history = kept("targets_history", tuple(numbers), lambda: targets_history(store(), numbers))
    return render_template("dashboard.html", **report_context(data), vstate=version_state(store(), data.version),
                           history=history, shown=data.version,
                           history_states={n: version_state(store(), n) for n in numbers},
                           **register_context())


def _history_versions() -> list[int]:
    """The last versions this visitor may see, oldest first: every version for a planner."""
    s = store()
    numbers = [v.number for v in s.versions()] if current_user() else sorted(public_numbers(s))
    return numbers[-HISTORY_VERSIONS:]


def _report_context() -> dict:
    """The period asked for, the version in force at its end, and everything the report shows."""
    today = datetime.now(LOCAL_TZ).date()
    period = parse_period(request.args, today)
    chosen = version_at_end(store(), period, planner=current_user() is not None, today=today)
    number = chosen.version.number
    return {**period_report_context(plan_data(number), period, chosen, today),
            "vstate": version_state(store(), number), **register_context(number)}


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


def register_context(version: int | None = None) -> dict:
    """The durian register's section (shares, plots without a valid code, inspections due),
    derived once per store version (the page's version unless one is given)."""
    version = page_version() if version is None else version
    return {"register": cached("register_view", version, lambda: register_view(plan_data(version))),
            "statuses": STATUSES, "num_vi": num_vi, "num_en": num_en, "date_vi": date_vi}
