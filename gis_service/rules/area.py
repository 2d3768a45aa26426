"""Area targets in official hectares (planar, plan CRS), with the geodesic area beside them."""

from __future__ import annotations

from typing import Literal

import numpy as np
import shapely
from pydantic import model_validator

from ..config import Strict
from ..crs import geodesic_ha
from ..l10n import Lang, range_text
from . import Context, Finding, at_shown, bound, register, shown


class AreaParams(Strict):
    per: Literal["kind", "feature"] = "kind"
    min_ha: float | None = None
    max_ha: float | None = None

    @model_validator(mode="after")
    def _has_a_bound(self):
        if self.min_ha is None and self.max_ha is None:
            raise ValueError("give min_ha, max_ha or both")
        if self.min_ha is not None and self.max_ha is not None and self.min_ha > self.max_ha:
            raise ValueError("min_ha is above max_ha")
        return self

    def target(self, lang: Lang = "vi") -> str:
        """'400–500 ha', '≥ 1.000 ha' (vi) or '≥ 1,000 ha' (en)."""
        return range_text(self.min_ha, self.max_ha, "ha", lang)

    def verdict(self, ha: float) -> tuple[bool, str, str]:
        """Pass or fail, taken on the hectares as printed (0.01 ha): never 'above 500 ha' beside
        a printed 500.00 ha."""
        ha = at_shown(ha, "ha")
        if self.min_ha is not None and ha < self.min_ha:
            return False, f"dưới mức tối thiểu {bound(self.min_ha, 'vi')} ha", \
                f"is below the target minimum {bound(self.min_ha, 'en')} ha"
        if self.max_ha is not None and ha > self.max_ha:
            return False, f"vượt mức tối đa {bound(self.max_ha, 'vi')} ha", \
                f"is above the target maximum {bound(self.max_ha, 'en')} ha"
        return True, f"đạt chỉ tiêu {self.target('vi')}", f"meets the target {self.target('en')}"


@register("area", AreaParams)
def area(rule, params: AreaParams, ctx: Context) -> list[Finding]:
    if params.per == "kind":
        return [_kind_area(rule, params, ctx, kind) for kind in ctx.plan.kinds_of(rule)]
    zones = ctx.zones_of(ctx.plan.kinds_of(rule))
    ha = zones["area_ha"].to_numpy()
    failing = np.array([not params.verdict(a)[0] for a in ha], dtype=bool)
    bad = zones[failing]
    geodesic = geodesic_ha(bad.geometry.values, ctx.crs)
    return [_finding(rule, params, (zid,), f"Vùng '{zid}'", f"Zone '{zid}'", float(a), geom, float(g))
            for zid, a, geom, g in zip(bad["id"], ha[failing], bad.geometry.values, geodesic)]


def _kind_area(rule, params: AreaParams, ctx: Context, kind: str) -> Finding:
    """Area of a kind is the area of the union of its features: overlaps are not counted twice."""
    zones = ctx.zones_of([kind])
    union = ctx.union_of([kind])
    spec = ctx.plan.zone_kinds[kind]
    return _finding(rule, params, tuple(zones["id"].to_numpy().tolist()), spec.name_vi, spec.name_en,
                    union.area / 10_000, union, ctx.geodesic_ha(union))


def _finding(rule, params, ids, label_vi, label_en, ha, geom, geodesic: float) -> Finding:
    passed, why_vi, why_en = params.verdict(ha)
    return Finding(
        rule.id, passed, ids, round(ha, 4), "ha", params.target(),
        f"{label_vi}: {shown(ha, 'ha', 'vi')} (trắc địa {shown(geodesic, 'ha', 'vi')}) {why_vi}",
        f"{label_en}: {shown(ha, 'ha')} (geodesic {shown(geodesic, 'ha')}) {why_en}",
        None if passed else geom, round(geodesic, 4))
