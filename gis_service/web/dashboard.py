"""Dashboard (/dashboard) and the planner's report (/report, /report.pdf). Thin views."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, render_template, request

from .appdata import plan_data
from .reporting import html_to_pdf, report_context

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
def dashboard():
    return render_template("dashboard.html", **report_context(plan_data()))


@bp.get("/report")
def report_html():
    context = report_context(plan_data(), period=request.args.get("period", "quarter"))
    return render_template("report.html", **context)


@bp.get("/report.pdf")
def report_pdf():
    context = report_context(plan_data(), period=request.args.get("period", "quarter"))
    # printed from memory, where no link can be followed: the styles go into the page
    css = (Path(current_app.static_folder) / "css" / "pages.css").read_text(encoding="utf-8")
    pdf = html_to_pdf(render_template("report.html", for_pdf=True, inline_css=css, **context),
                      current_app.config["SETTINGS"].chromium)
    name = f"bao-cao-quy-hoach-nghia-trung-{context['period']}-{context['today']}.pdf"
    return pdf, 200, {"Content-Type": "application/pdf",
                      "Content-Disposition": f'inline; filename="{name}"'}
