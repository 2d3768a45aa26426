"""What a published zone says beside its own hectares: the area target of its kind (the plan's
'per kind' area rule), the kind's measured area against it, pass or fail, and the rules the zone
fails. Read from the report kept with the version; no Flask here."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from .plan import parse_params
from .report import Report
from .validate import load_report, plan_source_of

#: the columns added to the zones, in this order
COLUMNS = ("kind_target", "kind_area_ha", "kind_passed", "rules_failed")


@dataclass(frozen=True)
class KindTarget:
    rule_id: str
    target: str          # as the report writes it: '400–500 ha'
    measured_ha: float   # the kind's official (planar) area: the union of its zones
    passed: bool


def kind_targets(report: Report, plan) -> dict[str, KindTarget]:
    """Each zone kind's area target, from the findings of the plan's per-kind area rules."""
    rules = {r.id: r for r in plan.rules}
    out: dict[str, KindTarget] = {}
    for outcome in report.outcomes:
        rule = rules.get(outcome.rule_id)
        if outcome.check != "area" or rule is None or parse_params(rule).per != "kind":
            continue
        area_findings = [f for f in outcome.findings if f.unit == "ha"]
        for kind, f in zip(outcome.kinds, area_findings):  # one finding per kind, in order
            out.setdefault(kind, KindTarget(outcome.rule_id, f.target, float(f.measured or 0.0), f.passed))
    return out


@dataclass(frozen=True, eq=False)
class ZoneExtras:
    """What the published zones say beside their own columns, read once per version: the kinds'
    targets and the report (whose zone → failing rules index is built once). ``apply`` adds
    ``COLUMNS`` to any rows of the zones: the whole layer for a download, one page for the API."""
    report: Report | None
    targets: dict[str, KindTarget]
    #: (kind, failing rules) → their ids joined: held by this instance, so it goes with its version
    # (functools.cache on the method kept every version's instance, and its report, for ever)
    _joined_cache: dict = field(default_factory=dict, repr=False)

    def apply(self, zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """``zones`` (a copy) with the columns of ``COLUMNS``; empty when the version has no report."""
        zones = zones.copy()
        if self.report is None:
            zones["kind_target"], zones["kind_area_ha"] = None, float("nan")
            zones["kind_passed"] = pd.array([None] * len(zones), dtype="boolean")
            zones["rules_failed"] = ""
            return zones
        found = [self.targets.get(kind) for kind in zones["kind"]]
        zones["kind_target"] = [t.target if t else None for t in found]
        zones["kind_area_ha"] = [round(t.measured_ha, 4) if t else None for t in found]
        zones["kind_passed"] = pd.array([t.passed if t else None for t in found], dtype="boolean")
        zones["rules_failed"] = [self.rules_failed(z, k) for z, k in zip(zones["id"], zones["kind"])]
        return zones

    def rules_failed(self, zone_id: str, kind: str) -> str:
        """The ids of the rules a zone fails, ';'-separated (``Report.rules_for_zone``)."""
        return self._joined(kind, self.report.failing_outcomes(zone_id))

    def _joined(self, kind: str, failing: frozenset[int]) -> str:
        key = (kind, failing)
        if key not in self._joined_cache:
            self._joined_cache[key] = ";".join(o.rule_id for i, o in enumerate(self.report.outcomes)
                                               if kind in o.kinds and (i in failing or o.error is not None))
        return self._joined_cache[key]


def zone_extras(view) -> ZoneExtras:
    """The report and kind targets of a version (a store view), read once."""
    report = load_report(view)
    if report is None:
        return ZoneExtras(None, {})
    return ZoneExtras(report, kind_targets(report, plan_source_of(view).parse()))


def with_targets(zones: gpd.GeoDataFrame, view) -> gpd.GeoDataFrame:
    """``zones`` (a copy) with the columns of ``COLUMNS``; empty when the version has no report."""
    return zone_extras(view).apply(zones)
