"""Reading vector files of any format GDAL reads, with errors that name the file, feature and field."""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from .errors import InputError


def read_vector(path: Path | str, *, layer: str | None = None, assume_crs: str | None = None,
                target_crs=None) -> gpd.GeoDataFrame:
    """Read one vector layer, refuse empty or CRS-less input, reproject to ``target_crs``.

    A layer with no CRS is refused unless ``assume_crs`` names it. Geographic coordinates
    outside ±180/±90 are refused: the file is projected data mislabelled as lon/lat.
    """
    name = str(path)
    if not Path(_strip_vsi(name)).exists():
        raise InputError("file not found", file=name)
    try:
        gdf = gpd.read_file(path, layer=layer, engine="pyogrio", use_arrow=True)
    except Exception as exc:  # GDAL's own message says what is broken
        raise InputError(f"cannot be read as a vector layer: {_first_line(exc)}", file=name) from None
    if len(gdf) == 0:
        raise InputError("the layer is empty (no features)", file=name)
    if gdf.crs is None:
        if not assume_crs:
            raise InputError("the layer has no coordinate reference system; name it "
                             "(e.g. crs: EPSG:9212 in the catalog, or --crs)", file=name, field="crs")
        try:
            gdf = gdf.set_crs(assume_crs)
        except CRSError:
            raise InputError(f"unknown coordinate reference system {assume_crs!r}", file=name,
                             field="crs") from None
    _check_geometries(gdf, name)
    if target_crs is not None and not CRS.from_user_input(target_crs).equals(gdf.crs):
        gdf = gdf.to_crs(target_crs)
    return gdf


def file_sha256(path: Path | str) -> str:
    """The checksum of a file as delivered, kept with the version it made ('' if not a file)."""
    path = Path(_strip_vsi(str(path)))
    if not path.is_file():
        return ""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def feature_label(gdf: gpd.GeoDataFrame, index: int, id_field: str = "id") -> str:
    """How a feature is named in messages: its id where it has one, else its position."""
    if id_field in gdf.columns:
        value = gdf[id_field].iloc[index]
        if isinstance(value, str) and value:
            return f"'{value}' (#{index + 1})"
    return f"#{index + 1}"


def _check_geometries(gdf: gpd.GeoDataFrame, name: str) -> None:
    missing = np.flatnonzero(gdf.geometry.isna().to_numpy() | gdf.geometry.is_empty.to_numpy())
    if len(missing):
        raise InputError("feature has no geometry", file=name,
                         feature=feature_label(gdf, int(missing[0])), field="geometry")
    if gdf.crs.is_geographic:
        bounds = shapely.bounds(gdf.geometry.values)
        bad = np.flatnonzero((np.abs(bounds[:, [0, 2]]) > 180).any(axis=1)
                             | (np.abs(bounds[:, [1, 3]]) > 90).any(axis=1))
        if len(bad):
            raise InputError(f"coordinates are outside longitude/latitude range for CRS "
                             f"{gdf.crs.to_string()}; is the CRS wrong?", file=name,
                             feature=feature_label(gdf, int(bad[0])), field="geometry")


def _strip_vsi(name: str) -> str:
    return name.split("!")[0].removeprefix("zip://")


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
