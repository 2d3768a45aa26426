"""Where a coordinate reference system's numbers mean something: its area of use (pyproj's, from
the EPSG registry), widened by a margin, in longitude/latitude and in the CRS's own units.

Every coordinate from outside (a query's bbox, a lookup point, the vertices of a file) is checked
against it before any work is done: far outside a transverse Mercator zone a reprojection gives
huge or infinite numbers, and a box 1e10 m wide cut into 100 m pieces is a hundred million points.
No Flask here."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from pyproj import CRS, Transformer

from .errors import InputError

#: the area of use is widened by this much: a TM-3 zone is still accurate a degree beyond it
MARGIN_DEG = 1.0
#: densification of a box's edges when it is reprojected: a fixed count, whatever its size
EDGE_POINTS = 21
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Domain:
    """A CRS's area of use with the margin: ``lonlat`` (west, south, east, north) in degrees,
    ``xy`` in the CRS's units, easting/longitude first (GeoPandas' order), ``axes`` in the CRS's
    own axis order (EPSG:4326 is latitude first, as OGC API – Features takes its bbox)."""

    crs: str
    name: str
    area: str
    lonlat: Box
    xy: Box
    lat_first: bool

    @property
    def axes(self) -> Box:
        return _swap(self.xy) if self.lat_first else self.xy

    def describe(self, order: str = "axes") -> str:
        """'EPSG:5899 (VN-2000 / TM-3 107-45): x 243,737…721,642, y 837,126…2,509,714'."""
        minx, miny, maxx, maxy = self.box(order)
        if order == "lonlat" or (self.is_geographic and not (order == "axes" and self.lat_first)):
            names = ("lon", "lat")
        else:
            names = ("lat", "lon") if self.is_geographic else ("x", "y")
        return (f"{self.crs} ({self.name}): {names[0]} {_num(minx)}…{_num(maxx)}, "
                f"{names[1]} {_num(miny)}…{_num(maxy)}")

    def box(self, order: str = "axes") -> Box:
        """The domain in 'axes' (the CRS's own axis order), 'xy' (easting or longitude first)
        or 'lonlat' (degrees) order."""
        return {"axes": self.axes, "xy": self.xy, "lonlat": self.lonlat}[order]

    @property
    def is_geographic(self) -> bool:
        return self.lonlat == self.xy


@lru_cache(maxsize=64)
def domain(crs) -> Domain:
    """The domain of ``crs`` (anything pyproj reads: 'EPSG:5899', a URI, a pyproj CRS)."""
    crs = CRS.from_user_input(crs)
    aou = crs.area_of_use
    if aou is None or aou.west > aou.east or (aou.west, aou.east) == (-180, 180):
        # unknown, the world, or across the antimeridian: the whole world
        lonlat = (-180.0, -90.0, 180.0, 90.0)
        area = "world"
    else:
        lonlat = (max(-180.0, aou.west - MARGIN_DEG), max(-90.0, aou.south - MARGIN_DEG),
                  min(180.0, aou.east + MARGIN_DEG), min(90.0, aou.north + MARGIN_DEG))
        area = f"{aou.name.rstrip('.')}, ±{MARGIN_DEG:g}°"
    lat_first = bool(crs.axis_info) and crs.axis_info[0].direction.lower() in ("north", "south")
    xy = lonlat if crs.is_geographic else lonlat_box_to_xy(lonlat, crs)
    code = crs.to_authority()
    label = ":".join(code) if code else crs.name
    return Domain(label, crs.name, area, lonlat, xy, lat_first)


def lonlat_box_to_xy(lonlat: Box, crs) -> Box:
    """A longitude/latitude box as a box in ``crs`` (easting first), its edges densified by a
    fixed number of points: the result is bounded whatever the box."""
    t = _from_lonlat(CRS.from_user_input(crs))
    return tuple(float(v) for v in t.transform_bounds(*lonlat, densify_pts=EDGE_POINTS))  # type: ignore[return-value]


@lru_cache(maxsize=64)
def _from_lonlat(crs: CRS) -> Transformer:
    return Transformer.from_crs("OGC:CRS84", crs, always_xy=True)


def box_within(box: Box, outer: Box) -> bool:
    return outer[0] <= box[0] and outer[1] <= box[1] and box[2] <= outer[2] and box[3] <= outer[3]


def intersection(a: Box, b: Box) -> Box | None:
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] < box[2] and box[1] < box[3] else None


def check_box(box: Box, crs, *, field: str, file: str | None = None, feature: str | None = None,
              order: str = "axes") -> None:
    """Refuse a box reaching beyond the CRS's domain (``order`` as in ``Domain.box``), with a
    hint when the numbers fit once swapped or read as longitude/latitude."""
    d = domain(crs)
    allowed = d.box(order)
    if not all(math.isfinite(v) for v in box):
        raise InputError("tọa độ không hữu hạn (NaN hoặc vô cực) / coordinates are not finite "
                         "(NaN or infinity)", file=file, feature=feature, field=field)
    if box_within(box, allowed):
        return
    hint = ""
    if box_within(_swap(box), allowed):
        hint = ("; hai trục có vẻ bị đảo / the two axes look swapped"
                + (" (EPSG:4326 is latitude first)" if d.lat_first and order == "axes" else ""))
    elif order != "lonlat" and not d.is_geographic and box_within(box, (-180, -90, 180, 90)):
        hint = ("; các số trông như kinh độ/vĩ độ: hệ tọa độ sai? / the numbers look like "
                "longitude/latitude: is the CRS wrong?")
    elif d.is_geographic and 1000 < max(abs(v) for v in box) < 1e8:
        hint = ("; các số trông như mét của hệ tọa độ phẳng (VN-2000?): hệ tọa độ sai? / the numbers "
                "look like metres of a projected CRS (VN-2000?): is the CRS wrong?")
    raise InputError(
        f"tọa độ nằm ngoài vùng sử dụng của {d.crs} / coordinates lie outside the area of use of "
        f"{d.describe(order)} ({d.area}); got {_box_text(box)}{hint}",
        file=file, feature=feature, field=field)


def _swap(box: Box) -> Box:
    return (box[1], box[0], box[3], box[2])


def _num(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:g}"


def _box_text(box: Box) -> str:
    return ", ".join(f"{v:.6g}" for v in box)
