"""Run the plan's rules against the layers in the store, and keep the report in the store."""

from __future__ import annotations

from datetime import date, datetime, timezone

import geopandas as gpd
import shapely
from shapely.errors import GEOSException

from .crs import geodesic_ha
from .errors import CheckError, InputError
from .plan import Plan, parse_params
from .report import AREAS_TABLE, FINDINGS_LAYER, RULES_TABLE, KindArea, Report, RuleOutcome
from .raster import read_raster
from .rules import CHECKS, Context, Finding, local_today
from .store import Store
from .geom import polygonal
from .zones import repaired

BOUNDARY_LAYER = "commune_boundary"
ZONES_LAYER = "zones"
REMAINING_LAYER = "remaining_land"


def remaining_land(boundary, zone_geometries):
    """The remaining land is computed, never drawn: the commune minus every zone."""
    return polygonal(boundary.difference(shapely.union_all(zone_geometries)))


def run_rules(plan: Plan, zones: gpd.GeoDataFrame, boundary, layers: dict[str, gpd.GeoDataFrame],
              progress=None, *, rasters: dict | None = None, on: date | None = None) -> Report:
    """Check every rule. Invalid zones are reported by the validity rule and every other rule
    runs on the repaired copy, so one bad polygon does not stop the whole check. ``on`` is the
    day planting-area codes and inspections are judged on (default: today in the commune)."""
    fixed = repaired(zones)
    ctx = Context(plan, fixed, boundary, layers, raw_zone_geometry=zones.geometry.values,
                  rasters=rasters or {}, on=on or local_today())
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
        except CheckError as exc:
            findings, error = [], str(exc)
        if not findings and error is None:
            findings = [Finding(rule.id, True, (), 0, "vi phạm / violations", "0",
                                "Không có vi phạm", "No violations")]
        outcomes.append(RuleOutcome(rule.id, rule.check, rule.title_vi, rule.title_en, kinds, findings, error))
    if progress:
        progress("Diện tích theo loại vùng / Areas by zone kind")
    return Report(plan.name_vi, plan.name_en, plan.crs,
                  datetime.now(timezone.utc).isoformat(timespec="seconds"), outcomes,
                  kind_areas(plan, fixed, boundary), reference_date=ctx.on.isoformat())


def kind_areas(plan: Plan, zones: gpd.GeoDataFrame, boundary) -> list[KindArea]:
    unions, rows = [], []
    for kind, spec in plan.zone_kinds.items():
        of_kind = zones[zones["kind"] == kind]
        unions.append(shapely.union_all(of_kind.geometry.values))
        rows.append((kind, spec.name_vi, spec.name_en, len(of_kind)))
    unions.append(remaining_land(boundary, unions))  # the kinds' unions: no second union of every zone
    rows.append(("remaining", plan.remaining.name_vi, plan.remaining.name_en, 1))
    geodesic = geodesic_ha(unions, zones.crs)
    return [KindArea(k, vi, en, n, round(u.area / 10_000, 4), round(float(g), 4))
            for (k, vi, en, n), u, g in zip(rows, unions, geodesic)]


def validate_store(store: Store, plan: Plan, progress=None, *, on: date | None = None) -> Report:
    if not store.exists():
        raise InputError("the store has not been built: run gis-service build first", file=str(store))
    names = set(store.layer_names())
    params = [parse_params(r) for r in plan.rules]
    wanted = {getattr(p, key) for p in params for key in ("layer", "register_name") if getattr(p, key, None)}
    rasters = {p.raster: read_raster(store, p.raster) for p in params if getattr(p, "raster", None)}
    missing = wanted - names
    if missing:
        raise InputError(f"the plan names layers the store lacks: {sorted(missing)}", field="layer")
    zones = _read_in_plan_crs(store, ZONES_LAYER, plan.crs)
    boundary = shapely.union_all(_read_in_plan_crs(store, BOUNDARY_LAYER, plan.crs).geometry.values)
    layers = {name: _read_in_plan_crs(store, name, plan.crs) for name in wanted}
    return run_rules(plan, zones, boundary, layers, progress, rasters=rasters, on=on)


def _read_in_plan_crs(store: Store, name: str, crs: str) -> gpd.GeoDataFrame:
    """A store built while the plan named the other VN-2000 zone is reprojected, not measured
    in that zone under this one's name."""
    gdf = store.read_layer(name)
    return gdf if gdf.crs is None or gdf.crs.equals(crs) else gdf.to_crs(crs)


def save_report(store: Store, report: Report) -> None:
    store.write(report.to_tables(), descriptions={
        FINDINGS_LAYER: "Kết quả kiểm tra quy hoạch / Plan validation findings"})


def load_report(store: Store) -> Report | None:
    if RULES_TABLE not in store.layer_names():
        return None
    return Report.from_tables(store.read_layer(FINDINGS_LAYER), store.read_table(RULES_TABLE),
                              store.read_table(AREAS_TABLE))
