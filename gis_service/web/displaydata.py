"""What the public display shows, as one JSON-able dict: light geometry (lon/lat on the map helper's grid,
about 0.1 m) and the zone and target summaries. No Flask here."""

from __future__ import annotations

import pandas as pd

from ..settings import Settings
from .pagegeo import geojson
from .plandata import ILLUSTRATIVE_MARK, PlanData
from .plannermap import zone_tiles
from .reporting import target_rows
from .styles import POINT_LAYERS, display_styles

TILE_THRESHOLD = Settings.tile_threshold
TILED_SLIDES = 20
#: single-zone hectare targets the display lists at most, failing first (a per-parcel rule may name
#: a million; the report lists more, and all are in the findings file)
DISPLAY_TARGETS = 20
CONTEXT = ("commune_boundary", "thac_mo_lake", "residential", "road_ql14", "commune_seat")


def display_payload(data: PlanData, tile_threshold: int = TILE_THRESHOLD) -> dict:
    """Above ``tile_threshold`` zones the map draws them from vector tiles and the slides show
    the zones with a failed rule (else the first ones), at most ``TILED_SLIDES``."""
    zones = data.zones[["id", "geometry"]]
    tiled = zone_tiles(data, tile_threshold)
    if tiled is None:
        summaries = data.zone_summaries
    else:  # the zones a failed rule names, else the first ones, never all of them
        named = data.violations().get("zone_ids", pd.Series(dtype=str)).fillna("").str.split(";").explode()
        failing = list(dict.fromkeys(i for i in named if i))[:TILED_SLIDES]
        summaries = data.zone_summaries_of(failing or data.zones["id"].iloc[:TILED_SLIDES])
    layers = {name: geojson(data.layer(name)[["geometry"]]) for name in CONTEXT
              if name in data.store.layer_names()}
    report = data.report
    targets, targets_more = target_rows(data, DISPLAY_TARGETS)
    return {
        "plan_vi": data.plan.name_vi, "plan_en": data.plan.name_en, "crs": data.plan.crs,
        "built_at": data.built_at, "validated_at": report.generated_at if report else None,
        "provenance": {**data.provenance.as_properties(), "status_vi": data.provenance.status_vi,
                       "status_en": data.provenance.status_en},
        "rules_total": len(report.outcomes) if report else 0,
        "rules_failed": len(report.failed_rules) if report else 0,
        "illustrative_mark": ILLUSTRATIVE_MARK,
        "illustrative": {name: data.is_illustrative(name) for name in (*CONTEXT, "zones")},
        "attribution": data.attribution,
        "styles": display_styles(), "point_colours": POINT_LAYERS,
        "zones_geojson": geojson(zones) if tiled is None else {"type": "FeatureCollection", "features": []},
        "zones_tiles": tiled,
        "kinds": zone_kinds(data),
        "layers": layers,
        "zones": [{"id": z.id, "kind": z.kind, "name_vi": z.name_vi, "name_en": z.name_en, "kind_vi": z.kind_vi,
                   "kind_en": z.kind_en, "landuse": z.landuse, "color": z.color,
                   "area_ha": round(z.area_ha, 4), "illustrative": z.illustrative, "passed": z.passed,
                   "target": None if z.kind_target is None else {
                       "target": z.kind_target.target, "measured_ha": round(z.kind_target.measured_ha, 2),
                       "passed": z.kind_target.passed},
                   "failed_rules": [{"rule_id": r["rule_id"], "title_vi": r["title_vi"],
                                     "title_en": r["title_en"]} for r in z.rules if not r["passed"]]}
                  for z in summaries],
        "targets": [{"rule_id": t.rule_id, "subject_vi": t.subject_vi, "subject_en": t.subject_en,
                     "measured_ha": round(t.measured_ha, 2), "target": t.target, "passed": t.passed}
                    for t in targets],
        "targets_more": targets_more,
        "sources": [{"title_vi": c["title_vi"], "title_en": c["title_en"], "source": c["source"],
                     "illustrative": bool(c["illustrative"])} for c in data.catalog.to_dict("records")],
    }


def zone_kinds(data: PlanData) -> list[dict]:
    """The legend: each zone kind the plan's zones use, in the plan's order, by its name and colour."""
    used = set(data.zones["kind"].unique())  # a column, not a summary of each of a million parcels
    return [{"kind": kind, "name_vi": spec.name_vi, "name_en": spec.name_en, "color": spec.color}
            for kind, spec in data.plan.zone_kinds.items() if kind in used]
