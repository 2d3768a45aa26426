"""Planner map (/) and the point lookup (/lookup, tra cứu quy hoạch). Thin views."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from .appdata import cached, page_version, plan_data, public_version
from .lookup import lookup, parse_lookup
from .plannermap import planner_map_html

bp = Blueprint("planner", __name__)


@bp.get("/")
def planner_map():
    # the whole page derives from the store: built once per store version, not per request
    version = page_version()
    html = cached("planner_html", version, lambda: planner_map_html(
        plan_data(version), tiles_url=current_app.config["SETTINGS"].tiles_url))
    return html, 200, {"Content-Type": "text/html; charset=utf-8"}


@bp.get("/lookup")
def lookup_point():
    point = parse_lookup(request.args)
    return jsonify(lookup(plan_data(public_version()), point))
