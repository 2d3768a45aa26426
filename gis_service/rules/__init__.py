"""Rule checks, registered by name. Adding a check kind touches one place: its own function.

A check takes the rule, its parsed params and the validation context, and returns findings.
Checks that measure a few subjects (area per kind, distance, touching, containment) return one
finding per subject, passed or not. Checks that look for violations among many features
(validity, overlaps, gaps, outside the boundary, area per feature) return only the violations;
the engine records a single passing finding when a rule returns none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..config import Strict
from ..coverage import Layout, layout
from ..crs import geodesic_ha
from ..l10n import LayerTitles, Lang, number
from ..l10n import bound as _bound


@dataclass
class Finding:
    rule_id: str
    passed: bool
    zone_ids: tuple[str, ...]
    measured: float | None
    unit: str
    target: str
    message_vi: str
    message_en: str
    geometry: BaseGeometry | None = None
    geodesic_ha: float | None = None


@dataclass
class Context:
    """What every check sees: zones (repaired copies) and other layers, all in the plan CRS."""

    plan: object
    zones: gpd.GeoDataFrame          # columns id, kind, geometry (repaired), area_ha
    boundary: BaseGeometry
    layers: dict[str, gpd.GeoDataFrame]
    raw_zone_geometry: np.ndarray  # as loaded, before repair
    titles: LayerTitles = field(default_factory=LayerTitles)  # layer titles for the messages
    #: shapely.is_valid of raw_zone_geometry, when the caller computed it already
    raw_valid: np.ndarray | None = field(default=None, repr=False)
    #: each zone kind's union and which of its zones can overlap another (derived once per validation)
    kind_layouts: dict[str, Layout] = field(default_factory=dict, repr=False)
    _unions: dict[str, BaseGeometry] = field(default_factory=dict, repr=False)
    rasters: dict = field(default_factory=dict)  # name → raster.Raster, for the raster checks
    #: the day codes and inspections are judged on (the validation date unless set)
    on: date = field(default_factory=lambda: local_today())
    _selections: dict[tuple[str, ...], gpd.GeoDataFrame] = field(default_factory=dict, repr=False)
    _layouts: dict[tuple[str, ...], Layout] = field(default_factory=dict, repr=False)

    @property
    def crs(self):
        return self.zones.crs

    def zones_of(self, kinds: list[str]) -> gpd.GeoDataFrame:
        """The zones of these kinds; one frame (and one spatial index) per selection."""
        key = tuple(sorted(kinds))
        if key not in self._selections:
            chosen = self.zones["kind"].isin(kinds)
            self._selections[key] = self.zones if chosen.all() else self.zones[chosen]
        return self._selections[key]

    def layout_of(self, kinds: list[str]) -> Layout:
        """The union of the zones of these kinds and which of them can overlap another:
        a kind's from the derived data, several kinds' computed once per validation."""
        key = tuple(sorted(set(kinds)))
        if len(key) == 1 and key[0] in self.kind_layouts:
            return self.kind_layouts[key[0]]
        if key not in self._layouts:
            self._layouts[key] = layout(self.zones_of(list(key)).geometry.values)
        return self._layouts[key]

    def union_of(self, kinds: list[str]) -> BaseGeometry:
        return self.layout_of(kinds).union

    def layer_union(self, name: str) -> BaseGeometry:
        """The union of another layer, computed once per validation."""
        if name not in self._unions:
            self._unions[name] = shapely.union_all(self.layers[name].geometry.values)
        return self._unions[name]

    def geodesic_ha(self, geom: BaseGeometry) -> float:
        return 0.0 if geom.is_empty else float(geodesic_ha([geom], self.crs)[0])

    def layer(self, name: str, lang: Lang) -> str:
        """A layer's title for a message (the catalog's), never its internal name."""
        return self.titles.title(name, lang)

    def kind(self, kind: str, lang: Lang) -> str:
        """A zone kind's name for a message, never its internal id."""
        spec = self.plan.zone_kinds.get(kind)
        return kind if spec is None else (spec.name_vi if lang == "vi" else spec.name_en)


def local_today() -> date:
    """Today in the commune (Asia/Ho_Chi_Minh), whatever the server's time zone."""
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


@dataclass(frozen=True)
class Check:
    name: str
    params: type[Strict]
    run: Callable[..., list[Finding]]


CHECKS: dict[str, Check] = {}


def register(name: str, params: type[Strict]):
    def wrap(fn):
        CHECKS[name] = Check(name, params, fn)
        return fn
    return wrap


def fmt(value: float, digits: int = 1, lang: Lang = "en") -> str:
    """A number for a message: ``lang`` 'vi' writes 1.234,5, 'en' 1,234.5 (gis_service.l10n)."""
    return number(value, digits, lang)


#: the precision every measure is printed at, and so the one its verdict is taken at: a zone of
#: exactly 500 ha delivered in the other VN-2000 zone measures 500.0000000001 ha here, and must
#: not be "above the maximum 500 ha" beside a printed 500.00 ha
DIGITS = {"ha": 2, "m": 1, "m²": 1, "%": 1}


def at_shown(value: float, unit: str) -> float:
    """``value`` as the report prints it: the number a verdict compares with its target."""
    return round(float(value), DIGITS.get(unit, 1))


def bound(value: float, lang: Lang = "en") -> str:
    """A target as written in the plan, all its digits: 500 → '500', 1000 → '1,000' (en) or
    '1.000' (vi), 0.5 → '0.5' / '0,5'."""
    return _bound(value, lang)


def shown(value: float, unit: str, lang: Lang = "en") -> str:
    """'500.00 ha', '382.4 m', '12.5 m²' (en); '1.541,40 ha' (vi)."""
    return f"{fmt(value, DIGITS.get(unit, 1), lang)} {unit}"


from . import area, geometry, overlap, proximity  # noqa: E402,F401  (registers the checks)
from . import plots, suitability  # noqa: E402,F401  (register and raster checks)
