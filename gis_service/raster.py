"""Rasters (soil suitability classes, slope): read from any GDAL raster, kept in the store as
one GeoTIFF per raster, measured over zones by the exact fraction of each cell inside the
polygon (exactextract), and drawn for the map as a PNG in Web Mercator.

CRS: a raster with no CRS is refused unless its catalog entry names one (``crs:``). A raster in
another CRS than the plan is not resampled for measuring: the zones are projected into the
raster's CRS and measured there, so class values are never blended. A share is a ratio of areas
measured in one CRS, so the scale factor of a projected CRS cancels out; for a geographic
(lon/lat) raster each cell is weighted by its coverage alone, which over one commune at 12° N
differs from equal-area weighting by less than 0.01 %.
"""

from __future__ import annotations

import base64
import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio.errors import RasterioIOError
from rasterio.io import MemoryFile

from .catalog import RasterEntry, layer_path
from .errors import CheckError, InputError, NotFound

#: the catalog table's type of a raster entry: its store table of the same name holds a GeoTIFF
RASTER_TYPE = "raster"
#: share of a zone's area allowed to fall outside the raster's extent (floating-point slack)
OUTSIDE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Raster:
    entry: RasterEntry
    data: bytes       # a GeoTIFF with its CRS
    source: str       # the file it came from, named in errors
    sha256: str

    @contextmanager
    def open(self) -> Iterator[rasterio.io.DatasetReader]:
        with MemoryFile(self.data) as memfile, memfile.open() as dataset:
            yield dataset


@dataclass(frozen=True)
class ZoneCells:
    """The cells under one zone: their values (scaled, nodata left out), each cell's fraction
    inside the zone, and the zone's area counted in cells (nodata and all)."""
    zone_id: str
    values: np.ndarray
    coverage: np.ndarray
    area_cells: float

    @property
    def nodata_share(self) -> float:
        return 0.0 if self.area_cells <= 0 else max(0.0, 1.0 - float(self.coverage.sum()) / self.area_cells)


def load_raster_file(path: Path, entry: RasterEntry) -> Raster:
    """Read a raster file, check it has one band, a georeference and a CRS (or the entry's),
    and keep it as a compressed GeoTIFF."""
    name = str(path)
    if not Path(path).exists():
        raise InputError("file not found", file=name)
    try:
        with rasterio.open(path) as src:
            if src.count < 1:
                raise InputError("the raster has no band", file=name)
            if src.transform.is_identity or src.transform.b or src.transform.d:
                raise InputError("the raster is not georeferenced north-up (no geotransform, or a "
                                 "rotated one): warp it first (gdalwarp)", file=name, field="transform")
            crs = src.crs
            if crs is None:
                if not entry.crs:
                    raise InputError("the raster has no coordinate reference system; name it in the "
                                     "catalog (crs: EPSG:5899) or assign one (gdal_edit.py -a_srs)",
                                     file=name, field="crs")
                crs = rasterio.crs.CRS.from_user_input(entry.crs)
            profile = src.profile | {"driver": "GTiff", "crs": crs, "compress": "deflate", "count": 1,
                                     "tiled": False}
            profile.pop("blockxsize", None), profile.pop("blockysize", None)
            band, scale, offset = src.read(1), src.scales[0], src.offsets[0]
    except RasterioIOError as exc:
        raise InputError(f"cannot be read as a raster: {str(exc).splitlines()[0]}", file=name) from None
    with MemoryFile() as memfile:
        with memfile.open(**profile) as dst:
            dst.write(band, 1)
            dst.scales, dst.offsets = (scale,), (offset,)
        data = memfile.read()
    return Raster(entry, data, Path(path).name, hashlib.sha256(data).hexdigest())


def raster_table(raster: Raster) -> pd.DataFrame:
    """The store's row for a raster: its entry, source, checksum and GeoTIFF bytes (base64 text:
    the vector driver writes text and numbers, not blobs)."""
    return pd.DataFrame([{"name": raster.entry.name, "source": raster.source, "sha256": raster.sha256,
                          "entry_json": raster.entry.model_dump_json(),
                          "data_base64": base64.b64encode(raster.data).decode("ascii")}])


def stored_raster_names(store) -> list[str]:
    """The rasters in the store: catalog rows of type raster whose table is there."""
    from .store import CATALOG_TABLE

    names = store.layer_names()
    if CATALOG_TABLE not in names:
        return []
    catalog = store.read_table(CATALOG_TABLE)
    if "type" not in catalog.columns:
        return []
    return [n for n in catalog.loc[catalog["type"] == RASTER_TYPE, "name"] if n in names]


def read_raster(store, name: str) -> Raster:
    if name not in stored_raster_names(store):
        raise NotFound(f"raster {name!r} is not in the store (gis-service build or import-raster)")
    return raster_from_table(store.read_table(name), str(store))


def raster_from_table(table: pd.DataFrame, where: str = "the store") -> Raster:
    """The raster a store row holds (``raster_table``'s inverse), its checksum verified."""
    row = table.iloc[0]
    entry = RasterEntry.model_validate(json.loads(row["entry_json"]))
    data = base64.b64decode(row["data_base64"])
    if hashlib.sha256(data).hexdigest() != row["sha256"]:
        raise InputError(f"raster {entry.name!r} does not match its checksum", file=where)
    return Raster(entry, data, str(row["source"]), str(row["sha256"]))


def zone_cells(raster: Raster, zones: gpd.GeoDataFrame) -> list[ZoneCells]:
    """For each zone (columns id, geometry), the raster cells under it with the exact fraction
    of each cell inside the polygon. A zone reaching outside the raster's extent is bad input,
    named with the raster's file (CheckError: the rule reports it as its error and the other rules
    run); a zone smaller than a cell gets that cell's fraction."""
    from exactextract import exact_extract

    if zones.empty:
        return []
    with raster.open() as src:
        local = zones.to_crs(src.crs) if not zones.crs.equals(src.crs) else zones
        extent = shapely.box(*src.bounds)
        geoms = local.geometry.values
        outside = shapely.area(shapely.difference(geoms, extent))
        areas = shapely.area(geoms)
        for zid, out, area in zip(local["id"], outside, areas):
            if out > OUTSIDE_TOLERANCE * max(area, 1e-9):
                raise CheckError(
                    f"the raster '{raster.entry.name}' does not cover zone '{zid}': "
                    f"{out / max(area, 1e-9):.1%} of the zone lies outside the raster's extent "
                    f"{tuple(round(v, 1) for v in src.bounds)} ({src.crs})",
                    file=raster.source, feature=f"zone '{zid}'", field="raster")
        frame = gpd.GeoDataFrame({"zone_id": list(local["id"])}, geometry=geoms, crs=local.crs)
        cell_area = abs(src.transform.a * src.transform.e)
        result = exact_extract(src, frame, ["values", "coverage"], output="pandas")
        scale, offset = src.scales[0], src.offsets[0]
    out_cells = []
    for zid, area, values, cover in zip(local["id"], areas, result["values"], result["coverage"]):
        values = np.asarray(values, dtype=float) * scale + offset
        cells = ZoneCells(str(zid), values, np.asarray(cover, dtype=float), float(area) / cell_area)
        if cells.coverage.sum() <= 0:
            raise CheckError(f"the raster '{raster.entry.name}' has no data over zone '{zid}'",
                             file=raster.source, feature=f"zone '{zid}'", field="raster")
        out_cells.append(cells)
    return out_cells


def class_share(cells: ZoneCells, classes: list[int]) -> float:
    """Fraction of the zone's area on the given classes; nodata cells count as not on them."""
    on = np.isin(np.rint(cells.values).astype(int), classes)
    return float(cells.coverage[on].sum()) / cells.area_cells if cells.area_cells > 0 else 0.0


def weighted_mean(cells: ZoneCells) -> float:
    return float(np.average(cells.values, weights=cells.coverage))


def maximum(cells: ZoneCells) -> float:
    return float(cells.values[cells.coverage > 0].max())


def render_png(raster: Raster) -> tuple[bytes, tuple[float, float, float, float]]:
    """The raster coloured by its legend, warped to Web Mercator (Leaflet draws an image overlay
    linearly in that projection), as an RGBA PNG with its lon/lat bounds (west, south, east, north).
    Classes are warped by nearest neighbour, continuous values bilinearly."""
    from rasterio.warp import Resampling, calculate_default_transform, reproject, transform_bounds

    with raster.open() as src:
        band = src.read(1, masked=True).astype("float64") * src.scales[0] + src.offsets[0]
        dst_crs = "EPSG:3857"
        transform, width, height = calculate_default_transform(src.crs, dst_crs, src.width, src.height,
                                                               *src.bounds)
        warped = np.full((height, width), np.nan)
        reproject(band.filled(np.nan), warped, src_transform=src.transform, src_crs=src.crs,
                  dst_transform=transform, dst_crs=dst_crs, src_nodata=np.nan, dst_nodata=np.nan,
                  resampling=Resampling.nearest if raster.entry.kind == "classes" else Resampling.bilinear)
    rgba = colourise(raster.entry, warped)
    west, north = transform * (0, 0)
    east, south = transform * (width, height)
    bounds = transform_bounds(dst_crs, "EPSG:4326", west, south, east, north)
    with MemoryFile() as memfile:
        with memfile.open(driver="PNG", width=width, height=height, count=4, dtype="uint8") as dst:
            dst.write(np.moveaxis(rgba, -1, 0))
        return memfile.read(), bounds


def colourise(entry: RasterEntry, values: np.ndarray) -> np.ndarray:
    """RGBA for each value: a class's colour, or the first ramp stop at or above it; NaN and
    unknown classes transparent."""
    rgba = np.zeros((*values.shape, 4), dtype="uint8")
    finite = np.isfinite(values)
    if entry.kind == "classes":
        ints = np.where(finite, np.rint(np.nan_to_num(values)), -1).astype(int)
        for c in entry.classes:
            rgba[(ints == c.value) & finite] = (*_rgb(c.color), 255)
        return rgba
    done = ~finite
    for stop in sorted(entry.ramp, key=lambda s: s.upto):
        here = ~done & (values <= stop.upto)
        rgba[here] = (*_rgb(stop.color), 255)
        done |= here
    rgba[~done] = (*_rgb(entry.ramp[-1].color), 255)
    return rgba


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def raster_layers(catalog, base: Path, progress=None) -> dict[str, pd.DataFrame]:
    """Each raster of the catalog as its store table (for the build)."""
    out = {}
    for entry in catalog.rasters:
        if progress:
            progress(f"raster {entry.name} ← {entry.file}")
        out[entry.name] = raster_table(load_raster_file(layer_path(entry, base), entry))  # inside layers/ only
    return out
