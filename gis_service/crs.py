"""Coordinate systems and area: official planar hectares in VN-2000 TM-3, geodesic beside them."""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Geod, Transformer


#: VN-2000 / TM-3 107-45 (Đồng Nai, the commune's province since 1 July 2025).
DONG_NAI_TM3 = "EPSG:5899"
#: VN-2000 / TM-3 106-15 (the old Bình Phước zone of the commune's older data).
BINH_PHUOC_TM3 = "EPSG:9212"
PLAN_CRSS = (DONG_NAI_TM3, BINH_PHUOC_TM3)
WGS84 = "EPSG:4326"
CRS84 = "OGC:CRS84"

M2_PER_HA = 10_000.0
_GEOD = Geod(ellps="WGS84")


def planar_ha(geoms) -> np.ndarray:
    """Planar area in hectares of geometries already in the plan CRS."""
    return shapely.area(np.asarray(geoms, dtype=object)) / M2_PER_HA


def geodesic_ha(geoms, crs) -> np.ndarray:
    """Geodesic (WGS 84 ellipsoid) area in hectares of geometries in ``crs``.

    pyproj signs each ring's area by its orientation and adds them, so a hole drawn the same way
    as its shell, or a multipolygon's parts drawn both ways, would be added or cancelled: the
    rings are oriented first (shells counter-clockwise, holes clockwise)."""
    series = gpd.GeoSeries(list(geoms), crs=crs).to_crs(WGS84)
    oriented = shapely.orient_polygons(series.values, exterior_cw=False)
    return np.array([0.0 if g is None or g.is_empty else abs(_GEOD.geometry_area_perimeter(g)[0])
                     for g in oriented]) / M2_PER_HA


@lru_cache(maxsize=64)
def transformer(src, dst, *, always_xy: bool = True) -> Transformer:
    """A cached transformer (building one takes about 20 ms). ``always_xy``: lon/lat and
    easting/northing order; False: each CRS's authority order (EPSG:4326 is lat, lon)."""
    return Transformer.from_crs(src, dst, always_xy=always_xy)
