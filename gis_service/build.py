"""Build a version of the store from layers/: read every catalog layer in any format GDAL reads,
check it, reproject it to the plan CRS, derive the remaining land, the neighbours, the repaired
zones and the report, and write it all as ONE version. Layers the build does not produce (a
neighbour's upload, a register import) carry over."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import datetime, timezone

import geopandas as gpd
import pandas as pd
import shapely

from .catalog import Catalog, LayerEntry, layer_path, load_catalog, read_entry
from .config import read_text
from .l10n import LayerTitles
from .plan import Plan
from .raster import raster_from_table, raster_layers
from .register import entry_type, register_layers
from .provenance import file_digest
from .settings import Settings
from .store import CATALOG_TABLE, Store, WriteInfo
from .validate import (BOUNDARY_LAYER, REMAINING_LAYER, REPAIRED_LAYER, ZONES_LAYER, PlanSource,
                       judge_version, measure_version)
from .zones import check_zone_attributes

COMMUNES_LAYER = "communes"
NEIGHBOURS_LAYER = "neighbours"


def load_inputs(settings: Settings) -> tuple[Catalog, Plan]:
    catalog, plan, _ = load_sources(settings)
    return catalog, plan


def load_sources(settings: Settings) -> tuple[Catalog, Plan, PlanSource]:
    """The catalog and the plan file of layers/, checked; the plan with its text."""
    catalog = load_catalog(settings.catalog_file)
    names = {e.name for e in [*catalog.layers, *catalog.registers, *catalog.rasters]} | {
        REMAINING_LAYER, NEIGHBOURS_LAYER}
    source = PlanSource(read_text(settings.plan_file), settings.plan_file.name)
    return catalog, source.parse(names), source


def build_store(settings: Settings, store: Store, progress=None, user: str = "system",
                message: str = "", on=None, notes: list[str] | None = None) -> dict[str, int]:
    """Read, check, validate and write every layer as one version. Nothing is written unless
    everything reads cleanly. Returns the feature count of each layer written. ``notes``
    receives what was changed without refusing (Z and M dropped)."""
    catalog, plan, source = load_sources(settings)
    layers = read_layers(catalog, plan, settings, progress, notes)
    rasters = raster_layers(catalog, settings.layers_dir, progress)
    entries = [*catalog.layers, *catalog.registers, *catalog.rasters,
               *derived_entries(catalog, plan, NEIGHBOURS_LAYER in layers)]
    descriptions = {e.name: e.description for e in entries}
    with ExitStack() as writes:
        ahead: dict[str, object] = {}

        def write_ahead(name: str, frame: gpd.GeoDataFrame) -> None:
            """A layer final before the version is: a store that can (a million parcels in the
            GeoPackage) writes it on the other core while the build goes on."""
            ahead.update(writes.enter_context(store.writing_ahead({name: frame}, descriptions)))

        write_ahead(ZONES_LAYER, layers[ZONES_LAYER])
        # each source file's checksum: validate refuses a store not built from the files on disk
        digests = {e.name: file_digest(layer_path(e, settings.layers_dir))
                   for e in [*catalog.layers, *catalog.registers, *catalog.rasters]}
        # the repaired zones are final before the coverage layout
        measured = measure_version(plan, layers, repaired_final=lambda frame: write_ahead(REPAIRED_LAYER, frame))
        derived, report = judge_version(plan, source, layers, measured, progress, on=on,
                                        rasters={name: raster_from_table(t) for name, t in rasters.items()},
                                        titles=LayerTitles({e.name: (e.title_vi, e.title_en) for e in entries}))
        tables = {**layers, **rasters, **derived, CATALOG_TABLE: catalog_table(entries, plan, digests)}
        if progress:
            progress("Ghi phiên bản / Writing the version")
        store.write({**tables, **ahead}, WriteInfo("build", user, settings.catalog_file.name, "", message,
                                                   report.pass_summary),
                    descriptions=descriptions, drop=_no_longer_built(store, {e.name for e in entries}))
    return {name: len(frame) for name, frame in tables.items()}


def read_layers(catalog: Catalog, plan: Plan, settings: Settings, progress=None,
                notes: list[str] | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Every vector layer and register of the catalog, checked, in the plan CRS; the neighbours
    found from the communes' geometry when the catalog has them."""
    layers: dict[str, gpd.GeoDataFrame] = {}
    for n, entry in enumerate(catalog.layers, 1):
        if progress:
            progress(f"[{n}/{len(catalog.layers)}] {entry.name} ← {entry.file}")
        gdf = read_entry(entry, settings.layers_dir, plan.crs, notes)
        if entry.name == ZONES_LAYER:
            check_zone_attributes(gdf, plan.zone_kinds, str(settings.layers_dir / entry.file))
        layers[entry.name] = gdf
    layers.update(register_layers(catalog, settings.layers_dir, plan.crs, progress))
    if COMMUNES_LAYER in layers:
        boundary = shapely.union_all(layers[BOUNDARY_LAYER].geometry.values)
        layers[NEIGHBOURS_LAYER] = neighbours(layers[COMMUNES_LAYER], boundary)
    return layers


def _no_longer_built(store: Store, names: set[str]) -> tuple[str, ...]:
    """Layers an earlier build produced that the catalog no longer lists."""
    if CATALOG_TABLE not in store.layer_names():
        return ()
    before = set(store.read_table(CATALOG_TABLE)["name"])
    return tuple(sorted(before - names))


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
                      illustrative=zones.illustrative),
           LayerEntry(name=REPAIRED_LAYER, file="(computed)", role="plan",
                      title_vi=zones.title_vi + " (đã sửa hình học, có diện tích)",
                      title_en=zones.title_en + " (repaired geometry, with areas)",
                      source="computed from zones (GEOS make_valid), planar and geodesic hectares",
                      licence=zones.licence, illustrative=zones.illustrative)]
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
             "attribution": e.attribution, "type": entry_type(e), "sha256": (digests or {}).get(e.name, ""),
             "description": e.description, "crs": plan.crs, "built_at": built} for e in entries]
    return pd.DataFrame(rows)
