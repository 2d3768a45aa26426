"""Siting checks: touching a layer along a length, distance to a layer, containing a point."""

from __future__ import annotations

import shapely

from ..config import Strict
from . import Context, Finding, fmt, register


class TouchParams(Strict):
    layer: str
    min_length_m: float
    tolerance_m: float = 5.0


@register("touches_layer", TouchParams)
def touches_layer(rule, params: TouchParams, ctx: Context) -> list[Finding]:
    """Length of the other layer's edge (e.g. the lake shore) lying along the zone, within a tolerance."""
    edge = ctx.layer_union(params.layer).boundary
    findings = []
    for _, zone in ctx.zones_of(ctx.plan.kinds_of(rule)).iterrows():
        shared = edge.intersection(zone.geometry.buffer(params.tolerance_m))
        length = shared.length
        passed = length >= params.min_length_m
        findings.append(Finding(
            rule.id, passed, (zone["id"],), round(length, 1), "m",
            f"≥ {fmt(params.min_length_m, 0)} m",
            f"Vùng '{zone['id']}' giáp {params.layer} dọc {fmt(length, 0)} m "
            f"({'đạt' if passed else 'chưa đạt'} ≥ {fmt(params.min_length_m, 0)} m)",
            f"Zone '{zone['id']}' borders {params.layer} along {fmt(length, 0)} m "
            f"({'meets' if passed else 'short of'} ≥ {fmt(params.min_length_m, 0)} m)",
            None if passed else (shared if not shared.is_empty else zone.geometry.boundary)))
    return findings


def _distance_findings(rule, layer: str, limit: float, ctx: Context, within: bool) -> list[Finding]:
    other = ctx.layer_union(layer)
    findings = []
    for _, zone in ctx.zones_of(ctx.plan.kinds_of(rule)).iterrows():
        dist = zone.geometry.distance(other)
        passed = dist <= limit if within else dist >= limit
        if within:
            where = shapely.shortest_line(zone.geometry, other)
            target = f"≤ {fmt(limit, 0)} m"
        else:  # the part of the zone that is too close
            where = zone.geometry.intersection(other.buffer(limit))
            target = f"≥ {fmt(limit, 0)} m"
        findings.append(Finding(
            rule.id, passed, (zone["id"],), round(dist, 1), "m", target,
            f"Vùng '{zone['id']}' cách {layer} {fmt(dist, 0)} m (yêu cầu {target})",
            f"Zone '{zone['id']}' is {fmt(dist, 0)} m from {layer} (required {target})",
            None if passed else where))
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
    zones = ctx.zones_of(ctx.plan.kinds_of(rule))
    union = shapely.union_all(zones.geometry.values)
    dist = union.distance(points) if not union.contains(points) else 0.0
    passed = dist <= params.max_distance_m
    target = "chứa / contains" if params.max_distance_m == 0 else f"≤ {fmt(params.max_distance_m, 0)} m"
    return [Finding(
        rule.id, passed, tuple(zones["id"]), round(dist, 1), "m", target,
        f"{params.layer}: cách vùng {fmt(dist, 0)} m" + (" (nằm trong vùng)" if dist == 0 else ""),
        f"{params.layer}: {fmt(dist, 0)} m from the zone" + (" (inside it)" if dist == 0 else ""),
        None if passed else shapely.shortest_line(union, points))]
