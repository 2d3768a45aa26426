"""Where a shown version stands: draft, approved (the decision in force) or superseded, and what
the public may see of the history. No Flask here."""

from __future__ import annotations

from dataclasses import dataclass

from ..store import Approval, Store
from ..versions import StatusWords, in_force, published_version
from .vi import decision_en, decision_vi


@dataclass(frozen=True)
class VersionState(StatusWords):
    number: int
    newest: int
    status: str  # draft, approved, superseded
    approval: Approval | None  # the decision that approved this version (in force or superseded)
    in_force: Approval | None  # the decision in force, whichever version it approved

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def banner(self) -> bool:
        """A page showing anything but the approved plan says so in a banner."""
        return self.status != "approved"

    @property
    def banner_vi(self) -> str:
        word = "BẢN NHÁP" if self.is_draft else "ĐÃ ĐƯỢC THAY THẾ"
        return f"{word} – phiên bản {self.number}"

    @property
    def banner_en(self) -> str:
        word = "DRAFT" if self.is_draft else "SUPERSEDED"
        return f"{word} – version {self.number}"

    @property
    def approved_version(self) -> int | None:
        return self.in_force.version if self.in_force else None

    @property
    def decision_vi(self) -> str:
        return decision_vi(self.approval)

    @property
    def decision_en(self) -> str:
        return decision_en(self.approval)

    @property
    def in_force_vi(self) -> str:
        return decision_vi(self.in_force)

    @property
    def in_force_en(self) -> str:
        return decision_en(self.in_force)


def version_state(store: Store, number: int) -> VersionState:
    approvals = store.approvals()
    current = in_force(store)
    own = [a for a in approvals if a.version == number]
    status = "draft" if not own else ("approved" if current is not None and current.version == number
                                      else "superseded")
    return VersionState(number, store.version() or number, status, own[-1] if own else None, current)


def public_numbers(store: Store) -> set[int]:
    """The versions anyone may see: every version a decision approved (in force or superseded),
    and the one the public pages show (the newest while nothing is approved)."""
    numbers = {a.version for a in store.approvals()}
    shown = published_version(store)
    return numbers | ({shown} if shown is not None else set())
