"""Geometry checks: validity (GEOS reason and place), inside the commune, gaps and slivers."""

from __future__ import annotations

import re

import numpy as np
import shapely
from shapely.geometry import Point

from ..config import Strict
from . import Context, Finding, fmt, register

_PLACE = re.compile(r"\[(-?[\d.eE+-]+) (-?[\d.eE+-]+)")


class NoParams(Strict):
    pass


@register("geometry_valid", NoParams)
def geometry_valid(rule, params: NoParams, ctx: Context) -> list[Finding]:
    zones = ctx.zones_of(ctx.plan.kinds_of(rule))
    raw = ctx.raw_zone_geometry[zones.index.to_numpy()]
    bad = np.flatnonzero(~shapely.is_valid(raw))
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
    zones = zones[~shapely.within(zones.geometry.values, allowed)]  # cheap test first
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
    """Gaps between zones narrower than ``max_width_m``: a morphological closing, done by pairs.

    Closing (buffer out, then in, by half the width, mitred so right-angle corners stay put)
    fills exactly the spaces narrower than the width. Closing the union of every zone is slow
    on a large layer, so it is done for each pair of zones closer than the width (a
    spatial-index query), all pairs at once; the pieces are merged and any other zone removed.
    """
    zones = ctx.zones_of(ctx.plan.kinds_of(rule))
    geoms = zones.geometry.values
    half = params.max_width_m / 2
    left, right = zones.sindex.query(geoms, predicate="dwithin", distance=params.max_width_m)
    keep = left < right
    left, right = left[keep], right[keep]
    # cheap filter first: only pairs whose half-width buffers meet outside both zones
    grown = shapely.buffer(geoms, half, quad_segs=2)
    between = shapely.difference(shapely.intersection(grown[left], grown[right]),
                                 shapely.union(geoms[left], geoms[right]))
    candidate = shapely.area(between) > 0
    pair = shapely.union(geoms[left[candidate]], geoms[right[candidate]])
    closed = shapely.buffer(shapely.buffer(pair, half, join_style="mitre"), -half, join_style="mitre")
    pieces = shapely.difference(closed, pair)
    pieces = pieces[shapely.area(pieces) > 0]
    if len(pieces) == 0:
        return []
    parts = shapely.get_parts(shapely.union_all(pieces))
    # a third zone may lie in the space two zones leave: remove every zone from each piece
    part_of, zone_of = zones.sindex.query(parts, predicate="intersects")
    for i in np.unique(part_of):
        parts[i] = parts[i].difference(shapely.union_all(geoms[zone_of[part_of == i]]))
    found = shapely.get_parts(shapely.intersection(parts, ctx.boundary))
    return [_gap_finding(rule, params, part, zones) for part in found
            if part.geom_type == "Polygon" and part.area >= params.min_area_m2]


def _gap_finding(rule, params: GapParams, part, zones) -> Finding:
    width = 2 * shapely.maximum_inscribed_circle(part, tolerance=0.05).length
    near = sorted(zones["id"].to_numpy()[zones.sindex.query(part, predicate="dwithin", distance=0.01)])
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
