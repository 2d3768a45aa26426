"""A time limit for the work of one request: set when it starts, checked by the loops that can
run long (features written out, neighbours edge-matched). A thread cannot be stopped from
outside, so the work stops itself at the next check and the answer is 503. No Flask here."""

from __future__ import annotations

import time
from contextvars import ContextVar, Token

_DEADLINE: ContextVar[float | None] = ContextVar("gis_service_deadline", default=None)


class TimeLimit(Exception):
    """The request's time limit ran out (HTTP 503, try again later)."""


def start(seconds: float | None) -> Token:
    """Start a limit (a web request's); ``check()`` raises TimeLimit once ``seconds`` have
    passed, until ``end(token)``."""
    return _DEADLINE.set(None if seconds is None else time.monotonic() + seconds)


def end(token: Token) -> None:
    _DEADLINE.reset(token)


def check() -> None:
    deadline = _DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline:
        raise TimeLimit("yêu cầu vượt quá thời gian cho phép, hãy thử lại / the request took longer "
                        "than its time limit; try again later or ask for less (limit, bbox)")
