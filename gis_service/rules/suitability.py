"""Raster checks (Kế hoạch 26-KH/ĐU, programme 1: high-tech and durian areas on suitable soil):
the share of each zone's area on given classes of a raster, and the mean or maximum of a raster
(slope in degrees) over each zone. Cells are weighted by the exact fraction inside the zone."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..config import Strict
from ..errors import InputError
from ..raster import Raster, class_share, maximum, weighted_mean, zone_cells
from ..vnfmt import num_en, num_vi, percent_target
from . import Context, Finding, at_shown, register


class ClassShareParams(Strict):
    raster: str
    classes: list[int | str] = Field(min_length=1)  # class values or codes (S1, S2, …)
    min_percent: float = Field(ge=0, le=100)


@register("raster_class_share", ClassShareParams)
def raster_class_share(rule, params: ClassShareParams, ctx: Context) -> list[Finding]:
    raster = _raster(ctx, params.raster, rule.id, "classes")
    values, codes = _class_values(raster, params.classes, rule.id)
    names_vi = ", ".join(f"{c.code} ({c.name_vi.lower()})" for c in raster.entry.classes if c.value in values)
    names_en = ", ".join(f"{c.code} ({c.name_en.lower()})" for c in raster.entry.classes if c.value in values)
    zones = ctx.zones_of(ctx.plan.kinds_of(rule))
    target = f"≥ {percent_target(params.min_percent)}"
    findings = []
    for cells, geom in zip(zone_cells(raster, zones[["id", "geometry"]]), zones.geometry.values):
        pct = 100.0 * class_share(cells, values)
        passed = bool(at_shown(pct, "%") >= params.min_percent)  # as printed: 0.1 %
        nodata_vi = f"; không có dữ liệu {num_vi(100 * cells.nodata_share)} %" if cells.nodata_share > 1e-4 else ""
        nodata_en = f"; no data {num_en(100 * cells.nodata_share)} %" if cells.nodata_share > 1e-4 else ""
        findings.append(Finding(
            rule.id, passed, (cells.zone_id,), round(pct, 2), "%", target,
            f"Vùng '{cells.zone_id}': {num_vi(pct)} % diện tích trên đất {names_vi} "
            f"({'đạt' if passed else 'dưới'} chỉ tiêu {percent_target(params.min_percent)}){nodata_vi}",
            f"Zone '{cells.zone_id}': {num_en(pct)} % of its area on {names_en} "
            f"({'meets' if passed else 'below'} the target {percent_target(params.min_percent)}){nodata_en}",
            None if passed else geom))
    return findings


class StatParams(Strict):
    raster: str
    stat: Literal["mean", "max"]
    max_value: float


@register("raster_stat", StatParams)
def raster_stat(rule, params: StatParams, ctx: Context) -> list[Finding]:
    raster = _raster(ctx, params.raster, rule.id, "continuous")
    unit = raster.entry.unit
    sep = "" if unit in ("°", "%", "") else " "  # 5,0° but 12,0 m
    measure = weighted_mean if params.stat == "mean" else maximum
    what_vi = {"mean": "trung bình", "max": "lớn nhất"}[params.stat]
    what_en = {"mean": "mean", "max": "maximum"}[params.stat]
    title_vi, title_en = raster.entry.title_vi, raster.entry.title_en
    zones = ctx.zones_of(ctx.plan.kinds_of(rule))
    findings = []
    for cells, geom in zip(zone_cells(raster, zones[["id", "geometry"]]), zones.geometry.values):
        value = measure(cells)
        passed = bool(at_shown(value, unit) <= params.max_value)  # as printed: one decimal
        findings.append(Finding(
            rule.id, passed, (cells.zone_id,), round(value, 3), unit, f"≤ {num_en(params.max_value)}{sep}{unit}",
            f"Vùng '{cells.zone_id}': {title_vi.lower()} {what_vi} {num_vi(value)}{sep}{unit}, "
            f"{'không vượt' if passed else 'vượt'} mức {num_vi(params.max_value)}{sep}{unit}",
            f"Zone '{cells.zone_id}': {what_en} {title_en.lower()} {num_en(value)}{sep}{unit}, "
            f"{'within' if passed else 'above'} the limit {num_en(params.max_value)}{sep}{unit}",
            None if passed else geom))
    return findings


def _raster(ctx: Context, name: str, rule_id: str, kind: str) -> Raster:
    raster = ctx.rasters.get(name)
    if raster is None:
        raise InputError(f"no raster named {name!r}; known: {', '.join(sorted(ctx.rasters)) or 'none'}",
                         feature=f"'{rule_id}'", field="params.raster")
    if raster.entry.kind != kind:
        raise InputError(f"raster {name!r} holds {raster.entry.kind}, this check needs {kind}",
                         feature=f"'{rule_id}'", field="params.raster")
    return raster


def _class_values(raster: Raster, wanted: list[int | str], rule_id: str) -> tuple[list[int], list[str]]:
    by_code = {c.code: c.value for c in raster.entry.classes}
    known = set(by_code.values())
    values = []
    for w in wanted:
        value = by_code.get(w, w) if isinstance(w, str) else w
        if value not in known:
            raise InputError(f"raster {raster.entry.name!r} has no class {w!r}; classes: "
                             f"{', '.join(f'{c.value} {c.code}' for c in raster.entry.classes)}",
                             feature=f"'{rule_id}'", field="params.classes")
        values.append(int(value))
    return values, [c.code for c in raster.entry.classes if c.value in values]
