"""Dashboard (/dashboard) and the planner's report (/report, /report.pdf). Thin views."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, render_template, request

from ..register import STATUSES
from ..vnfmt import date_vi, num_en, num_vi
from .appdata import cached, kept, page_version, plan_data, store
from .auth import current_user
from .history import HISTORY_VERSIONS, targets_history
from .registerdata import register_view
from .reporting import html_to_pdf, report_context
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


@bp.get("/report")
def report_html():
    data = plan_data()
    context = report_context(data, period=request.args.get("period", "quarter"))
    return render_template("report.html", vstate=version_state(store(), data.version), **context,
                           **register_context())


@bp.get("/report.pdf")
def report_pdf():
    data = plan_data()
    context = report_context(data, period=request.args.get("period", "quarter"))
    # printed from memory, where no link can be followed: the styles go into the page
    css = (Path(current_app.static_folder) / "css" / "pages.css").read_text(encoding="utf-8")
    pdf = html_to_pdf(render_template("report.html", for_pdf=True, inline_css=css,
                                      vstate=version_state(store(), data.version),
                                      **context, **register_context()),
                      current_app.config["SETTINGS"].chromium)
    name = f"bao-cao-quy-hoach-nghia-trung-{context['period']}-{context['today']}.pdf"
    return pdf, 200, {"Content-Type": "application/pdf",
                      "Content-Disposition": f'inline; filename="{name}"'}


def register_context() -> dict:
    """The durian register's section (shares, plots without a valid code, inspections due),
    derived once per store version."""
    version = page_version()
    return {"register": cached("register_view", version, lambda: register_view(plan_data(version))),
            "statuses": STATUSES, "num_vi": num_vi, "num_en": num_en, "date_vi": date_vi}
