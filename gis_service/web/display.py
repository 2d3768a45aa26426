"""Public display at the commune office (/display): full screen, read-only, Vietnamese with
English beside, cycles through the zones and the targets by itself. ``?slide=N`` starts the cycle
at its N-th slide (1 is the first; the office staff also step with the arrow keys). Thin view."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from ..errors import InputError
from .appdata import cached, plan_data, public_version
from .displaydata import display_payload

bp = Blueprint("display", __name__)


@bp.get("/display")
def display():
    interval = _seconds("interval", 12, 2, 600)  # time per slide
    health = _seconds("health", 5, 0.5, 600)     # how often to poll /healthz
    start = _slide()
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


def _slide() -> int:
    """The slide to start at, 1-based; the cycle wraps a number past its end."""
    raw = request.args.get("slide", "1")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 1000:
        raise InputError(f"must be a whole number from 1 to 1000, got {raw!r}", field="slide")
    return int(raw)
