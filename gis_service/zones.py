"""The zones layer: its attribute schema, checked feature by feature, and the repaired copy."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .crs import planar_ha
from .errors import InputError
from .geom import polygonal
from .layerio import feature_label

REQUIRED_FIELDS = ("id", "kind", "name_vi", "name_en", "landuse", "status", "source", "illustrative")
STATUSES = ("draft", "approved", "superseded")
#: shapely type ids of Polygon and MultiPolygon
POLYGONAL_TYPE_IDS = (3, 6)


def check_zone_attributes(zones: gpd.GeoDataFrame, kinds: dict, file: str) -> None:
    """Every zone has every field, a unique id, a known kind and status, polygonal geometry.
    The first offending feature is named, with its field."""
    for name in REQUIRED_FIELDS:
        if name not in zones.columns:
            raise InputError("required field is missing from the layer", file=file, field=name)
    checks = [(name, ~_non_empty_text(zones[name]), "must be a non-empty text")
              for name in ("id", "kind", "name_vi", "name_en", "landuse", "status", "source")]
    checks += [
        ("kind", ~zones["kind"].isin(list(kinds)), f"unknown zone kind; known: {', '.join(kinds)}"),
        ("status", ~zones["status"].isin(STATUSES), f"status must be one of {', '.join(STATUSES)}"),
        ("geometry", ~np.isin(shapely.get_type_id(zones.geometry.values), POLYGONAL_TYPE_IDS),
         "zones must be polygons"),
        ("id", zones["id"].duplicated(), "this id is used twice"),
    ]
    for field, bad, message in checks:
        if bad.any():
            i = int(np.flatnonzero(np.asarray(bad))[0])
            value = zones.geometry.iloc[i].geom_type if field == "geometry" else zones[field].iloc[i]
            raise InputError(f"{message} (got {value!r})", file=file,
                             feature=feature_label(zones, i), field=field)


def _non_empty_text(column: pd.Series) -> np.ndarray:
    """True where a value is a text with something besides spaces (vectorised on string columns,
    value by value on object columns, which may hold numbers or None)."""
    if pd.api.types.is_string_dtype(column) and not pd.api.types.is_object_dtype(column):
        return (column.notna() & (column.str.strip().str.len() > 0)).to_numpy(dtype=bool)
    return column.map(lambda v: isinstance(v, str) and bool(v.strip())).to_numpy(dtype=bool)


def repaired(zones: gpd.GeoDataFrame, valid: np.ndarray | None = None) -> gpd.GeoDataFrame:
    """A frame with invalid polygons repaired by GEOS make_valid (method 'structure'), keeping
    only the polygonal parts, and each zone's official (planar) area in hectares. Only the
    invalid geometries are touched: the columns and the valid geometries are shared with
    ``zones`` (neither is ever modified in place). ``valid``: ``shapely.is_valid`` of the
    zones' geometries when the caller has it (it is computed once per validation).

    'structure' rebuilds polygons from their rings (exterior unioned, holes subtracted), so a
    bow-tie becomes its two triangles and a self-overlapping ring is not counted twice.
    """
    geoms = zones.geometry.values
    if valid is None:
        valid = shapely.is_valid(geoms)
    invalid = np.flatnonzero(~valid)
    if len(invalid):
        fixed = shapely.make_valid(np.asarray(geoms[invalid], dtype=object), method="structure",
                                   keep_collapsed=False)
        geoms = np.array(geoms, dtype=object)  # a new array of the same geometry objects
        geoms[invalid] = [polygonal(g) for g in fixed]
    out = zones.copy(deep=False)  # copy-on-write: the columns are shared until one is set
    if len(invalid):
        out[zones.geometry.name] = gpd.GeoSeries(geoms, crs=zones.crs, index=zones.index)
    out["area_ha"] = planar_ha(out.geometry.values)
    return out
