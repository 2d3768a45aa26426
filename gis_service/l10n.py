"""One locale layer for the whole service (Babel): Vietnamese text with Vietnamese numbers and
dates (1.541,4 ha; 23/11/2026; 19:05 23/11/2026, local time Asia/Ho_Chi_Minh), English text with
English ones (1,541.4 ha; 23 Nov 2026; 23 Nov 2026 19:05). Layer titles and status names for
sentences, never internal ids. No Flask here: ``jinja_filters`` gives the templates the same.

Convention: a number standing once under a bilingual label ("Diện tích / Area") is written the
Vietnamese way (Vietnamese first, the pages are lang="vi"); a number in an English sentence or an
English subtitle is written the English way."""

from __future__ import annotations

import math
from datetime import date, datetime, timezone
from typing import Literal, Mapping
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

Lang = Literal["vi", "en"]
LANGS: tuple[Lang, Lang] = ("vi", "en")
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_BABEL = {"vi": "vi_VN", "en": "en"}  # with the patterns below: "23 Nov 2026", "30 Sep 2025"
_DATE = {"vi": "dd/MM/yyyy", "en": "d MMM y"}
_MOMENT = {"vi": "HH:mm dd/MM/yyyy", "en": "d MMM y HH:mm"}
#: a version's status (gis_service.versions) and a zone's ``status`` attribute, for sentences
STATUS_NAMES = {"draft": ("Bản nháp", "Draft"), "approved": ("Đã phê duyệt", "Approved"),
                "superseded": ("Đã được thay thế", "Superseded")}


def number(value: float | None, digits: int = 1, lang: Lang = "vi") -> str:
    """1541.4 → '1.541,4' (vi) or '1,541.4' (en), always ``digits`` decimals; None → '—'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    value = round(float(value), digits)
    if value == 0:
        value = 0.0  # never "-0,0"
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=_BABEL[lang], decimal_quantization=True)


def plain_decimal(text: str) -> str:
    """A number as typed, Vietnamese or English way, as Python reads it: '1.294.868,52',
    '1 294 868,52' and '1,294,868.52' → '1294868.52'; '11,85' → '11.85'. Anything else is
    returned stripped, for the caller to refuse."""
    raw = str(text).strip().replace("\u00a0", "").replace(" ", "")
    if "," in raw and "." in raw:
        decimal = "," if raw.rfind(",") > raw.rfind(".") else "."
        group = "." if decimal == "," else ","
        return raw.replace(group, "").replace(decimal, ".")
    if raw.count(",") == 1:
        return raw.replace(",", ".")
    if raw.count(",") > 1 or raw.count(".") > 1:
        return raw.replace(",", "").replace(".", "")
    return raw


def quantity(value: float | None, unit: str, digits: int = 1, lang: Lang = "vi") -> str:
    """'1.541,4 ha', '382 m', '12,5 m²'; None → '—'."""
    return "—" if value is None else f"{number(value, digits, lang)} {unit}"


def hectares(value: float | None, digits: int = 1, lang: Lang = "vi") -> str:
    return quantity(value, "ha", digits, lang)


def zone_hectares(value: float | None, lang: Lang = "vi") -> str:
    """One zone's area: 2 decimals, 4 under a hectare (a parcel of 222 m² reads 0,0222 ha, not 0,02 ha)."""
    return hectares(value, 4 if value is not None and abs(value) < 1 else 2, lang)


def bound(value: float, lang: Lang = "vi") -> str:
    """A target's bound as the plan writes it, without trailing zeros: 1000 → '1.000' / '1,000',
    0.5 → '0,5' / '0.5'."""
    digits = 0
    while digits < 6 and abs(round(value, digits) - value) > 1e-9:
        digits += 1
    return number(value, digits, lang)


def range_text(low: float | None, high: float | None, unit: str, lang: Lang = "vi") -> str:
    """'400–500 ha', '≥ 1.000 ha', '≤ 3.000 m'."""
    if low is not None and high is not None:
        return f"{bound(low, lang)}–{bound(high, lang)} {unit}"
    if low is not None:
        return f"≥ {bound(low, lang)} {unit}"
    if high is not None:
        return f"≤ {bound(high, lang)} {unit}"
    return "—"


def _as_datetime(value: datetime | date | str) -> datetime | date:
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            return datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not an ISO 8601 date or time: {value!r}") from None
    return value


def local(value: datetime | str) -> datetime:
    """A moment in local time (Asia/Ho_Chi_Minh); a naive time is taken as UTC, as the store writes."""
    moment = _as_datetime(value)
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=LOCAL_TZ)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LOCAL_TZ)


def day(value: datetime | date | str | None, lang: Lang = "vi") -> str:
    """23/11/2026 (vi) or 23 Nov 2026 (en); a moment is first put in local time."""
    if value is None or value == "":
        return "—"
    when = _as_datetime(value)
    if isinstance(when, datetime):
        when = local(when).date()
    return format_date(when, _DATE[lang], locale=_BABEL[lang])


def moment(value: datetime | str | None, lang: Lang = "vi") -> str:
    """19:05 23/11/2026 (vi) or 23 Nov 2026 19:05 (en), local time Asia/Ho_Chi_Minh."""
    if value is None or value == "":
        return "—"
    return format_datetime(local(value), _MOMENT[lang], locale=_BABEL[lang])


def long_day_vi(value: date) -> str:
    """'ngày 23 tháng 11 năm 2026', as an administrative document dates itself."""
    return f"ngày {value.day:02d} tháng {value.month:02d} năm {value.year}"


def status_name(status: str | None, lang: Lang = "vi") -> str:
    """'Bản nháp' / 'Draft' for 'draft'; an unknown status is shown as given."""
    if not status:
        return "—"
    names = STATUS_NAMES.get(str(status))
    return names[0 if lang == "vi" else 1] if names else str(status)


def both(vi: str, en: str) -> str:
    """'Vietnamese / English', the way every label of the service reads."""
    return f"{vi} / {en}"


class LayerTitles:
    """Layer titles for sentences, from the store's layer catalog: never the internal name."""

    def __init__(self, titles: Mapping[str, tuple[str, str]] | None = None) -> None:
        self._titles = dict(titles or {})

    @classmethod
    def from_catalog(cls, rows) -> "LayerTitles":
        """From the layer catalog's rows (dicts or a DataFrame with name, title_vi, title_en)."""
        records = rows.to_dict("records") if hasattr(rows, "to_dict") else list(rows)
        return cls({str(r["name"]): (str(r["title_vi"]), str(r["title_en"])) for r in records})

    def __contains__(self, name: str) -> bool:
        return name in self._titles

    def title(self, name: str, lang: Lang = "vi") -> str:
        """The layer's title; a layer the catalog does not describe is named generically."""
        found = self._titles.get(name)
        if found:
            return found[0 if lang == "vi" else 1]
        return "lớp dữ liệu khác" if lang == "vi" else "another layer"

    def as_dict(self) -> dict[str, tuple[str, str]]:
        return dict(self._titles)


def jinja_filters() -> dict:
    """The filters every template gets: ``{{ x|num(1) }}``, ``{{ x|ha(2, 'en') }}``,
    ``{{ when|day }}``, ``{{ when|moment('en') }}``, ``{{ status|status_name }}``."""
    return {"num": number, "ha": hectares, "zone_ha": zone_hectares, "qty": quantity, "day": day, "moment": moment,
            "status_name": status_name, "range_text": range_text}
