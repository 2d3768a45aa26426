"""Geometry checks: validity (GEOS reason and place), inside the commune, gaps and slivers."""

from __future__ import annotations

import re

import numpy as np
import shapely
from shapely.geometry import Point

from ..config import Strict
from ..geom import closing, greatest_width_m
from . import Context, Finding, fmt, register

_PLACE = re.compile(r"\[(-?[\d.eE+-]+) (-?[\d.eE+-]+)")


class NoParams(Strict):
    pass


@register("geometry_valid", NoParams)
def geometry_valid(rule, params: NoParams, ctx: Context) -> list[Finding]:
    zones = ctx.zones_of(ctx.plan.kinds_of(rule))
    at = ctx.zones.index.get_indexer(zones.index)  # labels → positions
    raw = ctx.raw_zone_geometry[at]
    valid = ctx.raw_valid[at] if ctx.raw_valid is not None else shapely.is_valid(raw)
    bad = np.flatnonzero(~valid)
    findings = []
    for i in bad:
        reason = shapely.is_valid_reason(raw[i])
        match = _PLACE.search(reason)
        place = Point(float(match[1]), float(match[2])) if match else raw[i].representative_point()
        zone = zones.iloc[i]
        lonlat = _lonlat(place, ctx.crs)
        findings.append(Finding(
            rule.id, False, (zone["id"],), round(zone["area_ha"], 4), "ha", "hình học hợp lệ / valid geometry",
            f"Vùng '{zone['id']}' có hình học không hợp lệ: {reason} tại ({lonlat}); "
            f"diện tích sau khi sửa {fmt(zone['area_ha'], 2)} ha",
            f"Zone '{zone['id']}' has invalid geometry: {reason} at ({lonlat}); "
            f"area after repair {fmt(zone['area_ha'], 2)} ha",
            place))
    return findings


class InsideParams(Strict):
    tolerance_m: float = 0.0


@register("inside_boundary", InsideParams)
def inside_boundary(rule, params: InsideParams, ctx: Context) -> list[Finding]:
    zones = ctx.zones_of(ctx.plan.kinds_of(rule))
    allowed = ctx.boundary.buffer(params.tolerance_m) if params.tolerance_m else ctx.boundary
    shapely.prepare(allowed)
    zones = zones[~shapely.covers(allowed, zones.geometry.values)]  # the prepared side first: cheap
    outside = shapely.difference(zones.geometry.values, allowed)
    outside_ha = shapely.area(outside) / 10_000
    findings = []
    for i in np.flatnonzero(outside_ha > 0):
        zone = zones.iloc[i]
        findings.append(Finding(
            rule.id, False, (zone["id"],), round(float(outside_ha[i]), 4), "ha",
            f"0 ha ngoài ranh giới xã (dung sai {fmt(params.tolerance_m, 0)} m) / "
            f"0 ha outside the commune (tolerance {fmt(params.tolerance_m, 0)} m)",
            f"Vùng '{zone['id']}' vượt ra ngoài ranh giới xã {fmt(outside_ha[i], 2)} ha",
            f"Zone '{zone['id']}' reaches {fmt(outside_ha[i], 2)} ha outside the commune boundary",
            outside[i]))
    return findings


class GapParams(Strict):
    max_width_m: float
    min_area_m2: float = 1.0


@register("gaps", GapParams)
def gaps(rule, params: GapParams, ctx: Context) -> list[Finding]:
    """Gaps between zones narrower than ``max_width_m``: a morphological closing of their union.

    Closing the union of the zones (buffer out, then in, by half the width, mitred so right-angle
    corners stay put) fills exactly the spaces narrower than the width; what it adds inside the
    commune are the gaps. The union is the one derived once per validation (a coverage union on
    a large layer), and its outline is short even when the zones are a million parcels, so the
    closing is cheap.
    """
    kinds = ctx.plan.kinds_of(rule)
    zones = ctx.zones_of(kinds)
    if len(zones) == 0:
        return []
    union = ctx.union_of(kinds)
    found = shapely.intersection(closing(union, params.max_width_m / 2).difference(union), ctx.boundary)
    parts = shapely.get_parts(found)
    parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) >= params.min_area_m2)]
    widths = greatest_width_m(parts)
    gap_of, near = zones.sindex.query(parts, predicate="dwithin", distance=0.01)
    ids = zones["id"].to_numpy()
    return [_gap_finding(rule, params, part, float(width), sorted(ids[near[gap_of == k]]))
            for k, (part, width) in enumerate(zip(parts, widths))]


def _gap_finding(rule, params: GapParams, part, width: float, near: list[str]) -> Finding:
    return Finding(
        rule.id, False, tuple(near), round(part.area, 1), "m²",
        f"không có khe hở hẹp hơn {fmt(params.max_width_m, 0)} m / "
        f"no gap narrower than {fmt(params.max_width_m, 0)} m",
        f"Khe hở {fmt(part.area, 0)} m², rộng nhất {fmt(width, 1)} m giữa các vùng {', '.join(near)}",
        f"Gap of {fmt(part.area, 0)} m², at most {fmt(width, 1)} m wide, between zones {', '.join(near)}",
        part)


def _lonlat(point: Point, crs) -> str:
    from ..crs import WGS84, transformer

    lon, lat = transformer(crs, WGS84).transform(point.x, point.y)
    return f"{lat:.5f}°N, {lon:.5f}°E"
