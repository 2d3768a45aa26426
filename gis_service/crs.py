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


#: beyond this many geometries the ellipsoidal area is measured in an equal-area projection
EXACT_GEODESIC_MAX = 5_000


def geodesic_ha(geoms, crs, *, planar_m2: np.ndarray | None = None) -> np.ndarray:
    """Geodesic (WGS 84 ellipsoid) area in hectares of geometries in ``crs``.

    Up to ``EXACT_GEODESIC_MAX`` geometries, pyproj's geodesic polygon area (one Python call per
    geometry, about 60 µs). Beyond that (a parcel layer: a million calls would take a minute),
    ``equal_area_ha``: the planar area times the local areal scale to an ellipsoidal equal-area
    projection, which agrees with the geodesic area to better than 10⁻⁶ relative for parcels
    (tests/test_parcels.py measures it).

    pyproj signs each ring's area by its orientation and adds them, so a hole drawn the same way
    as its shell, or a multipolygon's parts drawn both ways, would be added or cancelled: the
    rings are oriented first (shells counter-clockwise, holes clockwise). ``planar_m2``: the
    geometries' planar areas when the caller has them (used beyond ``EXACT_GEODESIC_MAX``)."""
    if len(geoms) > EXACT_GEODESIC_MAX:
        return equal_area_ha(geoms, crs, planar_m2=planar_m2)
    series = gpd.GeoSeries(list(geoms), crs=crs).to_crs(WGS84)
    oriented = shapely.orient_polygons(series.values, exterior_cw=False)
    return np.array([0.0 if g is None or g.is_empty else abs(_GEOD.geometry_area_perimeter(g)[0])
                     for g in oriented]) / M2_PER_HA


def equal_area_ha(geoms, crs, *, planar_m2: np.ndarray | None = None) -> np.ndarray:
    """Ellipsoidal area in hectares of many small polygons, vectorised: each polygon's planar
    area times the areal scale, at the middle of its box, from ``crs`` to a WGS 84 Lambert azimuthal
    equal-area projection centred on the layer (the scale is read on a 33 × 33 grid and
    interpolated; it varies by a few parts per million across a commune, smoothly)."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return np.zeros(0)
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    lon, lat = transformer(crs, WGS84).transform((minx + maxx) / 2, (miny + maxy) / 2)
    to_laea = transformer(crs, f"+proj=laea +lat_0={lat:.6f} +lon_0={lon:.6f} +datum=WGS84 +units=m +no_defs")
    xs, ys = np.linspace(minx, maxx + 1, 33), np.linspace(miny, maxy + 1, 33)
    gx, gy = np.meshgrid(xs, ys)
    step = 10.0  # m: a finite difference, far below the scale's variation
    x0, y0 = to_laea.transform(gx, gy)
    x1, y1 = to_laea.transform(gx + step, gy)
    x2, y2 = to_laea.transform(gx, gy + step)
    scale = ((x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)) / step ** 2
    from .geom import in_chunks

    box = shapely.bounds(geoms)  # the middle of each box: the scale does not change across a parcel
    centre = np.column_stack([(box[:, 0] + box[:, 2]) / 2, (box[:, 1] + box[:, 3]) / 2])
    centre = np.nan_to_num(centre, nan=minx)  # an empty geometry (area 0) has no box
    fx = np.clip((centre[:, 0] - xs[0]) / (xs[1] - xs[0]), 0, 31.999999)
    fy = np.clip((centre[:, 1] - ys[0]) / (ys[1] - ys[0]), 0, 31.999999)
    i, j = fy.astype(int), fx.astype(int)
    ty, tx = fy - i, fx - j
    at = (scale[i, j] * (1 - tx) * (1 - ty) + scale[i, j + 1] * tx * (1 - ty)
          + scale[i + 1, j] * (1 - tx) * ty + scale[i + 1, j + 1] * tx * ty)
    area = in_chunks(shapely.area, geoms) if planar_m2 is None else planar_m2
    return area * at / M2_PER_HA


@lru_cache(maxsize=64)
def transformer(src, dst, *, always_xy: bool = True) -> Transformer:
    """A cached transformer (building one takes about 20 ms). ``always_xy``: lon/lat and
    easting/northing order; False: each CRS's authority order (EPSG:4326 is lat, lon)."""
    return Transformer.from_crs(src, dst, always_xy=always_xy)
