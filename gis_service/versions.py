"""The life of a version: draft → approved (a decision: number, date, issuing body, entered by a
planner) → superseded by a later approval. The public sees the approved version when there is
one; planners see the newest as well. No Flask here."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone

from .errors import InputError
from .l10n import STATUS_NAMES as STATUS
from .store import Approval, Store, StoreView

MAX_TEXT = 200


def in_force(store: Store) -> Approval | None:
    """The approval in force: the last one entered (each later approval supersedes the earlier)."""
    approvals = store.approvals()
    return approvals[-1] if approvals else None


def published_version(store: Store) -> int | None:
    """What the public sees: the approved version when there is one, else the newest."""
    approval = in_force(store)
    return approval.version if approval else store.version()


def status_of(store: Store, number: int) -> tuple[str, Approval | None]:
    """A version's status and the approval that gave it (if any)."""
    approvals = [a for a in store.approvals() if a.version == number]
    if not approvals:
        return "draft", None
    current = in_force(store)
    if current is not None and current.version == number:
        return "approved", current
    return "superseded", approvals[-1]


def version_rows(store: Store) -> list[dict]:
    """Every version, newest first, with its status and decision, ready to print or show."""
    approvals = store.approvals()
    current = approvals[-1] if approvals else None
    by_version = {a.version: a for a in approvals}
    rows = []
    for v in reversed(store.versions()):
        approval = by_version.get(v.number)
        status = "draft" if approval is None else ("approved" if approval is current else "superseded")
        row = asdict(v)
        row.update(status=status, status_vi=STATUS[status][0], status_en=STATUS[status][1],
                   decision_number=approval.decision_number if approval else "",
                   decision_date=approval.decision_date if approval else "",
                   issuing_body=approval.issuing_body if approval else "",
                   approved_by=approval.entered_by if approval else "")
        rows.append(row)
    return rows


def approve(store: Store, number: int, decision: str, decision_date: str, body: str, user: str) -> Approval:
    """Record the decision approving version ``number``; it supersedes any earlier approval."""
    decision, body = _text(decision, "decision"), _text(body, "body")
    approval = Approval(number, decision, parse_date(decision_date, "date").isoformat(), body, user,
                        datetime.now(timezone.utc).isoformat(timespec="seconds"))
    versions = {v.number for v in store.versions()}
    if number not in versions:
        raise InputError(f"there is no version {number}; the store has {min(versions, default=0)}–"
                         f"{max(versions, default=0)}", field="version")
    store.approve(approval)
    return approval


def parse_date(raw: str, field: str) -> date:
    """A decision date as Vietnamese write it (23/11/2026) or ISO (2026-11-23)."""
    raw = (raw or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise InputError(f"not a date: {raw!r}; write dd/mm/yyyy (23/11/2026) / ngày không hợp lệ", field=field)


def _text(raw: str, field: str) -> str:
    value = " ".join((raw or "").split())
    if not value:
        raise InputError("must not be empty / không được để trống", field=field)
    if len(value) > MAX_TEXT:
        raise InputError(f"at most {MAX_TEXT} characters / tối đa {MAX_TEXT} ký tự", field=field)
    return value


class StatusWords:
    """A version's status in words, for anything with a ``status`` field."""
    status: str

    @property
    def status_vi(self) -> str:
        return STATUS[self.status][0]

    @property
    def status_en(self) -> str:
        return STATUS[self.status][1]


@dataclass(frozen=True)
class Provenance(StatusWords):
    """Where a published zone comes from: the version shown, the version (and file) that brought
    the zones, its status and, when approved, the decision."""
    version: int
    zones_version: int
    source_file: str
    source_sha256: str
    status: str  # draft, approved, superseded
    decision_number: str
    decision_date: str
    issuing_body: str
    illustrative: bool

    def as_properties(self) -> dict:
        """The fields the data API and the lookup add to each zone."""
        return {"version": self.version, "zones_version": self.zones_version,
                "source_file": self.source_file, "source_sha256": self.source_sha256,
                "status": self.status, "decision_number": self.decision_number,
                "decision_date": self.decision_date, "issuing_body": self.issuing_body}


def zones_provenance(view: StoreView, illustrative: bool) -> Provenance:
    """The provenance of the zones a version holds."""
    origin = view.origin("zones")
    status, approval = status_of(view.store, view.number)
    return Provenance(view.number, origin.number, origin.source_file, origin.source_sha256, status,
                      approval.decision_number if approval else "",
                      approval.decision_date if approval else "",
                      approval.issuing_body if approval else "", illustrative)
