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
    ids, area_ha = zones["id"].to_numpy(), zones["area_ha"].to_numpy()
    return [invalid_finding(rule, ids[i], float(area_ha[i]), *invalid_reason(raw[i]), ctx.crs) for i in bad]


def invalid_reason(geom) -> tuple[str, Point]:
    """GEOS's reason a geometry is invalid, and the place it names (else a point on it)."""
    reason = shapely.is_valid_reason(geom)
    match = _PLACE.search(reason)
    return reason, Point(float(match[1]), float(match[2])) if match else geom.representative_point()


def invalid_finding(rule, zid: str, area_ha: float, reason: str, place: Point, crs) -> Finding:
    lonlat = _lonlat(place, crs)
    return Finding(
        rule.id, False, (zid,), round(area_ha, 4), "ha", "hình học hợp lệ / valid geometry",
        f"Vùng '{zid}' có hình học không hợp lệ: {reason} tại ({lonlat}); "
        f"diện tích sau khi sửa {fmt(area_ha, 2)} ha",
        f"Zone '{zid}' has invalid geometry: {reason} at ({lonlat}); "
        f"area after repair {fmt(area_ha, 2)} ha",
        place)


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
    ids = zones["id"].to_numpy()
    return [outside_finding(rule, params, ids[i], float(outside_ha[i]), outside[i])
            for i in np.flatnonzero(outside_ha > 0)]


def outside_finding(rule, params: InsideParams, zid: str, outside_ha: float, outside) -> Finding:
    return Finding(
        rule.id, False, (zid,), round(outside_ha, 4), "ha",
        f"0 ha ngoài ranh giới xã (dung sai {fmt(params.tolerance_m, 0)} m) / "
        f"0 ha outside the commune (tolerance {fmt(params.tolerance_m, 0)} m)",
        f"Vùng '{zid}' vượt ra ngoài ranh giới xã {fmt(outside_ha, 2)} ha",
        f"Zone '{zid}' reaches {fmt(outside_ha, 2)} ha outside the commune boundary",
        outside)


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
    parts, widths = gap_parts(ctx.union_of(kinds), ctx.boundary, params)
    gap_of, near = zones.sindex.query(parts, predicate="dwithin", distance=0.01)
    ids = zones["id"].to_numpy()
    return [gap_finding(rule, params, part, float(width), sorted(ids[near[gap_of == k]]))
            for k, (part, width) in enumerate(zip(parts, widths))]


def gap_parts(union, boundary, params: GapParams) -> tuple[np.ndarray, np.ndarray]:
    """The gaps (polygons) narrower than the width in the commune, and their greatest widths."""
    found = shapely.intersection(closing(union, params.max_width_m / 2).difference(union), boundary)
    parts = shapely.get_parts(found)
    parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) >= params.min_area_m2)]
    return parts, greatest_width_m(parts)


def gap_finding(rule, params: GapParams, part, width: float, near: list[str]) -> Finding:
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
