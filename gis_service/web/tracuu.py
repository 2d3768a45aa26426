"""Tra cứu quy hoạch / the lookup page (/tra-cuu): a form for a VN-2000 x/y (EPSG:5899 or 9212),
a longitude/latitude, or a zone's id or name; the answer a person reads: the zone, its land-use
code, hectares, the target of its kind, its rules and where the data come from. /lookup stays
the JSON answer for programs. Thin view over ``lookup`` and ``plandata``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, request

from ..crs import PLAN_CRSS
from ..errors import InputError
from ..l10n import plain_decimal
from .appdata import page_version, plan_data
from .lookup import MAX_QUERY, lookup, match_messages, parse_lookup, search_zones
from .plandata import ILLUSTRATIVE_MARK, PlanData, ZoneSummary
from .svgmap import plan_svg

bp = Blueprint("tracuu", __name__)
COORDINATE_FIELDS = ("x", "y", "lon", "lat")


@dataclass
class Answer:
    """What the page shows below the form."""
    zones: list[ZoneSummary]
    message_vi: str = ""
    message_en: str = ""
    point: dict | None = None       # the /lookup answer of a point (its coordinates in both CRSs)
    remaining: dict | None = None    # the point lies on the remaining land
    total: int | None = None         # a search by id or name: how many zones match (``zones`` lists the first)


@bp.get("/tra-cuu")
def lookup_page():
    data = plan_data(page_version())
    form = {k: request.args.get(k, "")[:MAX_QUERY] for k in ("x", "y", "crs", "lon", "lat", "q")}
    answer, error, status = None, None, 200
    try:
        answer = _answer(data, form)
    except InputError as err:
        error, status = str(err), 400
    highlight = answer.zones[0].id if answer and len(answer.zones) == 1 else None
    point = (answer.point["plan_x"], answer.point["plan_y"]) if answer and answer.point else None
    map_svg = plan_svg(data, size=560, highlight=highlight, point=point,
                       title="Vị trí tra cứu / The place looked up") if answer else None
    return render_template("tra_cuu.html", data=data, form=form, answer=answer, error=error,
                           map_svg=map_svg, crss=PLAN_CRSS, illustrative_mark=ILLUSTRATIVE_MARK,
                           provenance=data.provenance), status


def _answer(data: PlanData, form: dict[str, str]) -> Answer | None:
    if form["q"].strip():
        return _by_name(data, form["q"])
    given = {k: plain_decimal(form[k]) for k in COORDINATE_FIELDS if form[k].strip()}
    if not given:
        if any(form[k] for k in COORDINATE_FIELDS):
            raise InputError("give both numbers of the point / nhập đủ hai số của điểm", field="x")
        return None
    if form["crs"] and ("x" in given or "y" in given):
        given["crs"] = form["crs"]
    result = lookup(data, parse_lookup(given))
    zones = [data.zone(z["id"]) for z in result["zones"] if z["id"]]
    remaining = next((z for z in result["zones"] if z["id"] is None), None)
    return Answer(zones, result["message_vi"], result["message_en"], result, remaining)


def _by_name(data: PlanData, query: str) -> Answer:
    found = search_zones(data, query)
    return Answer(found.zones, *match_messages(query, found.total, len(found.zones)), total=found.total)
