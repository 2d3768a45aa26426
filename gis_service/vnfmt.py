"""Numbers and dates the way each language reads them: Vietnamese text gets 1.541,4 and
23/11/2026, English text gets 1,541.4 and 23 Nov 2026 (ISO in data). No locale database needed."""

from __future__ import annotations

from datetime import date

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def num_en(value: float, digits: int = 1) -> str:
    """1,541.4"""
    return f"{value:,.{digits}f}"


def num_vi(value: float, digits: int = 1) -> str:
    """1.541,4 (dot for thousands, comma for decimals)."""
    return num_en(value, digits).replace(",", "\0").replace(".", ",").replace("\0", ".")


def date_vi(day: date | None) -> str:
    """23/11/2026; an absent date is a dash."""
    return "—" if day is None else f"{day.day:02d}/{day.month:02d}/{day.year}"


def date_en(day: date | None) -> str:
    """23 Nov 2026; an absent date is a dash."""
    return "—" if day is None else f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def percent_target(value: float) -> str:
    """A percentage bound as a target string both languages read: '≥ 80 %', '≥ 92,5 % / 92.5 %'."""
    if float(value).is_integer():
        return f"{int(value)} %"
    return f"{num_vi(value, 1)} % / {num_en(value, 1)} %"
