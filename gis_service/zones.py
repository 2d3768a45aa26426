"""The zones layer: its attribute schema, checked feature by feature, and the repaired copy."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from .crs import planar_ha
from .errors import InputError
from .geom import polygonal
from .layerio import feature_label

REQUIRED_FIELDS = ("id", "kind", "name_vi", "name_en", "landuse", "status", "source", "illustrative")
STATUSES = ("draft", "approved", "superseded")


def check_zone_attributes(zones: gpd.GeoDataFrame, kinds: dict, file: str) -> None:
    """Every zone has every field, a unique id, a known kind and status, polygonal geometry.
    The first offending feature is named, with its field."""
    for name in REQUIRED_FIELDS:
        if name not in zones.columns:
            raise InputError("required field is missing from the layer", file=file, field=name)
    checks = [(name, ~zones[name].map(lambda v: isinstance(v, str) and bool(v.strip())),
               "must be a non-empty text")
              for name in ("id", "kind", "name_vi", "name_en", "landuse", "status", "source")]
    checks += [
        ("kind", ~zones["kind"].isin(list(kinds)), f"unknown zone kind; known: {', '.join(kinds)}"),
        ("status", ~zones["status"].isin(STATUSES), f"status must be one of {', '.join(STATUSES)}"),
        ("geometry", ~zones.geometry.geom_type.isin(["Polygon", "MultiPolygon"]), "zones must be polygons"),
        ("id", zones["id"].duplicated(), "this id is used twice"),
    ]
    for field, bad, message in checks:
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            value = zones.geometry.iloc[i].geom_type if field == "geometry" else zones[field].iloc[i]
            raise InputError(f"{message} (got {value!r})", file=file,
                             feature=feature_label(zones, i), field=field)


def repaired(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy with invalid polygons repaired by GEOS make_valid (method 'structure'), keeping
    only the polygonal parts, and each zone's official (planar) area in hectares.

    'structure' rebuilds polygons from their rings (exterior unioned, holes subtracted), so a
    bow-tie becomes its two triangles and a self-overlapping ring is not counted twice.
    """
    out = zones.copy()
    geoms = out.geometry.values
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        fixed = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
        geoms = np.array(geoms, dtype=object)
        geoms[invalid] = [polygonal(g) for g in fixed]
        out = out.set_geometry(gpd.GeoSeries(geoms, crs=zones.crs, index=zones.index))
    out["area_ha"] = planar_ha(out.geometry.values)
    return out
