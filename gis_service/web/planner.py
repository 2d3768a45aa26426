"""Planner map (/) and the point lookup (/lookup, tra cứu quy hoạch). Thin views."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

from .appdata import cached, page_version, plan_data, public_version
from .lookup import lookup, parse_lookup
from .plannermap import ACCOUNT_SLOT, planner_map_html

bp = Blueprint("planner", __name__)


@bp.get("/")
def planner_map():
    # the whole page derives from the store: built once per store version, not per request;
    # only the sign-in state (and the planner's links) is this request's own
    version = page_version()
    html = cached("planner_html", version, lambda: planner_map_html(
        plan_data(version), tiles_url=current_app.config["SETTINGS"].tiles_url))
    html = html.replace(ACCOUNT_SLOT, render_template("_map_account.html"), 1)
    return html, 200, {"Content-Type": "text/html; charset=utf-8"}


@bp.get("/lookup")
def lookup_point():
    """The public (approved) version; ``version=N`` a version this visitor may see (planner.js
    names the version its map shows)."""
    point = parse_lookup(request.args)
    version = page_version() if request.args.get("version") else public_version()
    return jsonify(lookup(plan_data(version), point))
