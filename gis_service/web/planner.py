"""Planner map (/) and the point lookup (/lookup, tra cứu quy hoạch). Thin views."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

from .appdata import cached, plan_data
from .lookup import lookup, parse_lookup
from .plandata import ILLUSTRATIVE_MARK, PlanData
from .plannermap import legend_rows, planner_payload

bp = Blueprint("planner", __name__)


@bp.get("/")
def planner_map():
    # the whole page derives from the store: built once per store version, not per request
    html = cached("planner_html", lambda: _page(plan_data()))
    return html, 200, {"Content-Type": "text/html; charset=utf-8"}


def _page(data: PlanData) -> str:
    report = data.report
    status = ("Chưa kiểm tra / Not validated" if report is None else
              f"{len(report.outcomes) - len(report.failed_rules)}/{len(report.outcomes)} "
              "quy tắc đạt / rules pass")
    return render_template(
        "planner.html", plan=data.plan, status=status, legend=legend_rows(data),
        illustrative_mark=ILLUSTRATIVE_MARK, attribution=data.attribution, built_at=data.built_at,
        payload=planner_payload(data, tiles_url=current_app.config["SETTINGS"].tiles_url))


@bp.get("/lookup")
def lookup_point():
    data = plan_data()
    return jsonify(lookup(data, parse_lookup(request.args, data.plan.crs)))
