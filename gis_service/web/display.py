"""Public display at the commune office (/display): full screen, read-only, Vietnamese with
English beside, cycles through the zones and the targets by itself. ``?slide=N`` starts the cycle
at its N-th slide (1 is the first; the office staff also step with the arrow keys). Thin view."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from ..errors import InputError
from ..periods import whole_param
from .appdata import cached, plan_data, public_version
from .displaydata import display_payload

bp = Blueprint("display", __name__)


@bp.get("/display")
def display():
    interval = _seconds("interval", 12, 2, 600)  # time per slide
    health = _seconds("health", 5, 0.5, 600)     # how often to poll /healthz
    start = whole_param(request.args, "slide", 1, 1, 1000)  # 1-based; the cycle wraps past its end
    version = public_version()
    threshold = current_app.config["SETTINGS"].tile_threshold
    payload = cached("display_payload", version, lambda: display_payload(plan_data(version), threshold))
    return render_template("display.html", payload=payload, interval=interval, health=health,
                           start=start)


def _seconds(name: str, default: float, low: float, high: float) -> float:
    raw = request.args.get(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"must be a number of seconds, got {raw!r}", field=name) from None
    if not low <= value <= high:
        raise InputError(f"must be between {low:g} and {high:g} seconds, got {value:g}", field=name)
    return value
