"""The validation report: per rule its findings (measured, target, pass/fail, bilingual message,
geometry), and the area of each zone kind, official planar beside geodesic."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import cached_property

import geopandas as gpd
import pandas as pd
import shapely

from .rules import Finding, fmt
from .vnfmt import date_en, date_vi

FINDINGS_LAYER = "validation_findings"
#: a finding about more subjects than this (a kind's area over a million parcels) gives their
#: count in --json, not every id
MAX_LISTED_IDS = 100
#: failing findings printed per rule on the console; all of them go to --violations FILE
CONSOLE_FAILURES = 20
#: a failing finding naming more zones than this is indexed as its set of ids, not zone by zone
BROAD_FINDING = 1_000
_NONE: frozenset[int] = frozenset()
RULES_TABLE = "validation_rules"
AREAS_TABLE = "zone_areas"


@dataclass
class RuleOutcome:
    rule_id: str
    check: str
    title_vi: str
    title_en: str
    kinds: list[str]
    findings: list[Finding]
    error: str | None = None  # a check that could not run is reported, never silently passed

    @property
    def passed(self) -> bool:
        return self.error is None and all(f.passed for f in self.findings)


@dataclass
class KindArea:
    kind: str
    name_vi: str
    name_en: str
    features: int
    planar_ha: float
    geodesic_ha: float


@dataclass
class Report:
    plan_vi: str
    plan_en: str
    crs: str
    generated_at: str
    outcomes: list[RuleOutcome]
    areas: list[KindArea] = field(default_factory=list)
    reference_date: str = ""  # ISO day codes and inspections were judged on

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outcomes)

    @property
    def failed_rules(self) -> list[RuleOutcome]:
        return [o for o in self.outcomes if not o.passed]

    def outcome_key(self) -> tuple:
        """What the report says, without when it was made or the geometries' representation:
        equal keys mean a re-check found nothing new."""
        rules = tuple((o.rule_id, o.passed, o.error or "", tuple(
            (f.passed, tuple(f.zone_ids), None if f.measured is None else round(float(f.measured), 4), f.unit,
             f.target) for f in o.findings)) for o in self.outcomes)
        areas = tuple((a.kind, a.features, round(a.planar_ha, 4)) for a in self.areas)
        return rules, areas

    @property
    def pass_summary(self) -> str:
        """'11/13 quy tắc đạt / rules pass': kept in the version log with the version."""
        return f"{len(self.outcomes) - len(self.failed_rules)}/{len(self.outcomes)} quy tắc đạt / rules pass"

    def rules_for_zone(self, zone_id: str, kind: str) -> list[tuple[RuleOutcome, bool]]:
        """Each rule that concerns a zone, with whether the zone passes it."""
        failing = self.failing_outcomes(zone_id)
        return [(o, i not in failing and o.error is None) for i, o in enumerate(self.outcomes) if kind in o.kinds]

    def failing_outcomes(self, zone_id: str) -> frozenset[int]:
        """The positions in ``outcomes`` of the rules with a failing finding that names the zone:
        a lookup in an index built once per report, not a scan of every finding per zone (a
        million parcels × thousands of findings)."""
        by_zone, broad = self._zone_index
        found = by_zone.get(zone_id, _NONE)
        if broad:
            found = found | {i for zone_ids, i in broad if zone_id in zone_ids}
        return found

    @cached_property
    def _zone_index(self) -> tuple[dict[str, frozenset[int]], list[tuple[frozenset[str], int]]]:
        """Zone id → failing outcomes, from findings naming at most BROAD_FINDING zones; the
        broader ones (a kind's area over a million parcels) kept as their sets of ids, so a
        failing per-kind rule does not add an entry per parcel."""
        index: dict[str, set[int]] = {}
        broad: list[tuple[frozenset[str], int]] = []
        for i, o in enumerate(self.outcomes):
            for f in o.findings:
                if f.passed:
                    continue
                if len(f.zone_ids) > BROAD_FINDING:
                    broad.append((frozenset(f.zone_ids), i))
                    continue
                for zone_id in f.zone_ids:
                    index.setdefault(zone_id, set()).add(i)
        shared: dict[frozenset[int], frozenset[int]] = {}  # one object per distinct set of rules
        return {z: shared.setdefault(frozenset(found), frozenset(found)) for z, found in index.items()}, broad

    def to_dict(self) -> dict:
        def finding(f: Finding) -> dict:
            d = asdict(f)
            d["zone_count"] = len(f.zone_ids)
            if len(f.zone_ids) > MAX_LISTED_IDS:
                d["zone_ids"] = []
            d["geometry"] = None if f.geometry is None else shapely.to_geojson(f.geometry)
            d["geometry"] = None if d["geometry"] is None else json.loads(d["geometry"])
            return d
        return {
            "plan": {"vi": self.plan_vi, "en": self.plan_en}, "crs": self.crs,
            "generated_at": self.generated_at, "reference_date": self.reference_date, "passed": self.passed,
            "summary": {"rules": len(self.outcomes), "failed": len(self.failed_rules)},
            "areas": [asdict(a) for a in self.areas],
            "rules": [{"rule_id": o.rule_id, "check": o.check, "title_vi": o.title_vi,
                       "title_en": o.title_en, "kinds": o.kinds, "passed": o.passed, "error": o.error,
                       "findings": [finding(f) for f in o.findings]} for o in self.outcomes],
        }

    def findings_frame(self) -> gpd.GeoDataFrame:
        """Every finding as a row with its geometry (None where it has none), plan CRS."""
        rows = [{"rule_id": f.rule_id, "passed": f.passed, "zone_ids": ";".join(f.zone_ids),
                 "measured": f.measured, "unit": f.unit, "target": f.target,
                 "geodesic_ha": f.geodesic_ha, "message_vi": f.message_vi, "message_en": f.message_en,
                 "geometry": f.geometry} for o in self.outcomes for f in o.findings]
        columns = ["rule_id", "passed", "zone_ids", "measured", "unit", "target", "geodesic_ha",
                   "message_vi", "message_en", "geometry"]
        return gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry="geometry", crs=self.crs)

    def violations_frame(self) -> gpd.GeoDataFrame:
        frame = self.findings_frame()
        placed = frame.geometry.notna() & ~frame.geometry.is_empty
        return frame[~frame["passed"] & placed].reset_index(drop=True)

    # -- the store keeps the report as three tables: findings (with geometry), rules, areas --
    def to_tables(self) -> dict[str, pd.DataFrame]:
        rules = pd.DataFrame([{"rule_id": o.rule_id, "check": o.check, "title_vi": o.title_vi,
                               "title_en": o.title_en, "kinds": ";".join(o.kinds), "passed": o.passed,
                               "error": o.error or "", "plan_vi": self.plan_vi, "plan_en": self.plan_en,
                               "crs": self.crs, "generated_at": self.generated_at,
                               "reference_date": self.reference_date}
                              for o in self.outcomes])
        findings = self.findings_frame()
        findings["geometry"] = findings.geometry.apply(
            lambda g: None if g is None else _as_storable(g))
        return {FINDINGS_LAYER: findings, RULES_TABLE: rules,
                AREAS_TABLE: pd.DataFrame([asdict(a) for a in self.areas])}

    @classmethod
    def from_tables(cls, findings: gpd.GeoDataFrame, rules: pd.DataFrame, areas: pd.DataFrame) -> "Report":
        by_rule: dict[str, list[Finding]] = {}
        for row in findings.itertuples():
            by_rule.setdefault(row.rule_id, []).append(Finding(
                row.rule_id, bool(row.passed), tuple(filter(None, (row.zone_ids or "").split(";"))),
                None if pd.isna(row.measured) else float(row.measured), row.unit, row.target,
                row.message_vi, row.message_en, row.geometry,
                None if pd.isna(row.geodesic_ha) else float(row.geodesic_ha)))
        outcomes = [RuleOutcome(r.rule_id, r.check, r.title_vi, r.title_en,
                                [k for k in r.kinds.split(";") if k], by_rule.get(r.rule_id, []),
                                r.error or None) for r in rules.itertuples()]
        first = rules.iloc[0]
        return cls(first["plan_vi"], first["plan_en"], first["crs"], first["generated_at"], outcomes,
                   [KindArea(**row) for row in areas.to_dict("records")],
                   str(first.get("reference_date") or ""))


def _as_storable(geom):
    """A GeoPackage layer has one geometry type column; collections become their parts' union."""
    if geom.geom_type == "GeometryCollection":
        return shapely.union_all(shapely.get_parts(geom)) if not geom.is_empty else None
    return geom


def _day(iso: str):
    from datetime import date

    return date.fromisoformat(iso) if iso else None


def console_table(report: Report) -> str:
    """A readable table: one line per rule, then each failing finding under it."""
    lines = [f"{report.plan_vi} / {report.plan_en}",
             f"CRS {report.crs} · {report.generated_at}"
             + (f" · ngày xét mã {date_vi(day)} / codes judged on {date_en(day)}"
                if (day := _day(report.reference_date)) else ""), "",
             "Diện tích theo loại vùng / Area by zone kind (ha: planar official · geodesic)"]
    for a in report.areas:
        lines.append(f"  {a.name_vi[:48]:<48} {fmt(a.planar_ha, 1, 'vi'):>10} {fmt(a.geodesic_ha, 1, 'vi'):>10}"
                     f"  ({a.features})")
    lines += ["", f"{'Mã':<5} {'Kết quả':<9} Quy tắc / Rule"]
    for o in report.outcomes:
        mark = "ĐẠT" if o.passed else ("LỖI" if o.error else "KHÔNG ĐẠT")
        lines.append(f"{o.rule_id:<5} {mark:<9} {o.title_vi} / {o.title_en}")
        if o.error:
            lines.append(f"                ! {o.error}")
        shown = [f for f in o.findings if not f.passed or len(o.findings) <= 3]
        for f in shown[:CONSOLE_FAILURES]:
            sign = "✓" if f.passed else "✗"
            lines.append(f"                {sign} {f.message_vi}")
            lines.append(f"                  {f.message_en}")
        if len(shown) > CONSOLE_FAILURES:
            more = fmt(len(shown) - CONSOLE_FAILURES, 0)
            lines.append(f"                … và {more.replace(',', '.')} vi phạm khác; tất cả trong --violations FILE")
            lines.append(f"                  … and {more} more; all of them in --violations FILE")
    n_fail = len(report.failed_rules)
    lines += ["", f"{len(report.outcomes) - n_fail}/{len(report.outcomes)} quy tắc đạt / rules pass; "
                  f"{n_fail} không đạt / fail"]
    return "\n".join(lines)
