"""Planner map (/) and the point lookup (/lookup, tra cứu quy hoạch). Thin views."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from .appdata import cached, plan_data
from .lookup import lookup, parse_lookup
from .plannermap import planner_map_html

bp = Blueprint("planner", __name__)


@bp.get("/")
def planner_map():
    # the whole page derives from the store: built once per store version, not per request
    html = cached("planner_html", lambda: planner_map_html(
        plan_data(), tiles_url=current_app.config["SETTINGS"].tiles_url))
    return html, 200, {"Content-Type": "text/html; charset=utf-8"}


@bp.get("/lookup")
def lookup_point():
    data = plan_data()
    return jsonify(lookup(data, parse_lookup(request.args, data.plan.crs)))
