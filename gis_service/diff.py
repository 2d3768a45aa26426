"""What changed between two versions of the plan: per zone the hectares added, removed and net
(official planar, in the plan CRS), zones added, removed and changed in attributes, and the rule
outcomes that changed. Findings are compared by identity (rule, zones), never by position."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .crs import M2_PER_HA
from .geom import polygonal
from .validate import REPAIRED_LAYER, in_plan_crs, load_report, plan_source_of

#: attributes compared between versions (the geometry and the areas are compared as hectares)
COMPARED = ("kind", "name_vi", "name_en", "landuse", "status", "source", "illustrative")
CHANGE_STYLES = ("added", "removed", "unchanged")


@dataclass
class ZoneChange:
    id: str
    name_vi: str
    change: str  # added, removed, changed, unchanged
    added_ha: float
    removed_ha: float
    net_ha: float
    attributes: dict[str, tuple] = field(default_factory=dict)  # field → (before, after)


@dataclass
class RuleChange:
    rule_id: str
    title_vi: str
    title_en: str
    before: bool | None  # None: the rule was not in that version
    after: bool | None
    findings: list[dict] = field(default_factory=list)  # zone ids, before, after


@dataclass
class VersionDiff:
    a: int
    b: int
    zones: list[ZoneChange]
    rules: list[RuleChange]
    pieces: gpd.GeoDataFrame  # change (added/removed/unchanged), zone_id, geometry

    @property
    def changed_zones(self) -> list[ZoneChange]:
        return [z for z in self.zones if z.change != "unchanged"]

    def to_dict(self) -> dict:
        return {"from_version": self.a, "to_version": self.b,
                "zones": [asdict(z) for z in self.zones], "rules": [asdict(r) for r in self.rules]}


def diff_versions(store, a: int, b: int) -> VersionDiff:
    va, vb = store.at(a), store.at(b)
    crs = plan_source_of(vb).parse().crs
    za = in_plan_crs(va, REPAIRED_LAYER, crs).set_index("id")
    zb = in_plan_crs(vb, REPAIRED_LAYER, crs).set_index("id")
    zones, pieces = [], []
    for zid in list(za.index) + [i for i in zb.index if i not in za.index]:
        before = za.geometry.get(zid)
        after = zb.geometry.get(zid)
        zones.append(_zone_change(zid, za, zb, before, after))
        pieces += _pieces(zid, before, after)
    frame = gpd.GeoDataFrame(pd.DataFrame(pieces, columns=["change", "zone_id", "geometry"]),
                             geometry="geometry", crs=crs)
    return VersionDiff(a, b, zones, _rule_changes(load_report(va), load_report(vb)), frame)


def _zone_change(zid: str, za: pd.DataFrame, zb: pd.DataFrame, before, after) -> ZoneChange:
    empty = shapely.Polygon()
    g0 = before if before is not None else empty
    g1 = after if after is not None else empty
    added = g1.difference(g0).area / M2_PER_HA
    removed = g0.difference(g1).area / M2_PER_HA
    net = (g1.area - g0.area) / M2_PER_HA
    row = zb.loc[zid] if after is not None else za.loc[zid]
    attrs = {}
    if before is not None and after is not None:
        attrs = {f: (_plain(za.loc[zid, f]), _plain(zb.loc[zid, f])) for f in COMPARED
                 if f in za.columns and f in zb.columns and _plain(za.loc[zid, f]) != _plain(zb.loc[zid, f])}
    if before is None:
        change = "added"
    elif after is None:
        change = "removed"
    else:
        change = "changed" if attrs or not _same_shape(g0, g1) else "unchanged"
    return ZoneChange(str(zid), str(row["name_vi"]), change, round(added, 4), round(removed, 4),
                      round(net, 4), attrs)


def _same_shape(g0, g1) -> bool:
    return g0.equals(g1) or (g0.symmetric_difference(g1).area < 1e-6)


def _pieces(zid: str, before, after) -> list[tuple]:
    empty = shapely.Polygon()
    g0 = before if before is not None else empty
    g1 = after if after is not None else empty
    out = [("added", zid, polygonal(g1.difference(g0))), ("removed", zid, polygonal(g0.difference(g1))),
           ("unchanged", zid, polygonal(g0.intersection(g1)))]
    return [p for p in out if not p[2].is_empty]


def _plain(value):
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def _rule_changes(ra, rb) -> list[RuleChange]:
    """Rules whose outcome, or any finding's pass/fail, differs between the two reports."""
    before = {o.rule_id: o for o in (ra.outcomes if ra else [])}
    after = {o.rule_id: o for o in (rb.outcomes if rb else [])}
    out = []
    for rid in list(before) + [r for r in after if r not in before]:
        o0, o1 = before.get(rid), after.get(rid)
        f0 = _findings_by_subject(o0)
        f1 = _findings_by_subject(o1)
        findings = [{"zone_ids": list(k), "before": f0.get(k), "after": f1.get(k)}
                    for k in list(f0) + [k for k in f1 if k not in f0] if f0.get(k) != f1.get(k)]
        p0 = o0.passed if o0 else None
        p1 = o1.passed if o1 else None
        if p0 != p1 or findings:
            titled = o1 or o0
            out.append(RuleChange(rid, titled.title_vi, titled.title_en, p0, p1, findings))
    return out


def _findings_by_subject(outcome) -> dict[tuple, bool]:
    if outcome is None:
        return {}
    out: dict[tuple, bool] = {}
    for f in outcome.findings:
        key = tuple(sorted(f.zone_ids))
        out[key] = out.get(key, True) and f.passed
    return out


def diff_text(d: VersionDiff) -> str:
    from .rules import fmt

    lines = [f"So sánh phiên bản / Comparing versions {d.a} → {d.b}", "",
             f"{'Vùng / Zone':<10} {'Thay đổi':<10} {'+ha':>10} {'−ha':>10} {'ròng/net ha':>12}"]
    for z in d.zones:
        lines.append(f"{z.id:<10} {z.change:<10} {fmt(z.added_ha, 2):>10} {fmt(z.removed_ha, 2):>10} "
                     f"{fmt(z.net_ha, 2):>12}  {z.name_vi}")
        for name, (old, new) in z.attributes.items():
            lines.append(f"{'':<22}{name}: {old!r} → {new!r}")
    lines += ["", "Kết quả quy tắc thay đổi / Rule outcomes that changed:"]
    verdict = {True: "ĐẠT/PASS", False: "KHÔNG ĐẠT/FAIL", None: "—"}
    for r in d.rules:
        lines.append(f"  {r.rule_id:<5} {verdict[r.before]} → {verdict[r.after]}  {r.title_vi} / {r.title_en}")
    if not d.rules:
        lines.append("  (không có / none)")
    return "\n".join(lines)


def compare_zones(za: gpd.GeoDataFrame, zb: gpd.GeoDataFrame) -> tuple[list[ZoneChange], gpd.GeoDataFrame]:
    """What ``diff_versions`` finds for the zones, for two frames indexed by zone id in the same
    planar CRS (e.g. a draft being previewed, not yet a version, against the current one)."""
    zones, pieces = [], []
    for zid in list(za.index) + [i for i in zb.index if i not in za.index]:
        before, after = za.geometry.get(zid), zb.geometry.get(zid)
        zones.append(_zone_change(zid, za, zb, before, after))
        pieces += _pieces(zid, before, after)
    frame = gpd.GeoDataFrame(pd.DataFrame(pieces, columns=["change", "zone_id", "geometry"]),
                             geometry="geometry", crs=zb.crs)
    return zones, frame
