"""Build the store from layers/: read every catalog layer in any format GDAL reads, check it,
reproject it to the plan CRS, derive the remaining land and the neighbours, write atomically."""

from __future__ import annotations

from datetime import datetime, timezone

import geopandas as gpd
import pandas as pd
import shapely

from .catalog import Catalog, LayerEntry, layer_path, load_catalog, read_entry
from .plan import Plan, load_plan
from .provenance import file_digest
from .settings import Settings
from .store import CATALOG_TABLE, Store
from .validate import BOUNDARY_LAYER, REMAINING_LAYER, ZONES_LAYER, remaining_land
from .zones import check_zone_attributes, repaired

COMMUNES_LAYER = "communes"
NEIGHBOURS_LAYER = "neighbours"


def load_inputs(settings: Settings) -> tuple[Catalog, Plan]:
    catalog = load_catalog(settings.catalog_file)
    names = {e.name for e in catalog.layers} | {REMAINING_LAYER, NEIGHBOURS_LAYER}
    return catalog, load_plan(settings.plan_file, names)


def build_store(settings: Settings, store: Store, progress=None,
                notes: list[str] | None = None) -> dict[str, int]:
    """Read, check and write every layer. Nothing is written unless everything reads cleanly.
    ``notes`` receives what was changed without refusing (Z and M dropped)."""
    catalog, plan = load_inputs(settings)
    layers: dict[str, gpd.GeoDataFrame] = {}
    for n, entry in enumerate(catalog.layers, 1):
        if progress:
            progress(f"[{n}/{len(catalog.layers)}] {entry.name} ← {entry.file}")
        gdf = read_entry(entry, settings.layers_dir, plan.crs, notes)
        if entry.name == ZONES_LAYER:
            check_zone_attributes(gdf, plan.zone_kinds, str(settings.layers_dir / entry.file))
        layers[entry.name] = gdf
    boundary = shapely.union_all(layers[BOUNDARY_LAYER].geometry.values)
    layers[REMAINING_LAYER] = gpd.GeoDataFrame(
        {"kind": ["remaining"], "name_vi": [plan.remaining.name_vi], "name_en": [plan.remaining.name_en],
         "landuse": [";".join(plan.remaining.landuse)], "illustrative": [True]},
        geometry=[remaining_land(boundary, repaired(layers[ZONES_LAYER]).geometry.values)], crs=plan.crs)
    if COMMUNES_LAYER in layers:
        layers[NEIGHBOURS_LAYER] = neighbours(layers[COMMUNES_LAYER], boundary)
    entries = catalog.layers + derived_entries(catalog, plan, NEIGHBOURS_LAYER in layers)
    digests = {e.name: file_digest(layer_path(e, settings.layers_dir)) for e in catalog.layers}
    layers[CATALOG_TABLE] = catalog_table(entries, plan, digests)
    store.write(layers, descriptions={e.name: e.description for e in entries}, replace_all=True)
    return {name: len(frame) for name, frame in layers.items()}


def neighbours(communes: gpd.GeoDataFrame, boundary, gap_m: float = 50.0) -> gpd.GeoDataFrame:
    """Neighbours found from geometry: communes whose polygon comes within ``gap_m`` of ours,
    with the length of our border that lies within ``gap_m`` of theirs."""
    others = communes[~communes.geometry.covers(boundary.representative_point())]
    near = others[others.distance(boundary) <= gap_m].copy()
    ours = boundary.boundary
    near["shared_border_m"] = [round(ours.intersection(g.buffer(gap_m)).length, 1) for g in near.geometry]
    return near[near["shared_border_m"] > 0].sort_values("name").reset_index(drop=True)


def derived_entries(catalog: Catalog, plan: Plan, with_neighbours: bool) -> list[LayerEntry]:
    """Catalog entries for the layers the build computes rather than reads."""
    zones = catalog.entry(ZONES_LAYER)
    out = [LayerEntry(name=REMAINING_LAYER, file="(computed)", role="plan",
                      title_vi=plan.remaining.name_vi + " (xã trừ các vùng)",
                      title_en=plan.remaining.name_en + " (commune minus the zones)",
                      source="computed from commune_boundary and zones", licence=zones.licence,
                      illustrative=zones.illustrative)]
    if with_neighbours:
        communes = catalog.entry(COMMUNES_LAYER)
        out.append(LayerEntry(name=NEIGHBOURS_LAYER, file="(computed)", role="basemap",
                              title_vi="Các xã giáp ranh (tìm theo hình học)",
                              title_en="Neighbouring communes (found from geometry)",
                              source=communes.source, licence=communes.licence, illustrative=False))
    return out


def catalog_table(entries: list[LayerEntry], plan: Plan, digests: dict[str, str] | None = None) -> pd.DataFrame:
    """The store's layer catalog; ``digests``: each read layer's source file checksum (sha256)."""
    built = datetime.now(timezone.utc).isoformat(timespec="seconds")
    rows = [{"name": e.name, "role": e.role, "title_vi": e.title_vi, "title_en": e.title_en,
             "source": e.source, "licence": e.licence, "illustrative": e.illustrative,
             "attribution": e.attribution, "sha256": (digests or {}).get(e.name, ""),
             "description": e.description, "crs": plan.crs, "built_at": built} for e in entries]
    return pd.DataFrame(rows)
