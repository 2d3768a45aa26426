"""What the pages show, read from the store and the plan: zones with their area, target and rule
status, the hectare targets, the violations, the layer catalog. No Flask here."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Callable, TypeVar

import geopandas as gpd
import pandas as pd
import shapely

from ..errors import NotFound
from ..catalog import ILLUSTRATIVE_MARK
from ..ogcapi.collections import Collection, collections
from ..plan import Plan, parse_params
from ..report import Report
from ..l10n import hectares, status_name, zone_hectares
from ..store import CATALOG_TABLE, Store, StoreView, Version
from ..validate import (BOUNDARY_LAYER, REMAINING_LAYER, REPAIRED_LAYER, ZONES_LAYER, load_report,
                        plan_source_of)
from ..versions import Provenance, zones_provenance
from .vi import decision_en, decision_vi

T = TypeVar("T")


@dataclass
class ZoneSummary:
    id: str
    kind: str
    kind_vi: str
    kind_en: str
    name_vi: str
    name_en: str
    landuse: str
    status: str
    color: str
    illustrative: bool
    provenance: "Provenance"
    area_ha: float           # official: planar in the plan CRS
    geodesic_ha: float
    kind_target: "TargetRow | None"
    rules: list[dict] = field(default_factory=list)  # rule_id, title_vi, title_en, passed

    @property
    def passed(self) -> bool:
        return all(r["passed"] for r in self.rules)

    @property
    def status_vi(self) -> str:
        return status_name(self.status, "vi")

    @property
    def status_en(self) -> str:
        return status_name(self.status, "en")

    def to_json(self) -> dict:
        """The zone as the lookup and the planner map's popups give it (plain JSON: the page
        sets every text as text); the hectares also written as the report writes them."""
        target = self.kind_target
        return {
            "id": self.id, "kind": self.kind, "kind_vi": self.kind_vi, "kind_en": self.kind_en,
            "name_vi": self.name_vi, "name_en": self.name_en, "landuse": self.landuse,
            "status": self.status, "status_text": f"{self.status_vi} / {self.status_en}",
            "color": self.color,
            "area_ha": round(self.area_ha, 4), "geodesic_ha": round(self.geodesic_ha, 4),
            "area_text": zone_hectares(self.area_ha), "geodesic_text": zone_hectares(self.geodesic_ha),
            "kind_target": None if target is None else {
                "rule_id": target.rule_id, "measured_ha": round(target.measured_ha, 4),
                "measured_text": ha(target.measured_ha, 2), "target": target.target,
                "passed": target.passed},
            "rules": self.rules, "passed": self.passed, "illustrative": self.illustrative,
            "provenance": provenance_json(self.provenance),
        }


def provenance_json(p: Provenance) -> dict:
    """Where the answer comes from: version, source file and checksum, status and decision (its
    words in both languages, for a page that sets them as text)."""
    approved = p.status == "approved"
    return {**p.as_properties(), "status_vi": p.status_vi, "status_en": p.status_en,
            "illustrative": p.illustrative, "decision_vi": decision_vi(p) if approved else "",
            "decision_en": decision_en(p) if approved else ""}


#: a target on at most this many zones names each of them
NAMED_ZONES = 5


@dataclass
class TargetRow:
    """One hectare target: measured (official planar ha) against the target, pass or fail."""
    rule_id: str
    title_vi: str
    title_en: str
    subject_vi: str
    subject_en: str
    kind: str | None
    zone_ids: list[str]
    measured_ha: float
    geodesic_ha: float | None
    target: str
    min_ha: float | None
    max_ha: float | None
    passed: bool


@dataclass
class PlanData:
    """Everything the pages need, read from the store and the plan file once per store version
    (``appdata.plan_data``) and shared by the requests: what it returns must not be changed."""

    plan: Plan
    store: StoreView  # pinned to the version shown: reads never mix two versions
    report: Report | None
    catalog: pd.DataFrame
    version_info: Version
    _layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict, repr=False)
    _derived: dict[str, object] = field(default_factory=dict, repr=False)

    def layer(self, name: str) -> gpd.GeoDataFrame:
        """A store layer, read on first use and kept (do not modify it: copy or ``assign``)."""
        if name not in self._layers:
            self._layers[name] = self.store.read_layer(name)
        return self._layers[name]

    def derived(self, key: str, build: Callable[[], T]) -> T:
        """A value derived from this version once (e.g. the search's folded names) and kept with it."""
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]  # type: ignore[return-value]

    @cached_property
    def boundary(self):
        """The commune, one geometry in the plan CRS."""
        return shapely.union_all(self.layer(BOUNDARY_LAYER).geometry.values)

    @property
    def version(self) -> int:
        return self.version_info.number

    @cached_property
    def zones(self) -> gpd.GeoDataFrame:
        """Zones as measured when the version was written: repaired copies where invalid, with
        their official area_ha and geodesic_ha."""
        return self.layer(REPAIRED_LAYER)

    @cached_property
    def provenance(self) -> Provenance:
        return zones_provenance(self.store, self.is_illustrative(ZONES_LAYER))

    @cached_property
    def attribution(self) -> str:
        """The credits of the layers, from the catalog, each once, in catalog order."""
        credits = [a for a in self.catalog.get("attribution", pd.Series(dtype=str)).fillna("") if a]
        return " · ".join(dict.fromkeys(credits))

    @cached_property
    def built_at(self) -> str:
        return str(self.catalog["built_at"].iloc[0]) if len(self.catalog) else ""

    @cached_property
    def published(self) -> dict[str, Collection]:
        """Each published layer's titles and illustrative flag, as the data API gives them."""
        return collections(self.store)

    def is_illustrative(self, layer: str) -> bool:
        found = self.published.get(layer)
        return bool(found and found.illustrative)

    def layer_title(self, layer: str) -> tuple[str, str]:
        found = self.published.get(layer)
        return (found.title_vi, found.title_en) if found else (layer, layer)

    @cached_property
    def targets(self) -> list[TargetRow]:
        """The hectare targets; a target on a few zones names them (the zones' names beside
        their ids), not by ids alone."""
        rows = hectare_targets(self.plan, self.report) if self.report else []
        few = {z for r in rows if r.kind is None and len(r.zone_ids) <= NAMED_ZONES for z in r.zone_ids}
        if not few:
            return rows
        zones = self.zones
        names = dict(zip(zones["id"], zip(zones["name_vi"], zones["name_en"])))
        return [replace(r, subject_vi="; ".join(_named(z, names, 0) for z in r.zone_ids),
                        subject_en="; ".join(_named(z, names, 1) for z in r.zone_ids))
                if r.kind is None and len(r.zone_ids) <= NAMED_ZONES else r for r in rows]

    @cached_property
    def zone_summaries(self) -> list[ZoneSummary]:
        return self._summaries(self.zones)

    def zone_summaries_of(self, ids) -> list[ZoneSummary]:
        """The summaries of these zones only, in the zones' order: a page or a lookup about a few
        of a million parcels does not summarise them all."""
        if "zone_summaries" in self.__dict__:
            wanted = set(ids)
            return [z for z in self.zone_summaries if z.id in wanted]
        return self._summaries(self.zones[self.zones["id"].isin(list(ids))])

    def zone_summaries_at(self, positions) -> list[ZoneSummary]:
        """The summaries of the zones at these row positions, in the order given."""
        if "zone_summaries" in self.__dict__:
            return [self.zone_summaries[i] for i in positions]
        return self._summaries(self.zones.iloc[list(positions)])

    def _summaries(self, zones: gpd.GeoDataFrame) -> list[ZoneSummary]:
        by_kind = {t.kind: t for t in self.targets if t.kind}
        out = []
        for row in zones.itertuples():
            spec = self.plan.zone_kinds[row.kind]
            rules = []
            if self.report:
                rules = [{"rule_id": o.rule_id, "title_vi": o.title_vi, "title_en": o.title_en,
                          "passed": ok} for o, ok in self.report.rules_for_zone(row.id, row.kind)]
            out.append(ZoneSummary(
                row.id, row.kind, spec.name_vi, spec.name_en, row.name_vi, row.name_en,
                row.landuse.replace(";", ", "), row.status, spec.color, bool(row.illustrative),
                self.provenance, float(row.area_ha), float(row.geodesic_ha), by_kind.get(row.kind), rules))
        return out

    def zone(self, zone_id: str) -> ZoneSummary:
        found = self.zone_summaries_of([zone_id])
        if not found:
            raise NotFound(f"zone {zone_id!r} is not in the plan")
        return found[0]

    def violations(self) -> gpd.GeoDataFrame:
        if self.report is None:
            return gpd.GeoDataFrame({"rule_id": []}, geometry=[], crs=self.plan.crs)
        frame = self.report.violations_frame()
        titles = {o.rule_id: (o.title_vi, o.title_en) for o in self.report.outcomes}
        frame["title_vi"] = [titles[r][0] for r in frame["rule_id"]]
        frame["title_en"] = [titles[r][1] for r in frame["rule_id"]]
        return frame


def _named(zone_id: str, names: dict, lang: int) -> str:
    """'CNC-01 · Khu nông nghiệp công nghệ cao' (the id alone when the zone has no name)."""
    name = names.get(zone_id, ("", ""))[lang]
    return f"{zone_id} · {name}" if isinstance(name, str) and name.strip() else zone_id


def load_plan_data(store: Store, version: int) -> PlanData:
    """What the pages show of one version: its plan file, report and catalog, never layers/."""
    view = store.at(version)
    return PlanData(plan_source_of(view).parse(), view, load_report(view), view.read_table(CATALOG_TABLE),
                    view.info())


def hectare_targets(plan: Plan, report: Report) -> list[TargetRow]:
    """The findings of every area rule: per kind (the targets) and any failing single zone."""
    rules = {r.id: r for r in plan.rules}
    rows = []
    for outcome in report.outcomes:
        rule = rules.get(outcome.rule_id)
        if outcome.check != "area" or rule is None:
            continue
        params = parse_params(rule)
        per_kind = params.per == "kind"
        # per kind, the check returns one finding per kind, in the rule's order of kinds
        for i, f in enumerate(outcome.findings):
            if f.unit != "ha":
                continue  # the engine's "no violations" placeholder
            kind = outcome.kinds[i] if per_kind and i < len(outcome.kinds) else None
            spec = plan.zone_kinds.get(kind) if kind else None
            subject_vi = spec.name_vi if spec else ", ".join(f.zone_ids)
            subject_en = spec.name_en if spec else ", ".join(f.zone_ids)
            rows.append(TargetRow(outcome.rule_id, outcome.title_vi, outcome.title_en, subject_vi,
                                  subject_en, kind, list(f.zone_ids), float(f.measured or 0.0),
                                  f.geodesic_ha, f.target, params.min_ha, params.max_ha, f.passed))
    return rows


def ha(value: float | None, digits: int = 1, lang: str = "vi") -> str:
    """'1.541,4 ha' (a number under a bilingual label is written the Vietnamese way)."""
    return hectares(value, digits, lang)


def verdict(passed: bool) -> str:
    """A target's or rule's result, Vietnamese first."""
    return "ĐẠT / PASS" if passed else "KHÔNG ĐẠT / FAIL"


__all__ = ["ILLUSTRATIVE_MARK", "PlanData", "TargetRow", "ZoneSummary", "ha",
           "hectare_targets", "load_plan_data", "verdict", "BOUNDARY_LAYER", "REMAINING_LAYER", "ZONES_LAYER"]
