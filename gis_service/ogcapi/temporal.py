"""The ``datetime`` parameter of OGC API – Features (Part 1, /req/core/fc-time-definition):
an RFC 3339 instant, or an interval of two with ``..`` (or nothing) for an open end.

The rule here, declared in the OpenAPI document: the published layers carry no time property
(a zone is valid for the whole life of the version that holds it), so a valid ``datetime``
selects every feature and an invalid one is refused with 400, naming the parameter."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from ..errors import InputError

RULE = ("Thời điểm hoặc khoảng thời gian RFC 3339 (vd. 2026-11-23T12:00:00Z, "
        "2026-01-01T00:00:00Z/.., ../2026-12-31). Các lớp không có thuộc tính thời gian: mọi đối "
        "tượng đều khớp; giá trị sai trả lỗi 400. / An RFC 3339 instant or interval (open ends "
        "'..'). The layers carry no time property: every feature matches a valid datetime; an "
        "invalid one is refused with 400.")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
OPEN = ("..", "")


def parse_datetime(value: str | None) -> tuple[datetime | None, datetime | None] | None:
    """(start, end) in UTC, either open (None); an instant gives start == end. None: not given."""
    if value is None:
        return None
    text = value.strip()
    if text in OPEN:
        raise InputError(f"datetime must be an RFC 3339 instant or interval, got {value[:60]!r}",
                         field="datetime")
    if "/" not in text:
        moment = _instant(text, value)
        return moment, moment
    parts = text.split("/")
    if len(parts) != 2 or all(p in OPEN for p in parts):
        raise InputError(f"datetime interval must be start/end with at most one open end, got "
                         f"{value[:60]!r}", field="datetime")
    start = None if parts[0] in OPEN else _instant(parts[0], value)
    end = None if parts[1] in OPEN else _instant(parts[1], value, end_of_day=True)
    if start and end and start > end:
        raise InputError(f"datetime interval ends before it starts: {value[:60]!r}", field="datetime")
    return start, end


def _instant(text: str, whole: str, end_of_day: bool = False) -> datetime:
    try:
        if _DATE_TIME.match(text):
            return datetime.fromisoformat(text.upper().replace("Z", "+00:00")).astimezone(timezone.utc)
        if _DATE.match(text):
            day = date.fromisoformat(text)
            clock = (23, 59, 59) if end_of_day else (0, 0, 0)
            return datetime(day.year, day.month, day.day, *clock, tzinfo=timezone.utc)
    except ValueError:
        pass  # e.g. 2026-02-30: the right shape, no such day
    raise InputError(f"datetime must be RFC 3339 (e.g. 2026-11-23T12:00:00Z), got {whole[:60]!r}",
                     field="datetime")
