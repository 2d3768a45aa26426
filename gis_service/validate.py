"""Run the plan's rules against a version's layers, and derive what is kept with the version:
the repaired zones with both areas, the remaining land, the plan file as validated, the report."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timezone

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.errors import GEOSException

from .coverage import SMALL, Layout, layout
from .crs import geodesic_ha
from . import deadline
from .errors import CheckError, InputError, NotFound
from .geom import PARALLEL_MIN, in_chunks, polygonal
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
#: the zone attributes the checks read; a re-check reads only these (and the geometry)
ZONE_COLUMNS = ["id", "kind", "illustrative"]


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
                  titles=titles or LayerTitles(), raw_valid=derived.valid)

    def outcome(n: int, rule) -> RuleOutcome:
        deadline.check()  # a web request's validation (a draft, a neighbour) stops between rules
        if progress:
            progress(f"[{n}/{len(plan.rules)}] {rule.id} {rule.title_en}")
        return rule_outcome(plan, rule, lambda: CHECKS[rule.check].run(rule, parse_params(rule), ctx))

    numbered = list(enumerate(plan.rules, 1))
    if len(fixed) < PARALLEL_MIN:
        outcomes = [outcome(n, rule) for n, rule in numbered]
    else:  # a parcel layer: the rules are independent and spend their time in GEOS, without the GIL
        for rule in plan.rules:  # what the rules share is built once, before they run side by side
            ctx.zones_of(plan.kinds_of(rule)).sindex
        with ThreadPoolExecutor(min(os.cpu_count() or 1, 4)) as pool:
            outcomes = list(pool.map(lambda item: outcome(*item), numbered))
    if progress:
        progress("Diện tích theo loại vùng / Areas by zone kind")
    return Report(plan.name_vi, plan.name_en, plan.crs,
                  datetime.now(timezone.utc).isoformat(timespec="seconds"), outcomes,
                  kind_areas(plan, fixed, derived.unions, derived.remaining), reference_date=ctx.on.isoformat())


def rule_outcome(plan: Plan, rule, findings_of) -> RuleOutcome:
    """A rule's outcome from its check (``findings_of()``): a GEOS error or a check that cannot
    run on this data is that rule's error; no violation is one passing finding."""
    try:
        findings = findings_of()
        error = None
    except GEOSException as exc:
        findings, error = [], f"GEOS: {exc}"
    except CheckError as exc:
        findings, error = [], str(exc)
    if not findings and error is None:
        findings = [Finding(rule.id, True, (), 0, "vi phạm / violations", "0",
                            "Không có vi phạm", "No violations")]
    return RuleOutcome(rule.id, rule.check, rule.title_vi, rule.title_en, plan.kinds_of(rule), findings, error)


@dataclass
class Derived:
    """Computed once per validation: repaired zones (with both areas), each kind's union (with
    which of its zones can overlap another) and the remaining land (the commune minus the union
    of the kinds' unions)."""
    zones: gpd.GeoDataFrame
    layouts: dict[str, Layout]
    remaining: object
    valid: np.ndarray | None = None  # shapely.is_valid of the zones as loaded

    @property
    def unions(self) -> dict[str, object]:
        return {kind: lay.union for kind, lay in self.layouts.items()}


def derive(plan: Plan, zones: gpd.GeoDataFrame, boundary, repaired_final=None) -> Derived:
    """``repaired_final(frame)``, if given, is called with the repaired zones as soon as they are
    final, before the coverage layout (a store can begin writing them)."""
    valid = in_chunks(shapely.is_valid, zones.geometry.values)  # once: the validity rule reuses it
    fixed = repaired(zones, valid)
    fixed["geodesic_ha"] = geodesic_ha(fixed.geometry.values, fixed.crs)
    if repaired_final:
        repaired_final(fixed)
    kinds = fixed["kind"].to_numpy()
    layouts = {}
    for kind in plan.zone_kinds:
        chosen = kinds == kind
        # a kind that is every zone (a parcel layer) shares the frame's spatial index with the overlap check
        tree = fixed.sindex if chosen.all() and len(fixed) >= SMALL else None
        layouts[kind] = layout(fixed.geometry.values[chosen], tree)
    return Derived(fixed, layouts, remaining_land(boundary, [lay.union for lay in layouts.values()]), valid)


def kind_areas(plan: Plan, zones: gpd.GeoDataFrame, unions: dict, remaining) -> list[KindArea]:
    counts = {kind: int((zones["kind"] == kind).sum()) for kind in plan.zone_kinds}
    return kind_areas_of(plan, counts, unions, remaining, zones.crs)


def kind_areas_of(plan: Plan, counts: dict[str, int], unions: dict, remaining, crs) -> list[KindArea]:
    rows = [(kind, spec.name_vi, spec.name_en, counts.get(kind, 0)) for kind, spec in plan.zone_kinds.items()]
    rows.append(("remaining", plan.remaining.name_vi, plan.remaining.name_en, 1))
    geoms = list(unions.values()) + [remaining]
    geodesic = geodesic_ha(geoms, crs)
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
                        progress=None, on: date | None = None, *, engine: str = "local",
                        scheduler: str = "") -> tuple[dict[str, pd.DataFrame], Report]:
    """``check_version`` on the layers and rasters of a store version, with ``replace`` standing in
    for some of them (a draft's zones, a new register, a new raster's table). ``engine``: "local"
    (this process) or "dask" (dask.distributed: ``scheduler``'s address, or a local cluster)."""
    replace = replace or {}
    if engine == "dask" and not replace:
        from .engines.dask import check_store_version_dask
        return check_store_version_dask(view, source, progress, on=on, scheduler=scheduler)
    if engine not in ("local", "dask"):
        raise InputError(f"unknown engine {engine!r}; known: local, dask", field="engine")
    plan = source.parse()
    # zones unchanged: the version's repaired zones stay as they are (a million rows are neither
    # read in full nor hashed nor written again), and only the columns the checks use are read
    carry = ZONES_LAYER not in replace and repaired_is_current(view, plan.crs)
    needed = rule_layers(plan) | {BOUNDARY_LAYER, ZONES_LAYER}
    layers = {name: replace[name] if name in replace else in_plan_crs(
        view, name, plan.crs, columns=ZONE_COLUMNS if carry and name == ZONES_LAYER else None) for name in needed}
    rasters = {name: raster_from_table(replace[name]) if name in replace else read_raster(view, name)
               for name in rule_rasters(plan)}
    tables, report = check_version(plan, source, layers, progress, rasters=rasters, on=on, titles=layer_titles(view))
    if carry:
        del tables[REPAIRED_LAYER]  # a write carries the version's own over
    return tables, report


def repaired_is_current(view, crs) -> bool:
    """Whether a version's repaired zones were computed from its zones, in ``crs``: every write
    of zones writes their repaired copy with them, so a repaired table that came with the zones'
    table or later (a re-check, a register import) is theirs."""
    names = set(view.layer_names())
    if not {ZONES_LAYER, REPAIRED_LAYER} <= names:
        return False
    if view.origin(REPAIRED_LAYER).number < view.origin(ZONES_LAYER).number:
        return False
    kept = view.crs(REPAIRED_LAYER)
    return kept is not None and CRS.from_user_input(kept).equals(CRS.from_user_input(crs))


def check_version(plan: Plan, source: PlanSource, layers: dict[str, gpd.GeoDataFrame],
                  progress=None, *, rasters: dict[str, Raster] | None = None,
                  on: date | None = None, titles: LayerTitles | None = None) -> tuple[dict[str, pd.DataFrame], Report]:
    """What a version keeps beside its input layers: the repaired zones with planar and geodesic
    hectares, the remaining land, the plan file and the report. ``layers`` are the version's
    input layers in the plan CRS; the ones the rules name must be there, and the rasters.
    ``titles``: the layer catalog's titles, which the findings' messages name the layers by."""
    return judge_version(plan, source, layers, measure_version(plan, layers), progress,
                         rasters=rasters, on=on, titles=titles)


@dataclass
class Measured:
    """A version's zones measured (``derive``) before any rule runs, and the layers it keeps from
    that: the repaired zones and the remaining land."""
    boundary: object
    derived: Derived
    kept: dict[str, gpd.GeoDataFrame]


def measure_version(plan: Plan, layers: dict[str, gpd.GeoDataFrame], repaired_final=None) -> Measured:
    """The first half of ``check_version``: its layers known, a store can begin writing them
    (``repaired_final``: as ``derive`` takes it)."""
    missing = rule_layers(plan) - set(layers)
    if missing:
        raise InputError(f"the plan names layers the store lacks: {sorted(missing)}", field="layer")
    zones = layers[ZONES_LAYER]
    boundary = shapely.union_all(layers[BOUNDARY_LAYER].geometry.values)
    derived = derive(plan, zones, boundary, repaired_final)
    return Measured(boundary, derived, {
        REPAIRED_LAYER: derived.zones,
        REMAINING_LAYER: remaining_frame(plan, derived.remaining, bool(zones["illustrative"].astype(bool).any()))})


def judge_version(plan: Plan, source: PlanSource, layers: dict[str, gpd.GeoDataFrame], measured: Measured,
                  progress=None, *, rasters: dict[str, Raster] | None = None,
                  on: date | None = None, titles: LayerTitles | None = None) -> tuple[dict[str, pd.DataFrame], Report]:
    """The second half of ``check_version``: the rules on the measured zones, and the tables."""
    context = {**layers, **measured.kept}
    report = run_rules(plan, layers[ZONES_LAYER], measured.boundary, {n: context[n] for n in rule_layers(plan)},
                       progress, measured.derived, rasters=rasters, on=on, titles=titles)
    return {**measured.kept, PLAN_TABLE: source.table(), **report.to_tables()}, report


def remaining_frame(plan: Plan, remaining, illustrative: bool) -> gpd.GeoDataFrame:
    """The remaining land as the layer a version keeps."""
    return gpd.GeoDataFrame(
        {"kind": ["remaining"], "name_vi": [plan.remaining.name_vi], "name_en": [plan.remaining.name_en],
         "landuse": [";".join(plan.remaining.landuse)], "illustrative": [illustrative]},
        geometry=[remaining], crs=plan.crs)


def plan_source_of(store) -> PlanSource:
    """The plan file kept with a version (a store or a pinned view)."""
    if PLAN_TABLE not in store.layer_names():
        raise NotFound("this version of the store holds no plan file: run gis-service build")
    row = store.read_table(PLAN_TABLE).iloc[0]
    return PlanSource(str(row["text"]), str(row["file"]))


def in_plan_crs(store, name: str, crs: str, columns: list[str] | None = None) -> gpd.GeoDataFrame:
    """A store layer in the plan CRS: a store built while the plan named the other VN-2000 zone
    is reprojected, not measured in that zone under this one's name. ``columns``: only these
    attributes (None: all)."""
    gdf = store.read_layer(name) if columns is None else store.read_layer(name, columns=columns)
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
