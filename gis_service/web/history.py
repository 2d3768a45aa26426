"""The history as the pages show it: the version list (newest first, in Vietnamese words and
local time) and each hectare target across the last versions, read from the report kept with
each version. No Flask here."""

from __future__ import annotations

from dataclasses import dataclass

from ..store import Approval, Store
from ..validate import load_report, plan_source_of
from ..versions import version_rows
from .plandata import hectare_targets
from .vi import action_en, action_vi, decision_en, decision_vi, local_time, short_sha

#: columns of the dashboard's history table
HISTORY_VERSIONS = 10


def list_rows(store: Store, visible: set[int] | None = None) -> list[dict]:
    """Every version (or only ``visible`` ones), newest first, with what the page prints; each row
    knows the version before it in the same list (for 'compare with the previous')."""
    rows = [r for r in version_rows(store) if visible is None or r["number"] in visible]
    newest = store.version()
    for i, row in enumerate(rows):
        approval = Approval(row["number"], row["decision_number"], row["decision_date"], row["issuing_body"],
                            row["approved_by"], "") if row["decision_number"] else None
        row.update(time_local=local_time(row["created_at"]), action_vi=action_vi(row["action"]),
                   action_en=action_en(row["action"]), sha_short=short_sha(row["source_sha256"]),
                   decision_vi=decision_vi(approval), decision_en=decision_en(approval),
                   previous=rows[i + 1]["number"] if i + 1 < len(rows) else None,
                   newest=row["number"] == newest)
    return rows


@dataclass(frozen=True)
class Cell:
    measured_ha: float
    passed: bool


def targets_history(store: Store, numbers: list[int]) -> dict:
    """Rows = hectare targets (rule and subject), columns = ``numbers`` (oldest first); a cell is
    the measured official hectares and pass/fail of that version's kept report, or None."""
    columns, rows = [], {}
    for col, number in enumerate(numbers):
        view = store.at(number)
        report = load_report(view)
        columns.append(number)
        if report is None:
            continue
        for t in hectare_targets(plan_source_of(view).parse(), report):
            key = (t.rule_id, t.kind or ",".join(t.zone_ids))
            row = rows.setdefault(key, {"rule_id": t.rule_id, "kind": t.kind or "", "subject_vi": t.subject_vi,
                                        "subject_en": t.subject_en, "cells": [None] * len(numbers)})
            row.update(target=t.target)  # the newest version's wording of the target
            row["cells"][col] = Cell(t.measured_ha, t.passed)
    return {"versions": columns, "rows": list(rows.values())}
