"""Numbers and dates the way each language reads them: Vietnamese text gets 1.541,4 and
23/11/2026, English text gets 1,541.4 and 23 Nov 2026 (ISO in data). The names the register's
code keeps; the formatting is the service's one locale layer (gis_service.l10n)."""

from __future__ import annotations

from datetime import date

from . import l10n


def num_en(value: float, digits: int = 1) -> str:
    """1,541.4"""
    return l10n.number(value, digits, "en")


def num_vi(value: float, digits: int = 1) -> str:
    """1.541,4 (dot for thousands, comma for decimals)."""
    return l10n.number(value, digits, "vi")


def date_vi(day: date | None) -> str:
    """23/11/2026; an absent date is a dash."""
    return l10n.day(day, "vi")


def date_en(day: date | None) -> str:
    """23 Nov 2026; an absent date is a dash."""
    return l10n.day(day, "en")


def percent_target(value: float) -> str:
    """A percentage bound as a target string both languages read: '≥ 80 %', '≥ 92,5 % / 92.5 %'."""
    if float(value).is_integer():
        return f"{int(value)} %"
    return f"{num_vi(value, 1)} % / {num_en(value, 1)} %"
