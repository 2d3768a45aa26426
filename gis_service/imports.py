"""Importing a register or a raster into the store: read and check the file, then write it with
its catalog row (source, checksum, illustrative or not) as one store write, one version. Bad
input raises InputError before anything is written."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .catalog import Catalog, RasterEntry, RegisterEntry
from .errors import InputError
from .raster import Raster, load_raster_file, raster_table
from .register import read_register
from .store import CATALOG_TABLE, Store


def import_register(store: Store, catalog: Catalog, path: Path, plan_crs, *, name: str = "durian_plots",
                    assume_crs: str | None = None, illustrative: bool = False) -> gpd.GeoDataFrame:
    """Replace register ``name`` with the plots of ``path`` (GeoPackage, GeoJSON, zipped
    Shapefile, CSV). Real data unless ``illustrative`` or the file marks its rows so."""
    entry = _entry(catalog, name, RegisterEntry, "register")
    frame = read_register(path, entry, plan_crs, assume_crs=assume_crs)
    frame["illustrative"] = frame["illustrative"] | illustrative
    marked = bool(frame["illustrative"].any())
    source = _source(path)
    new_entry = entry.model_copy(update={"file": Path(path).name, "source": source, "illustrative": marked})
    with store.updating():
        store.write({name: frame, CATALOG_TABLE: _catalog_with(store, new_entry)},
                    descriptions={name: new_entry.description})
    return frame


def import_raster(store: Store, catalog: Catalog, path: Path, *, name: str,
                  illustrative: bool = False) -> Raster:
    """Replace raster ``name`` with the GeoTIFF (or any GDAL raster) at ``path``."""
    entry = _entry(catalog, name, RasterEntry, "raster")
    entry = entry.model_copy(update={"file": Path(path).name, "source": _source(path),
                                     "illustrative": illustrative})
    raster = load_raster_file(Path(path), entry)
    with store.updating():
        store.write({name: raster_table(raster), CATALOG_TABLE: _catalog_with(store, entry)},
                    descriptions={name: entry.description})
    return raster


def _entry(catalog: Catalog, name: str, kind: type, what: str):
    found = [e for e in (catalog.registers if kind is RegisterEntry else catalog.rasters) if e.name == name]
    if not found:
        known = [e.name for e in (catalog.registers if kind is RegisterEntry else catalog.rasters)]
        raise InputError(f"no {what} named {name!r} in the catalog; known: {', '.join(known) or 'none'}",
                         field="name")
    return found[0]


def _source(path: Path) -> str:
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16] if Path(path).is_file() else "?"
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return f"imported from {Path(path).name} (sha256 {digest}…) on {when}"


def _catalog_with(store: Store, entry) -> pd.DataFrame:
    """The store's catalog table with ``entry``'s row replaced (or added)."""
    if not store.exists():
        raise InputError("the store has not been built: run gis-service build first", file=str(store))
    table = store.read_table(CATALOG_TABLE)
    row = table[table["name"] == entry.name]
    base = row.iloc[0].to_dict() if len(row) else (table.iloc[0].to_dict() if len(table) else {})
    base.update({"name": entry.name, "title_vi": entry.title_vi, "title_en": entry.title_en,
                 "source": entry.source, "licence": entry.licence, "illustrative": entry.illustrative,
                 "attribution": entry.attribution, "description": entry.description})
    rest = table[table["name"] != entry.name]
    return pd.concat([rest, pd.DataFrame([base])], ignore_index=True)[table.columns]
