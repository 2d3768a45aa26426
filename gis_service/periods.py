"""Reporting periods (quarter, half-year, year) in local time, and the version of the plan in force
at the end of one: the report on a past period describes the plan as it stood then. No Flask."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Mapping

from .errors import InputError, NotFound
from .l10n import LOCAL_TZ, moment
from .store import Store, Version

KINDS = ("quarter", "half", "year")
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
FIRST_YEAR = 2000


@dataclass(frozen=True)
class Period:
    kind: str       # quarter, half, year
    year: int
    index: int      # the quarter (1–4) or the half (1–2); 1 for a year
    start: date     # first day
    end: date       # the day after the last day (00:00 local time ends the period)

    @property
    def label_vi(self) -> str:
        if self.kind == "quarter":
            return f"Báo cáo quý {ROMAN[self.index]} năm {self.year}"
        if self.kind == "half":
            return f"Báo cáo 6 tháng {'đầu' if self.index == 1 else 'cuối'} năm {self.year}"
        return f"Báo cáo năm {self.year}"

    @property
    def label_en(self) -> str:
        if self.kind == "quarter":
            return f"Quarterly report, Q{self.index} {self.year}"
        if self.kind == "half":
            return f"Six-monthly report, {'first' if self.index == 1 else 'second'} half of {self.year}"
        return f"Yearly report {self.year}"

    @property
    def slug(self) -> str:
        """For file names: 2026-q3, 2026-h1, 2026."""
        return {"quarter": f"{self.year}-q{self.index}", "half": f"{self.year}-h{self.index}"}.get(
            self.kind, str(self.year))

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end.toordinal() - 1)

    @property
    def end_utc(self) -> datetime:
        """The moment the period ends (00:00 local time of ``end``), in UTC."""
        return datetime(self.end.year, self.end.month, self.end.day, tzinfo=LOCAL_TZ).astimezone(timezone.utc)

    def ongoing(self, today: date) -> bool:
        return self.end > today

    def query(self) -> dict[str, str]:
        """The query-string parameters that name this period."""
        extra = {"quarter": {"quarter": str(self.index)}, "half": {"half": str(self.index)}}.get(self.kind, {})
        return {"period": self.kind, "year": str(self.year), **extra}


def make_period(kind: str, year: int, index: int = 1) -> Period:
    if kind == "quarter":
        first = 3 * (index - 1) + 1
        start, end = date(year, first, 1), (date(year, first + 3, 1) if index < 4 else date(year + 1, 1, 1))
    elif kind == "half":
        start, end = (date(year, 1, 1), date(year, 7, 1)) if index == 1 else (date(year, 7, 1), date(year + 1, 1, 1))
    else:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    return Period(kind, year, index, start, end)


def parse_period(args: Mapping[str, str], today: date) -> Period:
    """``period=quarter|half|year`` with ``year`` and ``quarter`` (1–4) or ``half`` (1–2); what is
    left out is the period that holds ``today``. A period that has not begun is refused."""
    kind = args.get("period") or "quarter"
    if kind not in KINDS:
        raise InputError(f"period must be one of {', '.join(KINDS)}, got {kind[:40]!r}", field="period")
    year = whole_param(args, "year", today.year, FIRST_YEAR, today.year)
    index = 1
    if kind == "quarter":
        index = whole_param(args, "quarter", (today.month - 1) // 3 + 1, 1, 4)
    elif kind == "half":
        index = whole_param(args, "half", 1 if today.month <= 6 else 2, 1, 2)
    period = make_period(kind, year, index)
    if period.start > today:
        raise InputError(f"{period.label_en} has not begun yet (today is {today.isoformat()}) / "
                         "kỳ báo cáo này chưa bắt đầu", field=kind if kind != "year" else "year")
    return period


def whole_param(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """A whole-number query parameter in [low, high] (``default`` when absent), else an
    InputError naming it: the one parser of such parameters (report periods, the display's slide)."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"must be a whole number, got {raw[:40]!r}", field=name) from None
    if not low <= value <= high:
        raise InputError(f"must be between {low} and {high}, got {value}", field=name)
    return value


@dataclass(frozen=True)
class VersionAtEnd:
    """The version a period's report describes, and why that one, in both languages."""
    version: Version
    approved: bool
    why_vi: str
    why_en: str


def version_at_end(store: Store, period: Period, *, planner: bool, today: date | None = None) -> VersionAtEnd:
    """The last version created before the period ended. The public's report takes, as the public
    pages do, the version approved then when there was one (the last approval entered before the
    end); a planner's takes the last version, approved or not."""
    end = period.end_utc
    made = [v for v in store.versions() if _utc(v.created_at) < end]
    if not made:
        raise NotFound(f"no version of the plan was made before {moment(end, 'en')} (the end of "
                       f"{period.label_en}) / chưa có phiên bản nào trước khi kỳ báo cáo kết thúc")
    approvals = [a for a in store.approvals() if _utc(a.entered_at) < end]
    if period.ongoing(today or datetime.now(LOCAL_TZ).date()):
        until_vi, until_en = "đến nay", "up to now"
    else:
        until_vi = f"trước khi kỳ báo cáo kết thúc ({moment(end, 'vi')})"
        until_en = f"before the period ended ({moment(end, 'en')})"
    if approvals and not planner:
        chosen = approvals[-1]
        version = next(v for v in made if v.number == chosen.version)
        return VersionAtEnd(
            version, True,
            f"Phiên bản số {version.number}: phiên bản được phê duyệt theo {chosen.decision_number}, "
            f"còn hiệu lực {until_vi}",
            f"Version {version.number}: the version approved by {chosen.decision_number}, in force {until_en}")
    version = made[-1]
    approved = any(a.version == version.number for a in approvals)
    return VersionAtEnd(
        version, approved,
        f"Phiên bản số {version.number} (lập lúc {moment(version.created_at, 'vi')}): phiên bản cuối cùng "
        f"được lập {until_vi}",
        f"Version {version.number} (made {moment(version.created_at, 'en')}): the last version made {until_en}")


def _utc(text: str) -> datetime:
    moment_ = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment_ if moment_.tzinfo else moment_.replace(tzinfo=timezone.utc)
