"""Checks on the durian register (Kế hoạch 26-KH/ĐU, programme 2): the share of the durian area
(official planar ha) with a planting-area code valid on the reference date, the share meeting
the export standard, per zone and for the commune; plots outside the durian zones or overlapping
each other; the minimum total area of a code; codes whose inspection is overdue.

A plot drawn as a polygon is allotted to zones by the area of its intersection with each; a plot
given as a point (with its area_ha) belongs wholly to the zone holding the point. Subjects of the
findings are zones (share checks), plots (siting, overlap) or codes (area, inspection)."""

from __future__ import annotations

from datetime import date
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pydantic import Field

from ..config import Strict
from ..l10n import bound
from ..register import plot_status, to_date
from ..vnfmt import date_en, date_vi, num_en, num_vi, percent_target
from . import Context, Finding, at_shown, register

COMMUNE_VI, COMMUNE_EN = "Toàn xã", "Whole commune"


class ShareParams(Strict):
    register_name: str = Field(default="durian_plots", alias="register")  # the register layer
    min_percent: float = Field(ge=0, le=100)
    per: list[Literal["zone", "commune"]] = ["zone", "commune"]


@register("plot_code_share", ShareParams)
def plot_code_share(rule, params: ShareParams, ctx: Context) -> list[Finding]:
    """Share of the durian area whose code is valid on the reference date (an expired code or
    one not yet in force does not count)."""
    return _shares(rule, params, ctx, ("export", "coded"),
                   f"có mã số vùng trồng còn hiệu lực ngày {date_vi(ctx.on)}",
                   f"has a planting-area code valid on {date_en(ctx.on)}")


@register("plot_export_share", ShareParams)
def plot_export_share(rule, params: ShareParams, ctx: Context) -> list[Finding]:
    """Share of the durian area meeting the export standard with a valid code (a plot cannot
    export without one)."""
    return _shares(rule, params, ctx, ("export",),
                   f"đạt chuẩn xuất khẩu, có mã còn hiệu lực ngày {date_vi(ctx.on)}",
                   f"meets the export standard with a code valid on {date_en(ctx.on)}")


def _shares(rule, params: ShareParams, ctx: Context, counted: tuple[str, ...], what_vi: str,
            what_en: str) -> list[Finding]:
    plots = ctx.layers[params.register_name]
    good = np.isin(plot_status(plots, ctx.on), counted)
    target = f"≥ {percent_target(params.min_percent)}"
    findings = []
    # a share belongs to a zone or the commune, not to a place: the findings carry no geometry
    # (the map colours each plot by its status; the report links to the zone)
    if "zone" in params.per:
        zones = ctx.zones_of(ctx.plan.kinds_of(rule))
        share = zone_allotment(plots, zones)  # plots × zones, ha
        for j, zid in enumerate(zones["id"]):
            findings.append(_share_finding(rule, params, (zid,), f"Vùng '{zid}'", f"Zone '{zid}'",
                                           share[good, j].sum(), share[:, j].sum(), target, what_vi, what_en))
    if "commune" in params.per:
        ha = plots["area_ha"].to_numpy(dtype=float)
        findings.append(_share_finding(rule, params, (), COMMUNE_VI, COMMUNE_EN, ha[good].sum(), ha.sum(),
                                       target, what_vi, what_en))
    return findings


def zone_allotment(plots: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> np.ndarray:
    """Hectares of each plot (rows) in each zone (columns): a polygon's intersection area, a
    point's whole area_ha where the zone covers it."""
    out = np.zeros((len(plots), len(zones)))
    if len(plots) == 0 or len(zones) == 0:
        return out
    geoms, zone_geoms = plots.geometry.values, zones.geometry.values
    p, z = gpd.GeoSeries(zone_geoms).sindex.query(geoms, predicate="intersects")
    is_point = shapely.get_type_id(geoms[p]) == 0
    areas = np.where(is_point, plots["area_ha"].to_numpy(dtype=float)[p]
                     * shapely.covers(zone_geoms[z], geoms[p]),
                     shapely.area(shapely.intersection(geoms[p], zone_geoms[z])) / 10_000)
    np.add.at(out, (p, z), areas)
    return out


def _share_finding(rule, params: ShareParams, ids, label_vi, label_en, good_ha: float, total_ha: float,
                   target: str, what_vi: str, what_en: str) -> Finding:
    if total_ha <= 0:
        return Finding(rule.id, True, ids, None, "%", target,
                       f"{label_vi}: không có thửa sầu riêng nào trong sổ", f"{label_en}: no durian plot "
                       "in the register")
    pct = float(100.0 * good_ha / total_ha)
    passed = bool(at_shown(pct, "%") >= params.min_percent)  # as printed: 0.1 %
    verdict_vi = "đạt chỉ tiêu" if passed else "dưới chỉ tiêu"
    verdict_en = "meets the target" if passed else "below the target"
    return Finding(
        rule.id, passed, ids, round(pct, 2), "%", target,
        f"{label_vi}: {num_vi(pct)} % diện tích sầu riêng {what_vi} ({num_vi(good_ha)} / "
        f"{num_vi(total_ha)} ha), {verdict_vi} {percent_target(params.min_percent)}",
        f"{label_en}: {num_en(pct)} % of the durian area {what_en} ({num_en(good_ha)} of "
        f"{num_en(total_ha)} ha), {verdict_en} {percent_target(params.min_percent)}")


class InsideParams(Strict):
    register_name: str = Field(default="durian_plots", alias="register")  # the register layer
    tolerance_m2: float = Field(default=1.0, ge=0)


@register("plots_inside_zones", InsideParams)
def plots_inside_zones(rule, params: InsideParams, ctx: Context) -> list[Finding]:
    """Every plot lies in a zone of the rule's kinds: a polygon by more than the tolerance
    outside is reported with the part outside; a point outside, with its place."""
    plots = ctx.layers[params.register_name]
    union = shapely.union_all(ctx.zones_of(ctx.plan.kinds_of(rule)).geometry.values)
    geoms = plots.geometry.values
    outside = shapely.difference(geoms, union)
    is_point = shapely.get_type_id(geoms) == 0
    bad = np.where(is_point, ~shapely.covers(union, geoms),
                   np.round(shapely.area(outside), 1) > params.tolerance_m2)  # as printed: 0.1 m²
    findings = []
    for i in np.flatnonzero(bad):
        pid = plots["plot_id"].iloc[i]
        if is_point[i]:
            vi, en, measured = "nằm ngoài", "lies outside", None
        else:
            m2 = float(shapely.area(outside[i]))
            vi, en, measured = f"có {num_vi(m2, 1)} m² nằm ngoài", f"has {num_en(m2, 1)} m² outside", round(m2, 1)
        findings.append(Finding(rule.id, False, (pid,), measured, "m²", "0 m²",
                                f"Thửa '{pid}' {vi} các vùng trồng sầu riêng",
                                f"Plot '{pid}' {en} the durian zones", outside[i] if not is_point[i] else geoms[i]))
    return findings


class OverlapParams(Strict):
    register_name: str = Field(default="durian_plots", alias="register")  # the register layer
    tolerance_m2: float = Field(default=1.0, ge=0)


@register("plots_no_overlap", OverlapParams)
def plots_no_overlap(rule, params: OverlapParams, ctx: Context) -> list[Finding]:
    """No two plot polygons overlap by more than the tolerance (points are not compared)."""
    plots = ctx.layers[params.register_name]
    geoms = plots.geometry.values
    left, right = plots.sindex.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    overlaps = shapely.intersection(geoms[left], geoms[right])
    areas = shapely.area(overlaps)
    ids = plots["plot_id"].to_numpy()
    return [Finding(rule.id, False, (ids[left[k]], ids[right[k]]), round(float(areas[k]), 1), "m²",
                    f"≤ {num_en(params.tolerance_m2, 0)} m²",
                    f"Thửa '{ids[left[k]]}' chồng lấn thửa '{ids[right[k]]}' {num_vi(areas[k], 1)} m²",
                    f"Plot '{ids[left[k]]}' overlaps plot '{ids[right[k]]}' by {num_en(areas[k], 1)} m²",
                    overlaps[k]) for k in np.flatnonzero(np.round(areas, 1) > params.tolerance_m2)]


class CodeAreaParams(Strict):
    register_name: str = Field(default="durian_plots", alias="register")  # the register layer
    min_ha: float = Field(gt=0)


@register("code_min_area", CodeAreaParams)
def code_min_area(rule, params: CodeAreaParams, ctx: Context) -> list[Finding]:
    """Each code valid on the reference date covers at least ``min_ha`` in total (the minimum
    area of a planting-area code is set by each province)."""
    plots = ctx.layers[params.register_name]
    findings = []
    for code, group in valid_codes(plots, ctx.on):
        ha = float(group["area_ha"].sum())
        if at_shown(ha, "ha") < params.min_ha:  # as printed: 0.01 ha
            findings.append(Finding(
                rule.id, False, (code,), round(ha, 4), "ha", f"≥ {bound(params.min_ha, 'vi')} ha",
                f"Mã '{code}': {num_vi(ha, 2)} ha ({len(group)} thửa), dưới mức tối thiểu "
                f"{num_vi(params.min_ha)} ha", f"Code '{code}': {num_en(ha, 2)} ha ({len(group)} plots), "
                f"below the minimum {num_en(params.min_ha)} ha", shapely.union_all(group.geometry.values)))
    return findings


class InspectionParams(Strict):
    register_name: str = Field(default="durian_plots", alias="register")  # the register layer
    interval_days: int = Field(default=365, gt=0)
    warn_days: int = Field(default=30, ge=0)  # the dashboard lists codes due within this many days


@register("code_inspection", InspectionParams)
def code_inspection(rule, params: InspectionParams, ctx: Context) -> list[Finding]:
    """Each code valid on the reference date was inspected within ``interval_days``; a code
    never inspected is overdue."""
    findings = []
    for due in inspections(ctx.layers[params.register_name], ctx.on, params.interval_days):
        if due.days_left >= 0:
            continue
        last_vi = date_vi(due.last) if due.last else "chưa kiểm tra lần nào"
        last_en = date_en(due.last) if due.last else "never inspected"
        findings.append(Finding(
            rule.id, False, (due.code,), None if due.last is None else float(due.days_since), "ngày / days",
            f"≤ {params.interval_days} ngày / days",
            f"Mã '{due.code}': kiểm tra gần nhất {last_vi}, quá hạn kiểm tra định kỳ {params.interval_days} ngày",
            f"Code '{due.code}': last inspection {last_en}, overdue for the {params.interval_days}-day inspection",
            due.geometry))
    return findings


def valid_codes(plots: pd.DataFrame, on: date):
    """(code, its plots) for each code valid on ``on``."""
    valid = plots[np.isin(plot_status(plots, on), ("export", "coded"))]
    return valid.groupby("code", sort=True)


class Due:
    def __init__(self, code: str, last: date | None, on: date, interval_days: int, geometry, plots: int,
                 area_ha: float) -> None:
        self.code, self.last, self.geometry, self.plots, self.area_ha = code, last, geometry, plots, area_ha
        self.days_since = None if last is None else (on - last).days
        self.days_left = -1 if last is None else interval_days - self.days_since
        self.due_on = None if last is None else date.fromordinal(last.toordinal() + interval_days)


def inspections(plots: pd.DataFrame, on: date, interval_days: int) -> list[Due]:
    """Each valid code's last inspection (the latest of its plots') and the days left until the
    next one is due (negative: overdue), soonest first."""
    out = []
    for code, group in valid_codes(plots, on):
        days = [d for d in (to_date(t) for t in group["inspected"]) if d is not None]
        out.append(Due(code, max(days) if days else None, on, interval_days,
                       shapely.union_all(group.geometry.values), len(group), float(group["area_ha"].sum())))
    return sorted(out, key=lambda d: d.days_left)
