"""Dashboard (/dashboard) and the planner's report (/report, /report.pdf). Thin views."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from ..register import STATUSES
from ..vnfmt import date_vi, num_en, num_vi
from .appdata import cached, page_version, plan_data
from .registerdata import register_view
from .reporting import html_to_pdf, report_context

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
def dashboard():
    return render_template("dashboard.html", **report_context(plan_data()), **register_context())


@bp.get("/report")
def report_html():
    context = report_context(plan_data(), period=request.args.get("period", "quarter"))
    return render_template("report.html", **context, **register_context())


@bp.get("/report.pdf")
def report_pdf():
    context = report_context(plan_data(), period=request.args.get("period", "quarter"))
    pdf = html_to_pdf(render_template("report.html", for_pdf=True, **context, **register_context()),
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
