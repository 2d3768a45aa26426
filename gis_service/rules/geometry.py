"""Geometry checks: validity (GEOS reason and place), inside the commune, gaps and slivers."""

from __future__ import annotations

import re

import numpy as np
import shapely
from shapely.geometry import Point

from ..config import Strict
from ..geom import closing, greatest_width_m
from ..l10n import Lang
from . import Context, Finding, at_shown, bound, fmt, register, shown

_PLACE = re.compile(r"\[(-?[\d.eE+-]+) (-?[\d.eE+-]+)")
#: GEOS's reasons (shapely.is_valid_reason) in Vietnamese, for the Vietnamese message
GEOS_REASONS_VI = {
    "Ring Self-intersection": "vòng tự cắt",
    "Self-intersection": "tự cắt",
    "Too few points in geometry component": "quá ít điểm trong một thành phần",
    "Hole lies outside shell": "lỗ nằm ngoài đường bao",
    "Nested shells": "đường bao lồng nhau",
    "Nested holes": "lỗ lồng nhau",
    "Interior is disconnected": "phần trong bị chia cắt",
    "Invalid Coordinate": "tọa độ không hợp lệ",
    "Ring is not closed": "vòng không khép kín",
    "Duplicate Rings": "vòng trùng nhau",
}


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
    lon, lat = _lonlat(place, crs)
    return Finding(
        rule.id, False, (zid,), round(area_ha, 4), "ha", "hình học hợp lệ / valid geometry",
        f"Vùng '{zid}' có hình học không hợp lệ: {reason_vi(reason)} tại (vĩ độ "
        f"{fmt(lat, 5, 'vi')}° B, kinh độ {fmt(lon, 5, 'vi')}° Đ); "
        f"diện tích sau khi sửa {fmt(area_ha, 2, 'vi')} ha",
        f"Zone '{zid}' has invalid geometry: {reason} at ({lat:.5f}°N, {lon:.5f}°E); "
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
    outside_m2 = shapely.area(outside)
    ids = zones["id"].to_numpy()
    return [outside_finding(rule, params, ids[i], float(outside_m2[i]), outside[i])
            for i in np.flatnonzero([at_shown(a, "m²") > 0 for a in outside_m2])]


def outside_finding(rule, params: InsideParams, zid: str, outside_m2: float, outside) -> Finding:
    """A zone reaching outside the commune by ``outside_m2`` (the caller keeps those that show
    more than 0.0 m²)."""
    return Finding(
        rule.id, False, (zid,), round(outside_m2 / 10_000, 4), "ha",
        f"0 ha ngoài ranh giới xã (dung sai {bound(params.tolerance_m, 'vi')} m) / "
        f"0 ha outside the commune (tolerance {bound(params.tolerance_m, 'en')} m)",
        f"Vùng '{zid}' vượt ra ngoài ranh giới xã {_ha_m2(outside_m2, 'vi')}",
        f"Zone '{zid}' reaches {_ha_m2(outside_m2)} outside the commune boundary",
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
    parts = parts[(shapely.get_type_id(parts) == 3)
                  & (np.round(shapely.area(parts), 1) >= params.min_area_m2)]  # as printed (0.1 m²)
    box = shapely.bounds(parts)  # in place order (south-west corner), whatever order the union came in
    parts = parts[np.lexsort((box[:, 0], box[:, 1]))] if len(parts) else parts
    return parts, greatest_width_m(parts)


def gap_finding(rule, params: GapParams, part, width: float, near: list[str]) -> Finding:
    return Finding(
        rule.id, False, tuple(near), round(part.area, 1), "m²",
        f"không có khe hở hẹp hơn {bound(params.max_width_m, 'vi')} m / "
        f"no gap narrower than {bound(params.max_width_m, 'en')} m",
        f"Khe hở {shown(part.area, 'm²', 'vi')}, rộng nhất {shown(width, 'm', 'vi')} giữa các vùng {', '.join(near)}",
        f"Gap of {shown(part.area, 'm²')}, at most {shown(width, 'm')} wide, between zones {', '.join(near)}",
        part)


def _ha_m2(area_m2: float, lang: Lang = "en") -> str:
    """An area small enough to matter in m² and large enough to read in ha: '0.41 ha (4,123.4 m²)'."""
    return f"{shown(area_m2 / 10_000, 'ha', lang)} ({shown(area_m2, 'm²', lang)})"


def _lonlat(point: Point, crs) -> tuple[float, float]:
    from ..crs import WGS84, transformer

    return transformer(crs, WGS84).transform(point.x, point.y)


def reason_vi(reason: str) -> str:
    """GEOS's reason ('Self-intersection[431000 1294000]') in Vietnamese, without the place."""
    name = reason.split("[", 1)[0].strip()
    return GEOS_REASONS_VI.get(name, name)
