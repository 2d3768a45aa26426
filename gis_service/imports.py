"""Importing a register or a raster into the store: read and check the file, then write it with
its catalog row (source, checksum, illustrative or not) as one store write, one version. Bad
input raises InputError before anything is written."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .catalog import Catalog, RasterEntry, RegisterEntry
from .errors import InputError
from .raster import Raster, load_raster_file, raster_table
from .register import read_register
from .layerio import file_sha256
from .report import Report
from .store import CATALOG_TABLE, Store, WriteInfo
from .validate import PlanSource, check_store_version


def import_register(store: Store, catalog: Catalog, source: PlanSource, path: Path, plan_crs, *,
                    name: str = "durian_plots", assume_crs: str | None = None, illustrative: bool = False,
                    user: str = "system", on=None) -> tuple[gpd.GeoDataFrame, Report]:
    """Replace register ``name`` with the plots of ``path`` (GeoPackage, GeoJSON, zipped
    Shapefile, CSV). Real data unless ``illustrative`` or the file marks its rows so."""
    entry = _entry(catalog, name, RegisterEntry, "register")
    frame = read_register(path, entry, plan_crs, assume_crs=assume_crs)
    frame["illustrative"] = frame["illustrative"] | illustrative
    new_entry = entry.model_copy(update={"file": Path(path).name, "source": _source(path),
                                         "illustrative": bool(frame["illustrative"].any())})
    report = _write_checked(store, source, name, frame, new_entry, path, user, "import-register", on)
    return frame, report


def import_raster(store: Store, catalog: Catalog, source: PlanSource, path: Path, *, name: str,
                  illustrative: bool = False, user: str = "system", on=None) -> tuple[Raster, Report]:
    """Replace raster ``name`` with the GeoTIFF (or any GDAL raster) at ``path``."""
    entry = _entry(catalog, name, RasterEntry, "raster")
    entry = entry.model_copy(update={"file": Path(path).name, "source": _source(path),
                                     "illustrative": illustrative})
    raster = load_raster_file(Path(path), entry)
    report = _write_checked(store, source, name, raster_table(raster), entry, path, user, "import-raster", on)
    return raster, report


def _write_checked(store: Store, source: PlanSource, name: str, table: pd.DataFrame, entry, path: Path,
                   user: str, action: str, on) -> Report:
    """One version: the new register or raster, its catalog row, and the version re-checked with it
    (the shares and suitability rules read it), so the report never describes older data."""
    with store.updating():
        derived, report = check_store_version(store.at(), source, {name: table}, on=on)
        info = WriteInfo(action, user, Path(path).name, file_sha256(path), "", report.pass_summary)
        store.write({name: table, CATALOG_TABLE: _catalog_with(store, entry), **derived}, info,
                    descriptions={name: entry.description}, force=True)
    return report


def _entry(catalog: Catalog, name: str, kind: type, what: str):
    found = [e for e in (catalog.registers if kind is RegisterEntry else catalog.rasters) if e.name == name]
    if not found:
        known = [e.name for e in (catalog.registers if kind is RegisterEntry else catalog.rasters)]
        raise InputError(f"no {what} named {name!r} in the catalog; known: {', '.join(known) or 'none'}",
                         field="name")
    return found[0]


def _source(path: Path) -> str:
    digest = file_sha256(path)[:16] or "?"
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
