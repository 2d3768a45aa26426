"""The zones layer: its attribute schema, checked feature by feature, and the repaired copy."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from .crs import planar_ha
from .errors import InputError
from .layerio import feature_label

REQUIRED_FIELDS = ("id", "kind", "name_vi", "name_en", "landuse", "status", "source", "illustrative")
STATUSES = ("draft", "approved", "superseded")


def check_zone_attributes(zones: gpd.GeoDataFrame, kinds: dict, file: str) -> None:
    """Every zone has every field, a unique id, a known kind and status, polygonal geometry."""
    for name in REQUIRED_FIELDS:
        if name not in zones.columns:
            raise InputError("required field is missing from the layer", file=file, field=name)
    for i in range(len(zones)):
        row = zones.iloc[i]
        label = feature_label(zones, i)
        for name in ("id", "kind", "name_vi", "name_en", "landuse", "status", "source"):
            if not isinstance(row[name], str) or not row[name].strip():
                raise InputError("must be a non-empty text", file=file, feature=label, field=name)
        if row["kind"] not in kinds:
            raise InputError(f"unknown zone kind {row['kind']!r}; known: {', '.join(kinds)}",
                             file=file, feature=label, field="kind")
        if row["status"] not in STATUSES:
            raise InputError(f"status must be one of {', '.join(STATUSES)}", file=file, feature=label,
                             field="status")
        if row.geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputError(f"zones must be polygons, got {row.geometry.geom_type}", file=file,
                             feature=label, field="geometry")
    dupes = zones["id"][zones["id"].duplicated()]
    if len(dupes):
        i = int(np.flatnonzero(zones["id"].duplicated())[0])
        raise InputError(f"id {dupes.iloc[0]!r} is used twice", file=file,
                         feature=feature_label(zones, i), field="id")


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
        geoms[invalid] = [_polygonal(g) for g in fixed]
        out = out.set_geometry(gpd.GeoSeries(geoms, crs=zones.crs, index=zones.index))
    out["area_ha"] = planar_ha(out.geometry.values)
    return out


def _polygonal(geom):
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()
