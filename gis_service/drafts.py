"""A planner's draft: zones from a consultant's file, checked against the plan beside the current
version's other layers, kept as a new version with its report (or only previewed). No Flask."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from .plan import Plan
from .report import Report
from .store import CATALOG_TABLE, Store, WriteInfo
from .validate import REPAIRED_LAYER, ZONES_LAYER, PlanSource, check_store_version
from .zones import check_zone_attributes


@dataclass
class StagedDraft:
    """Everything a draft's version will hold beside the layers it carries over."""
    tables: dict[str, pd.DataFrame]
    descriptions: dict[str, str]  # the layers' descriptions as the version they replace had them
    report: Report
    info: WriteInfo
    based_on: int  # the version whose other layers the draft was checked with

    @property
    def zones(self) -> gpd.GeoDataFrame:
        return self.tables[REPAIRED_LAYER]


def stage_draft(store: Store, zones: gpd.GeoDataFrame, plan: Plan, source: PlanSource, info: WriteInfo,
                progress=None, on=None) -> StagedDraft:
    """Check ``zones`` (our schema, plan CRS) with the current version's other layers and rasters;
    nothing is written."""
    check_zone_attributes(zones, plan.zone_kinds, info.source_file)
    view = store.at()
    derived, report = check_store_version(view, source, {ZONES_LAYER: zones}, progress, on)
    tables = {ZONES_LAYER: zones, **derived}
    if CATALOG_TABLE in view.layer_names():
        tables[CATALOG_TABLE] = _catalog_with_draft(view.read_table(CATALOG_TABLE), zones, info)
    names = set(view.layer_names())
    descriptions = {name: view.layer_description(name) for name in tables if name in names}
    return StagedDraft(tables, descriptions, report, info, view.version())


def accept(store: Store, draft: StagedDraft) -> int:
    """Keep a staged draft as a new version; the layers it does not replace carry over."""
    notes = "; ".join(filter(None, [draft.info.notes, draft.report.pass_summary]))
    info = WriteInfo(draft.info.action, draft.info.user, draft.info.source_file, draft.info.source_sha256,
                     draft.info.message, notes)
    return store.write(draft.tables, info, descriptions=draft.descriptions, force=True)


def _catalog_with_draft(catalog: pd.DataFrame, zones: gpd.GeoDataFrame, info: WriteInfo) -> pd.DataFrame:
    """The layer catalog with the zones' source (and what is computed from them) set to the draft."""
    out = catalog.copy()
    illustrative = bool(zones["illustrative"].astype(bool).any())
    source = f"{info.source_file} (sha256 {info.source_sha256[:12]}…), nhập bởi / imported by {info.user}"
    is_zones = out["name"] == ZONES_LAYER
    out.loc[is_zones, "source"] = source
    computed = out["name"].isin([REPAIRED_LAYER, "remaining_land"])
    out.loc[is_zones | computed, "illustrative"] = illustrative
    return out
