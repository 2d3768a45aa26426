"""Overlap checks: a matrix between zone kinds, and zones against another layer."""

from __future__ import annotations

import numpy as np
import shapely

from ..config import Strict
from ..coverage import candidate_pairs
from . import Context, Finding, at_shown, bound, register
from .geometry import _ha_m2


class OverlapMatrixParams(Strict):
    tolerance_m2: float = 0.0
    allowed: list[tuple[str, str]] = []  # kind pairs that may overlap (e.g. reserve + temporary farming)


@register("overlap_matrix", OverlapMatrixParams)
def overlap_matrix(rule, params: OverlapMatrixParams, ctx: Context) -> list[Finding]:
    """Every pair of zones of the rule's kinds, the same kind included, must not overlap
    by more than the tolerance, unless their pair of kinds is explicitly allowed."""
    kinds_of_rule = ctx.plan.kinds_of(rule)
    zones = ctx.zones_of(kinds_of_rule)
    geoms = zones.geometry.values
    lay = ctx.layout_of(kinds_of_rule)
    if lay.pairs is not None:  # measured once with the union (a large layer)
        left, right, overlaps = lay.pairs.left, lay.pairs.right, lay.pairs.overlaps
    else:  # on a large layer only pairs with a polygon whose edges do not all lie against a twin
        left, right = candidate_pairs(geoms, zones.sindex, lay.suspect)
        overlaps = None
    kinds = zones["kind"].to_numpy()
    if params.allowed:
        codes = {k: i for i, k in enumerate(sorted(set(kinds)))}
        code = np.array([codes[k] for k in kinds]) if len(kinds) else np.zeros(0, int)
        lo, hi = np.minimum(code[left], code[right]), np.maximum(code[left], code[right])
        allowed = {(min(codes[a], codes[b]), max(codes[a], codes[b])) for a, b in params.allowed
                   if a in codes and b in codes}
        keep = ~np.array([(x, y) in allowed for x, y in zip(lo, hi)], dtype=bool)
        left, right = left[keep], right[keep]
        overlaps = None if overlaps is None else overlaps[keep]
    if overlaps is None:
        overlaps = shapely.intersection(geoms[left], geoms[right])
    areas = shapely.area(overlaps)
    ids = zones["id"].to_numpy()
    return [overlap_finding(rule, params, ids[left[k]], ids[right[k]],
                            (ctx.kind(kinds[left[k]], "vi"), ctx.kind(kinds[left[k]], "en")),
                            (ctx.kind(kinds[right[k]], "vi"), ctx.kind(kinds[right[k]], "en")),
                            float(areas[k]), overlaps[k])
            for k in np.flatnonzero([at_shown(a, "m²") > params.tolerance_m2 for a in areas])]


def overlap_finding(rule, params: OverlapMatrixParams, a: str, b: str, kind_a: tuple[str, str],
                    kind_b: tuple[str, str], m2: float, overlap) -> Finding:
    """Zones ``a`` and ``b`` overlapping by ``m2``; their kinds' names as (Vietnamese, English)."""
    return Finding(
        rule.id, False, (a, b), round(m2 / 10_000, 4), "ha",
        f"chồng lấn ≤ {bound(params.tolerance_m2, 'vi')} m² / "
        f"overlap ≤ {bound(params.tolerance_m2, 'en')} m²",
        f"Vùng '{a}' ({kind_a[0]}) chồng lấn vùng '{b}' ({kind_b[0]}) {_ha_m2(m2, 'vi')}",
        f"Zone '{a}' ({kind_a[1]}) overlaps zone '{b}' ({kind_b[1]}) by {_ha_m2(m2)}",
        overlap)


class LayerOverlapParams(Strict):
    layer: str
    tolerance_m2: float = 0.0


@register("no_overlap_with_layer", LayerOverlapParams)
def no_overlap_with_layer(rule, params: LayerOverlapParams, ctx: Context) -> list[Finding]:
    zones = ctx.zones_of(ctx.plan.kinds_of(rule))
    other = ctx.layer_union(params.layer)
    overlaps = shapely.intersection(zones.geometry.values, other)
    areas = shapely.area(overlaps)
    findings = []
    for i in np.flatnonzero([at_shown(a, "m²") > params.tolerance_m2 for a in areas]):
        zid = zones["id"].iloc[i]
        findings.append(Finding(
            rule.id, False, (zid,), round(float(areas[i]) / 10_000, 4), "ha",
            f"chồng lấn {ctx.layer(params.layer, 'vi')} ≤ {bound(params.tolerance_m2, 'vi')} m² / "
            f"overlap with {ctx.layer(params.layer, 'en')} ≤ {bound(params.tolerance_m2, 'en')} m²",
            f"Vùng '{zid}' chồng lấn {ctx.layer(params.layer, 'vi')} {_ha_m2(areas[i], 'vi')}",
            f"Zone '{zid}' overlaps {ctx.layer(params.layer, 'en')} by {_ha_m2(areas[i])}",
            overlaps[i]))
    return findings
