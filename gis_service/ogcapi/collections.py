"""The published collections: every spatial layer of the store, with its title, source, licence
and the MINH HỌA / ILLUSTRATIVE mark from the store's layer catalog, plus the edge-matching
result computed on request."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from typing import Callable

import geopandas as gpd
import pandas as pd

from ..catalog import ILLUSTRATIVE_MARK
from ..errors import NotFound
from ..store import CATALOG_TABLE, Store
from ..raster import RASTER_TYPE  # a raster's table holds a GeoTIFF, not features
from ..validate import BOUNDARY_LAYER

EDGEMATCH_COLLECTION = "edgematch"
#: layers the store keeps that are not published as collections of their own
NON_SPATIAL = {CATALOG_TABLE, "validation_rules", "zone_areas", "plan_file", "zones_repaired"}
#: published collections read from a derived layer: the zones as measured (repaired geometry,
#: official planar and geodesic hectares) rather than as delivered
READ_FROM = {"zones": "zones_repaired"}
#: the column whose values are a collection's feature ids (/items/NS-01), where it has one
ID_COLUMNS = {"zones": "id", "communes": "code", "commune_boundary": "code", "neighbours": "code"}
#: the layers that make up "the plan" in downloads
PLAN_LAYERS = ("commune_boundary", "zones", "remaining_land", "validation_findings")
#: layers the store computes that the catalog does not describe
EXTRA_META = {
    "validation_findings": ("Kết quả kiểm tra quy hoạch (vi phạm và đạt)",
                            "Plan validation findings (violations and passes)",
                            "computed by gis-service validate from the zones and plan.yaml"),
    "imported_neighbours": ("Ranh giới do xã giáp ranh gửi", "Boundaries sent by neighbouring communes",
                            "uploaded by neighbouring communes (gis-service import-neighbour)"),
    EDGEMATCH_COLLECTION: ("So khớp ranh giới: chồng lấn và khe hở với xã giáp ranh",
                           "Edge-matching: overlaps and gaps with neighbouring communes",
                           "computed on request from commune_boundary and the neighbours"),
}


@dataclass(frozen=True)
class Collection:
    id: str
    title_vi: str
    title_en: str
    source: str
    licence: str
    illustrative: bool
    read: Callable[[], gpd.GeoDataFrame]  # the whole collection (small layers, downloads)
    id_column: str | None = None  # feature ids from this column (unique values), else positions
    layer: "LayerSource | None" = None  # the store layer behind it (pages read from it); None: computed

    @property
    def title(self) -> str:
        return f"{self.title_vi} / {self.title_en}"

    @property
    def description(self) -> str:
        mark = f"{ILLUSTRATIVE_MARK}: dữ liệu minh họa, không phải số liệu chính thức / invented for " \
               "demonstration, not official data. " if self.illustrative else ""
        return f"{mark}{self.title}. Nguồn / Source: {self.source}. Giấy phép / Licence: {self.licence}."


def collections(store: Store) -> dict[str, Collection]:
    """Every published collection by id, in the store's layer order."""
    names = store.layer_names()
    catalog = _catalog_rows(store, names)
    out: dict[str, Collection] = {}
    for name in names:
        row = catalog.get(name)
        if name in NON_SPATIAL or (row is not None and row.get("type") == RASTER_TYPE):
            continue
        if row is not None:
            meta = (row["title_vi"], row["title_en"], row["source"], row["licence"], bool(row["illustrative"]))
        else:
            vi, en, source = EXTRA_META.get(name, (name, name, "computed"))
            zones_illustrative = bool(catalog.get("zones", {}).get("illustrative", True))
            meta = (vi, en, source, "project", zones_illustrative and name == "validation_findings")
        layer = _layer_source(store, name, meta[4])
        out[name] = Collection(name, *meta, read=layer.read_all, id_column=ID_COLUMNS.get(name), layer=layer)
    if "neighbours" in names and "commune_boundary" in names:
        vi, en, source = EXTRA_META[EDGEMATCH_COLLECTION]
        admin = catalog.get("commune_boundary", {})
        out[EDGEMATCH_COLLECTION] = Collection(EDGEMATCH_COLLECTION, vi, en,
                                               f"{source}; boundaries: {admin.get('source', '')}",
                                               admin.get("licence", "not stated"), False,
                                               read=lambda: _edgematch_frame(store))
    return out


def collection(published: dict[str, Collection], collection_id: str) -> Collection:
    """One of the ``collections()``, or NotFound naming it."""
    found = published.get(collection_id)
    if found is None:
        raise NotFound(f"no collection {collection_id!r} / không có tập dữ liệu {collection_id!r}")
    return found


def _catalog_rows(store: Store, names: list[str]) -> dict[str, dict]:
    if CATALOG_TABLE not in names:
        return {}
    table: pd.DataFrame = store.read_table(CATALOG_TABLE)
    return {row["name"]: row for row in table.to_dict("records")}


class LayerSource:
    """The store layer a collection is read from at one version, and what every row read from it
    gets added (``finish``: the zones' targets, rules and provenance). What is derived from the
    layer once per version (its count and bounds, whether its id column is unique, the zones'
    report) is kept here, and the app keeps one per version (``web.appdata.published``)."""

    def __init__(self, view, name: str, finish: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame] | None = None):
        self.view, self.name = view, name
        self.finish = finish or (lambda frame: frame)

    def read(self, **kwargs) -> gpd.GeoDataFrame:
        """Rows of the layer as published (``read_layer``'s bbox, limit, offset, where)."""
        return self.finish(self.view.read_layer(self.name, **kwargs))

    def read_all(self) -> gpd.GeoDataFrame:
        return self.read()

    def raw(self, **kwargs) -> gpd.GeoDataFrame:
        """Rows as the store holds them (no added columns): to choose which rows to publish."""
        return self.view.read_layer(self.name, **kwargs)

    @cached_property
    def crs(self):
        return self.view.crs(self.name)

    @cached_property
    def extent(self) -> tuple[int, tuple | None]:
        """Feature count and bounds in the layer's CRS, from the store (no features read); a
        layer without geometry counts as small (read whole, as always)."""
        try:
            return self.view.layer_extent(self.name)
        except NotFound:
            return 0, None

    @property
    def count(self) -> int:
        return self.extent[0]

    def ids_unique(self, column: str | None) -> bool:
        """Whether ``column`` holds a filled, unique, non-empty value for every feature: then it
        gives the feature ids (``query.with_ids``). Read once (that column only)."""
        if column is None:
            return False
        if column not in self._unique:
            table = self.view.read_layer(self.name, columns=[column], geometry=False)
            self._unique[column] = _unique_filled(table, column)
        return self._unique[column]

    @cached_property
    def _unique(self) -> dict[str, bool]:
        return {}


def _unique_filled(table: pd.DataFrame, column: str) -> bool:
    if column not in table.columns:
        return False
    ids = table[column].astype(str)
    return bool(table[column].notna().all() and ids.is_unique and (ids != "").all())


def _layer_source(store: Store, name: str, illustrative: bool) -> LayerSource:
    source = READ_FROM.get(name, name)
    if name != "zones" or source not in store.layer_names():
        return LayerSource(store, name)
    return LayerSource(store, source, _zones_finish(store, illustrative))


def _zones_finish(view, illustrative: bool) -> Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]:
    """Every published zone says its kind's area target and result, the rules it fails, and
    where it comes from: version, file, checksum, decision (read once, applied to any rows)."""
    from ..versions import zones_provenance
    from ..zonetargets import zone_extras

    @cache
    def derived():
        return zone_extras(view), zones_provenance(view, illustrative).as_properties()

    def finish(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        extras, provenance = derived()
        zones = extras.apply(zones)
        for key, value in provenance.items():
            zones[key] = value
        return zones
    return finish


def _edgematch_frame(store: Store) -> gpd.GeoDataFrame:
    from ..edgematch import edgematch_store, pieces_frame

    return pieces_frame(edgematch_store(store), store.crs(BOUNDARY_LAYER))
