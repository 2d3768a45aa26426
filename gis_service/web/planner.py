"""Planner map (/) and the point lookup (/lookup, tra cứu quy hoạch). Thin views."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from markupsafe import Markup

from .appdata import cached, page_version, plan_data, public_version, store
from .lookup import MAX_QUERY, lookup, lookup_text, parse_lookup
from .plannermap import ACCOUNT_SLOT, planner_page_context
from .versionstate import version_state

bp = Blueprint("planner", __name__)


@bp.get("/")
def planner_map():
    # the whole page derives from the store: built once per store version, not per request;
    # only the sign-in state (and the planner's links) is this request's own
    version = page_version()
    html = cached("planner_html", version, lambda: _page(version))
    html = html.replace(ACCOUNT_SLOT, render_template("_map_account.html"), 1)
    return html, 200, {"Content-Type": "text/html; charset=utf-8"}


def _page(version) -> str:
    data = plan_data(version)
    settings = current_app.config["SETTINGS"]
    context = planner_page_context(data, settings.tiles_url, settings.tile_threshold)
    context["account_slot"] = Markup(context["account_slot"])  # our own marker, replaced per request
    return render_template("planner.html", vstate=version_state(store(), data.version), **context)


@bp.get("/lookup")
def lookup_point():
    """The public (approved) version; ``version=N`` a version this visitor may see (planner.js
    names the version its map shows). ``q=`` is what a person typed in the map's lookup box: a
    point's two numbers (``crs=`` for x/y), or a zone's id or name, found as /tra-cuu finds it."""
    version = page_version() if request.args.get("version") else public_version()
    data = plan_data(version)
    if "q" in request.args:
        return jsonify(lookup_text(data, request.args["q"][:MAX_QUERY], request.args.get("crs", "")))
    return jsonify(lookup(data, parse_lookup(request.args, data.plan.crs)))
