"""Run the plan's rules against a version's layers, and derive what is kept with the version:
the repaired zones with both areas, the remaining land, the plan file as validated, the report."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timezone

import geopandas as gpd
import pandas as pd
import shapely
from shapely.errors import GEOSException

from .coverage import Layout, layout
from .crs import geodesic_ha
from .errors import CheckError, InputError, NotFound
from .geom import polygonal
from .l10n import LayerTitles
from .plan import Plan, parse_params, parse_plan
from .raster import Raster, raster_from_table, read_raster
from .report import AREAS_TABLE, FINDINGS_LAYER, RULES_TABLE, KindArea, Report, RuleOutcome
from .rules import CHECKS, Context, Finding, local_today
from .zones import repaired

BOUNDARY_LAYER = "commune_boundary"
ZONES_LAYER = "zones"
REMAINING_LAYER = "remaining_land"
#: the zones as measured: repaired copies with official planar and geodesic hectares
REPAIRED_LAYER = "zones_repaired"
#: the plan file (layers/plan.yaml) as it was when the version was validated
PLAN_TABLE = "plan_file"
REPORT_TABLES = (FINDINGS_LAYER, RULES_TABLE, AREAS_TABLE)


@dataclass(frozen=True)
class PlanSource:
    """A plan file's text with where it came from: kept with every version it validated."""
    text: str
    file: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def parse(self, layer_names: set[str] | None = None) -> Plan:
        return parse_plan(self.text, self.file, layer_names)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([{"file": self.file, "sha256": self.sha256, "text": self.text}])


def remaining_land(boundary, zone_geometries):
    """The remaining land is computed, never drawn: the commune minus every zone."""
    return polygonal(boundary.difference(shapely.union_all(zone_geometries)))


def run_rules(plan: Plan, zones: gpd.GeoDataFrame, boundary, layers: dict[str, gpd.GeoDataFrame],
              progress=None, derived: "Derived | None" = None, *, rasters: dict[str, Raster] | None = None,
              on: date | None = None, titles: LayerTitles | None = None) -> Report:
    """Check every rule. Invalid zones are reported by the validity rule and every other rule
    runs on the repaired copy, so one bad polygon does not stop the whole check. ``derived``:
    the repaired zones, unions and remaining land when the caller has them already. ``on`` is
    the day planting-area codes and inspections are judged on (default: today in the commune);
    ``titles``: the layers' titles the messages name them by (the layer catalog's)."""
    derived = derived or derive(plan, zones, boundary)
    fixed = derived.zones
    ctx = Context(plan, fixed, boundary, layers, raw_zone_geometry=zones.geometry.values,
                  rasters=rasters or {}, on=on or local_today(), kind_layouts=derived.layouts,
                  titles=titles or LayerTitles())
    outcomes = []
    for n, rule in enumerate(plan.rules, 1):
        if progress:
            progress(f"[{n}/{len(plan.rules)}] {rule.id} {rule.title_en}")
        kinds = plan.kinds_of(rule)
        try:
            findings = CHECKS[rule.check].run(rule, parse_params(rule), ctx)
            error = None
        except GEOSException as exc:
            findings, error = [], f"GEOS: {exc}"
        except CheckError as exc:  # a check that cannot run on this data: that rule's error
            findings, error = [], str(exc)
        if not findings and error is None:
            findings = [Finding(rule.id, True, (), 0, "vi phạm / violations", "0",
                                "Không có vi phạm", "No violations")]
        outcomes.append(RuleOutcome(rule.id, rule.check, rule.title_vi, rule.title_en, kinds, findings, error))
    if progress:
        progress("Diện tích theo loại vùng / Areas by zone kind")
    return Report(plan.name_vi, plan.name_en, plan.crs,
                  datetime.now(timezone.utc).isoformat(timespec="seconds"), outcomes,
                  kind_areas(plan, fixed, derived.unions, derived.remaining), reference_date=ctx.on.isoformat())


@dataclass
class Derived:
    """Computed once per validation: repaired zones (with both areas), each kind's union (with
    which of its zones can overlap another) and the remaining land (the commune minus the union
    of the kinds' unions)."""
    zones: gpd.GeoDataFrame
    layouts: dict[str, Layout]
    remaining: object

    @property
    def unions(self) -> dict[str, object]:
        return {kind: lay.union for kind, lay in self.layouts.items()}


def derive(plan: Plan, zones: gpd.GeoDataFrame, boundary) -> Derived:
    fixed = repaired(zones)
    fixed["geodesic_ha"] = geodesic_ha(fixed.geometry.values, fixed.crs)
    kinds = fixed["kind"].to_numpy()
    layouts = {kind: layout(fixed.geometry.values[kinds == kind]) for kind in plan.zone_kinds}
    return Derived(fixed, layouts, remaining_land(boundary, [lay.union for lay in layouts.values()]))


def kind_areas(plan: Plan, zones: gpd.GeoDataFrame, unions: dict, remaining) -> list[KindArea]:
    rows = [(kind, spec.name_vi, spec.name_en, int((zones["kind"] == kind).sum()))
            for kind, spec in plan.zone_kinds.items()]
    rows.append(("remaining", plan.remaining.name_vi, plan.remaining.name_en, 1))
    geoms = list(unions.values()) + [remaining]
    geodesic = geodesic_ha(geoms, zones.crs)
    return [KindArea(k, vi, en, n, round(u.area / 10_000, 4), round(float(g), 4))
            for (k, vi, en, n), u, g in zip(rows, geoms, geodesic)]


def rule_layers(plan: Plan) -> set[str]:
    """The vector layers and registers the plan's rules name (beside the zones and the boundary)."""
    params = [parse_params(r) for r in plan.rules]
    return {getattr(p, key) for p in params for key in ("layer", "register_name") if getattr(p, key, None)}


def rule_rasters(plan: Plan) -> set[str]:
    """The rasters the plan's rules name."""
    return {p.raster for r in plan.rules if (p := parse_params(r)) and getattr(p, "raster", None)}


def check_store_version(view, source: PlanSource, replace: dict[str, pd.DataFrame] | None = None,
                        progress=None, on: date | None = None) -> tuple[dict[str, pd.DataFrame], Report]:
    """``check_version`` on the layers and rasters of a store version, with ``replace`` standing in
    for some of them (a draft's zones, a new register, a new raster's table)."""
    replace = replace or {}
    plan = source.parse()
    needed = rule_layers(plan) | {BOUNDARY_LAYER, ZONES_LAYER}
    layers = {name: replace[name] if name in replace else in_plan_crs(view, name, plan.crs) for name in needed}
    rasters = {name: raster_from_table(replace[name]) if name in replace else read_raster(view, name)
               for name in rule_rasters(plan)}
    return check_version(plan, source, layers, progress, rasters=rasters, on=on, titles=layer_titles(view))


def check_version(plan: Plan, source: PlanSource, layers: dict[str, gpd.GeoDataFrame],
                  progress=None, *, rasters: dict[str, Raster] | None = None,
                  on: date | None = None, titles: LayerTitles | None = None) -> tuple[dict[str, pd.DataFrame], Report]:
    """What a version keeps beside its input layers: the repaired zones with planar and geodesic
    hectares, the remaining land, the plan file and the report. ``layers`` are the version's
    input layers in the plan CRS; the ones the rules name must be there, and the rasters.
    ``titles``: the layer catalog's titles, which the findings' messages name the layers by."""
    missing = rule_layers(plan) - set(layers)
    if missing:
        raise InputError(f"the plan names layers the store lacks: {sorted(missing)}", field="layer")
    zones = layers[ZONES_LAYER]
    boundary = shapely.union_all(layers[BOUNDARY_LAYER].geometry.values)
    derived = derive(plan, zones, boundary)
    kept = {REPAIRED_LAYER: derived.zones, REMAINING_LAYER: gpd.GeoDataFrame(
        {"kind": ["remaining"], "name_vi": [plan.remaining.name_vi], "name_en": [plan.remaining.name_en],
         "landuse": [";".join(plan.remaining.landuse)],
         "illustrative": [bool(zones["illustrative"].astype(bool).any())]},
        geometry=[derived.remaining], crs=plan.crs)}
    context = {**layers, **kept}
    report = run_rules(plan, zones, boundary, {n: context[n] for n in rule_layers(plan)}, progress, derived,
                       rasters=rasters, on=on, titles=titles)
    return {**kept, PLAN_TABLE: source.table(), **report.to_tables()}, report


def plan_source_of(store) -> PlanSource:
    """The plan file kept with a version (a store or a pinned view)."""
    if PLAN_TABLE not in store.layer_names():
        raise NotFound("this version of the store holds no plan file: run gis-service build")
    row = store.read_table(PLAN_TABLE).iloc[0]
    return PlanSource(str(row["text"]), str(row["file"]))


def in_plan_crs(store, name: str, crs: str) -> gpd.GeoDataFrame:
    """A store layer in the plan CRS: a store built while the plan named the other VN-2000 zone
    is reprojected, not measured in that zone under this one's name."""
    gdf = store.read_layer(name)
    return gdf if gdf.crs is None or gdf.crs.equals(crs) else gdf.to_crs(crs)


def validate_store(store, plan: Plan, progress=None, *, on: date | None = None) -> Report:
    """Run ``plan`` on the zones of a store version (the current one of a store, or a view)."""
    if not store.exists():
        raise InputError("the store has not been built: run gis-service build first", file=str(store))
    view = store.at() if hasattr(store, "at") else store
    missing = rule_layers(plan) - set(view.layer_names())
    if missing:
        raise InputError(f"the plan names layers the store lacks: {sorted(missing)}", field="layer")
    zones = in_plan_crs(view, ZONES_LAYER, plan.crs)
    boundary = shapely.union_all(in_plan_crs(view, BOUNDARY_LAYER, plan.crs).geometry.values)
    layers = {name: in_plan_crs(view, name, plan.crs) for name in rule_layers(plan)}
    rasters = {name: read_raster(view, name) for name in rule_rasters(plan)}
    return run_rules(plan, zones, boundary, layers, progress, rasters=rasters, on=on, titles=layer_titles(view))


def layer_titles(store) -> LayerTitles:
    """The titles of a version's layers, from its layer catalog (none when it has no catalog)."""
    from .store import CATALOG_TABLE

    if CATALOG_TABLE not in store.layer_names():
        return LayerTitles()
    return LayerTitles.from_catalog(store.read_table(CATALOG_TABLE))


def load_report(store) -> Report | None:
    """The report kept with a version (a store's current one, or a pinned view's)."""
    if RULES_TABLE not in store.layer_names():
        return None
    return Report.from_tables(store.read_layer(FINDINGS_LAYER), store.read_table(RULES_TABLE),
                              store.read_table(AREAS_TABLE))
