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
    raw = ctx.raw_zone_geometry[ctx.zones.index.get_indexer(zones.index)]  # labels → positions
    bad = np.flatnonzero(~shapely.is_valid(raw))
    findings = []
    for i in bad:
        reason = shapely.is_valid_reason(raw[i])
        match = _PLACE.search(reason)
        place = Point(float(match[1]), float(match[2])) if match else raw[i].representative_point()
        zone = zones.iloc[i]
        lon, lat = _lonlat(place, ctx.crs)
        findings.append(Finding(
            rule.id, False, (zone["id"],), round(zone["area_ha"], 4), "ha", "hình học hợp lệ / valid geometry",
            f"Vùng '{zone['id']}' có hình học không hợp lệ: {reason_vi(reason)} tại (vĩ độ "
            f"{fmt(lat, 5, 'vi')}° B, kinh độ {fmt(lon, 5, 'vi')}° Đ); "
            f"diện tích sau khi sửa {fmt(zone['area_ha'], 2, 'vi')} ha",
            f"Zone '{zone['id']}' has invalid geometry: {reason} at ({lat:.5f}°N, {lon:.5f}°E); "
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
    outside_m2 = shapely.area(outside)
    findings = []
    for i in np.flatnonzero([at_shown(a, "m²") > 0 for a in outside_m2]):
        zone, area = zones.iloc[i], float(outside_m2[i])
        findings.append(Finding(
            rule.id, False, (zone["id"],), round(area / 10_000, 4), "ha",
            f"0 ha ngoài ranh giới xã (dung sai {bound(params.tolerance_m, 'vi')} m) / "
            f"0 ha outside the commune (tolerance {bound(params.tolerance_m, 'en')} m)",
            f"Vùng '{zone['id']}' vượt ra ngoài ranh giới xã {_ha_m2(area, 'vi')}",
            f"Zone '{zone['id']}' reaches {_ha_m2(area)} outside the commune boundary",
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
    parts = parts[(shapely.get_type_id(parts) == 3)
                  & (np.round(shapely.area(parts), 1) >= params.min_area_m2)]  # as printed (0.1 m²)
    widths = greatest_width_m(parts)
    gap_of, near = zones.sindex.query(parts, predicate="dwithin", distance=0.01)
    ids = zones["id"].to_numpy()
    return [_gap_finding(rule, params, part, float(width), sorted(ids[near[gap_of == k]]))
            for k, (part, width) in enumerate(zip(parts, widths))]


def _gap_finding(rule, params: GapParams, part, width: float, near: list[str]) -> Finding:
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
