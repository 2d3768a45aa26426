"""Public display at the commune office (/display): full screen, read-only, Vietnamese with
English beside, cycles through the zones and the targets by itself. Thin view."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ..errors import InputError
from .appdata import plan_data
from .displaydata import display_payload

bp = Blueprint("display", __name__)


@bp.get("/display")
def display():
    seconds = request.args.get("interval", "12")
    try:
        interval = float(seconds)
    except ValueError:
        raise InputError(f"must be a number of seconds, got {seconds!r}", field="interval") from None
    if not 2 <= interval <= 600:
        raise InputError(f"must be between 2 and 600 seconds, got {interval:g}", field="interval")
    return render_template("display.html", payload=display_payload(plan_data()), interval=interval)
