"""Siting checks: touching a layer along a length, distance to a layer, containing a point."""

from __future__ import annotations

import shapely
from shapely.geometry import LineString

from ..config import Strict
from . import Context, Finding, at_shown, bound, register, shown


class TouchParams(Strict):
    layer: str
    min_length_m: float
    tolerance_m: float = 5.0


@register("touches_layer", TouchParams)
def touches_layer(rule, params: TouchParams, ctx: Context) -> list[Finding]:
    """Length of the other layer's edge (e.g. the lake shore) lying along the zone, within a tolerance."""
    edge = _edge(ctx.layer_union(params.layer))
    zones = ctx.zones_of(ctx.plan.kinds_of(rule))
    shared = shapely.intersection(edge, shapely.buffer(zones.geometry.values, params.tolerance_m))
    lengths = shapely.length(shared)
    findings = []
    for zid, geom, part, length in zip(zones["id"], zones.geometry.values, shared, lengths):
        passed = bool(at_shown(length, "m") >= params.min_length_m)
        findings.append(Finding(
            rule.id, passed, (zid,), round(float(length), 1), "m",
            f"≥ {bound(params.min_length_m, 'vi')} m",
            f"Vùng '{zid}' giáp {ctx.layer(params.layer, 'vi')} dọc {shown(length, 'm', 'vi')} "
            f"({'đạt' if passed else 'chưa đạt'} ≥ {bound(params.min_length_m, 'vi')} m)",
            f"Zone '{zid}' borders {ctx.layer(params.layer, 'en')} along {shown(length, 'm')} "
            f"({'meets' if passed else 'short of'} ≥ {bound(params.min_length_m, 'en')} m)",
            None if passed else (part if not part.is_empty else geom.boundary)))
    return findings


def _edge(geom):
    """The line a zone can border: a polygon layer's outline, a line layer itself (its boundary
    would be its two end points); an empty layer has none."""
    lines = [shapely.boundary(p) if p.geom_type == "Polygon" else p
             for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "LineString")]
    return shapely.union_all(lines) if lines else LineString()


def _empty_layer(rule, layer: str, zones, target: str, passed: bool, ctx: Context) -> Finding:
    """One verdict when the other layer has no features: a distance to nothing is no number."""
    return Finding(rule.id, passed, tuple(zones["id"]), None, "m", target,
                   f"Lớp {ctx.layer(layer, 'vi')} không có đối tượng nào",
                   f"The layer {ctx.layer(layer, 'en')} has no features")


def _distance_findings(rule, layer: str, limit: float, ctx: Context, within: bool) -> list[Finding]:
    other = ctx.layer_union(layer)
    zones = ctx.zones_of(ctx.plan.kinds_of(rule))
    geoms = zones.geometry.values
    sign = "≤" if within else "≥"
    target, target_en = f"{sign} {bound(limit, 'vi')} m", f"{sign} {bound(limit, 'en')} m"
    if other.is_empty:  # nothing to come near, nothing too near
        return [_empty_layer(rule, layer, zones, target, not within, ctx)] if len(zones) else []
    dists = shapely.distance(geoms, other)
    findings, too_near = [], None
    for zid, geom, dist in zip(zones["id"], geoms, dists):
        measured = at_shown(dist, "m")
        passed = bool(measured <= limit if within else measured >= limit)
        where = None
        if not passed and within:  # the way to the layer
            where = shapely.shortest_line(geom, other)
        elif not passed:  # the part of the zone that is too close
            too_near = too_near if too_near is not None else other.buffer(limit)
            where = geom.intersection(too_near)
        findings.append(Finding(
            rule.id, passed, (zid,), round(float(dist), 1), "m", target,
            f"Vùng '{zid}' cách {ctx.layer(layer, 'vi')} {shown(dist, 'm', 'vi')} (yêu cầu {target})",
            f"Zone '{zid}' is {shown(dist, 'm')} from {ctx.layer(layer, 'en')} (required {target_en})", where))
    return findings


class WithinParams(Strict):
    layer: str
    max_m: float


@register("within_distance", WithinParams)
def within_distance(rule, params: WithinParams, ctx: Context) -> list[Finding]:
    return _distance_findings(rule, params.layer, params.max_m, ctx, within=True)


class AwayParams(Strict):
    layer: str
    min_m: float


@register("min_distance", AwayParams)
def min_distance(rule, params: AwayParams, ctx: Context) -> list[Finding]:
    return _distance_findings(rule, params.layer, params.min_m, ctx, within=False)


class ContainsParams(Strict):
    layer: str
    max_distance_m: float = 0.0


@register("contains_point", ContainsParams)
def contains_point(rule, params: ContainsParams, ctx: Context) -> list[Finding]:
    """The zone(s) of the rule's kinds contain the layer's point(s), or lie within a distance."""
    points = ctx.layer_union(params.layer)
    kinds = ctx.plan.kinds_of(rule)
    zones = ctx.zones_of(kinds)
    target = "chứa / contains" if params.max_distance_m == 0 else f"≤ {bound(params.max_distance_m, 'vi')} m"
    if points.is_empty:
        return [_empty_layer(rule, params.layer, zones, target, False, ctx)]
    if zones.empty:
        return [Finding(rule.id, False, (), None, "m", target,
                        f"Không có vùng nào thuộc loại {', '.join(ctx.kind(k, 'vi') for k in kinds)}",
                        f"No zone of kind {', '.join(ctx.kind(k, 'en') for k in kinds)}")]
    dists = shapely.distance(zones.geometry.values, points)
    dist = float(dists.min())
    passed = at_shown(dist, "m") <= params.max_distance_m
    return [Finding(
        rule.id, passed, tuple(zones["id"]), round(dist, 1), "m", target,
        f"{ctx.layer(params.layer, 'vi')}: cách vùng {shown(dist, 'm', 'vi')}"
        + (" (nằm trong vùng)" if dist == 0 else ""),
        f"{ctx.layer(params.layer, 'en')}: {shown(dist, 'm')} from the zone" + (" (inside it)" if dist == 0 else ""),
        None if passed else shapely.shortest_line(zones.geometry.values[dists.argmin()], points))]
