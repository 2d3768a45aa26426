"""The items query of OGC API – Features: limit/offset paging, bbox with bbox-crs, datetime,
output in the requested crs (Part 2), GeoJSON features with stable ids. Parameters are checked
here and a bad or unknown one raises InputError naming it (HTTP 400)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .. import deadline
from ..crs import transformer
from ..crsdomain import check_box, domain, intersection, lonlat_box_to_xy
from ..errors import InputError, NotFound
from .temporal import parse_datetime

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
#: the CRSs every collection offers: WGS 84 both axis orders, and the two VN-2000 TM-3 zones
SUPPORTED_CRS = (CRS84_URI, EPSG_URI.format(4326), EPSG_URI.format(5899), EPSG_URI.format(9212))
DEFAULT_LIMIT, MAX_LIMIT = 10, 10_000
#: paging further than this is refused: no layer here has nearly as many features
MAX_OFFSET = 1_000_000
#: a bbox is cut into at most this many pieces per edge before it is reprojected
EDGE_PIECES = 32
#: the query parameters each kind of request knows; any other is refused (400), as the OGC test
#: suite expects (/req/core/query-param-unknown)
ITEMS_PARAMETERS = frozenset({"f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime"})
ITEM_PARAMETERS = frozenset({"f", "crs"})
DOCUMENT_PARAMETERS = frozenset({"f"})


def refuse_unknown(args, known: frozenset[str]) -> None:
    """InputError naming the first query parameter that is not in ``known``."""
    for name in args.keys():
        if name not in known:
            raise InputError(f"unknown query parameter {name[:40]!r}; known here: {', '.join(sorted(known))}",
                             field=name[:40])


def crs_uri(crs) -> str:
    """The OGC URI of a pyproj-readable CRS (storage CRS of a layer)."""
    crs = CRS.from_user_input(crs)
    if crs.equals(CRS.from_user_input("OGC:CRS84")):
        return CRS84_URI
    return EPSG_URI.format(crs.to_epsg())


def parse_crs(value: str | None, param: str) -> str:
    """A CRS URI (or its short form EPSG:nnnn / CRS84) that the API supports."""
    if value is None or value == "":
        return CRS84_URI
    value = value.strip().strip("[]")
    short = {"CRS84": CRS84_URI, "OGC:CRS84": CRS84_URI}
    if value.upper().startswith("EPSG:"):
        value = EPSG_URI.format(value.split(":", 1)[1])
    value = short.get(value.upper(), value).replace("https://", "http://")
    if value not in SUPPORTED_CRS:
        raise InputError(f"unsupported CRS {value!r}; supported: {', '.join(SUPPORTED_CRS)}", field=param)
    return value


@lru_cache(maxsize=32)
def _crs(uri: str) -> CRS:
    return CRS.from_user_input("OGC:CRS84" if uri == CRS84_URI else "EPSG:" + uri.rsplit("/", 1)[1])




def transform(geoms, src: str, dst: str):
    if src == dst:
        return np.asarray(geoms, dtype=object)
    # authority axis order on both sides: EPSG:4326 is latitude, longitude (as Part 2 requires)
    t = transformer(_crs(src), _crs(dst), always_xy=False)

    def move(xy):
        x, y = t.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])
    return shapely.transform(np.asarray(geoms, dtype=object), move)


@dataclass(frozen=True)
class ItemsQuery:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    bbox_crs: str = CRS84_URI
    crs: str = CRS84_URI
    datetime: str | None = None  # checked, then matches every feature (ogcapi.temporal)

    def params(self, **changes) -> dict[str, str]:
        """Query-string parameters that repeat this query (for self/next/prev links)."""
        values = {"limit": self.limit, "offset": self.offset, **changes}
        out = {k: str(v) for k, v in values.items()}
        if self.bbox:
            out["bbox"] = ",".join(f"{v:.10g}" for v in self.bbox)
            if self.bbox_crs != CRS84_URI:
                out["bbox-crs"] = self.bbox_crs
        if self.crs != CRS84_URI:
            out["crs"] = self.crs
        if self.datetime:
            out["datetime"] = self.datetime
        return out


def parse_items_query(args) -> ItemsQuery:
    """An ItemsQuery from request arguments (any mapping of str → str). Everything is checked
    here, before any feature is read: the parameters' names, numbers, CRSs, the datetime, the bbox
    against its CRS's area of use."""
    refuse_unknown(args, ITEMS_PARAMETERS)
    parse_datetime(args.get("datetime"))
    limit = _int(args.get("limit"), "limit", DEFAULT_LIMIT, 1)
    offset = _int(args.get("offset"), "offset", 0, 0, MAX_OFFSET)
    bbox_crs = parse_crs(args.get("bbox-crs"), "bbox-crs")
    if args.get("bbox-crs") and not args.get("bbox"):
        raise InputError("bbox-crs given without bbox", field="bbox-crs")
    bbox = parse_bbox(args["bbox"], bbox_crs) if args.get("bbox") else None
    # above the maximum the maximum is used (OGC API – Features, /req/core/query-param-limit)
    return ItemsQuery(min(limit, MAX_LIMIT), offset, bbox, bbox_crs, parse_crs(args.get("crs"), "crs"),
                      args.get("datetime") or None)


def parse_bbox(raw: str, crs_uri_: str) -> tuple[float, float, float, float]:
    """minx,miny,maxx,maxy (or six numbers, the heights dropped) in ``crs_uri_``'s axis order,
    with an area, inside the CRS's area of use."""
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        raise InputError(f"bbox phải là bốn số / bbox must be four numbers, got {raw[:80]!r}", field="bbox") from None
    if len(values) == 6:  # 3D bbox: drop the heights
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4 or not all(map(math.isfinite, values)):
        raise InputError(f"bbox phải là bốn số hữu hạn / bbox must be four finite numbers minx,miny,maxx,maxy, got {raw[:80]!r}",
                         field="bbox")
    minx, miny, maxx, maxy = values
    if not (minx < maxx and miny < maxy):
        raise InputError("khung không có diện tích: cần minx < maxx và miny < maxy / the bbox has no "
                         f"area: minx < maxx and miny < maxy are needed (a bbox across the antimeridian "
                         f"is not supported), got {raw[:80]!r}", field="bbox")
    check_box((minx, miny, maxx, maxy), _crs(crs_uri_), field="bbox")
    return minx, miny, maxx, maxy


def _int(raw, name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    if raw is None or raw == "":
        return default
    if not _INTEGER.fullmatch(raw):
        raise InputError(f"phải là số nguyên / must be a whole number, got {raw[:40]!r}", field=name)
    value = int(raw)
    if value < minimum:
        raise InputError(f"phải ít nhất {minimum} / must be at least {minimum}, got {value}", field=name)
    if maximum is not None and value > maximum:
        raise InputError(f"phải nhiều nhất {maximum:,} / must be at most {maximum:,}, got {raw[:40]}", field=name)
    return value


_INTEGER = re.compile(r"[+-]?\d{1,100}", re.ASCII)


def with_ids(frame: gpd.GeoDataFrame, id_column: str | None = None) -> gpd.GeoDataFrame:
    """Feature ids: the layer's own id column where it has one whose values are unique and
    filled (a zone's id, a commune's code), else positions in the layer from 1 (stable while the
    layer is unchanged)."""
    frame = frame.reset_index(drop=True)
    ids = frame[id_column].astype(str) if id_column and id_column in frame.columns else None
    if ids is not None and frame[id_column].notna().all() and ids.is_unique and (ids != "").all():
        frame.index = ids.to_numpy()
    else:
        frame.index = np.arange(1, len(frame) + 1)
    return frame


def select(frame: gpd.GeoDataFrame, query: ItemsQuery) -> tuple[gpd.GeoDataFrame, int]:
    """The page of features the query asks for and the number matched (before paging), from a
    frame indexed by ``with_ids``. Features without geometry are kept (GeoJSON null geometry),
    as the downloads keep them; a bbox matches none of them."""
    if query.bbox:
        area = bbox_in(query.bbox, query.bbox_crs, crs_uri(frame.crs))
        frame = frame.iloc[:0] if area is None else frame[shapely.intersects(frame.geometry.values, area)]
    return frame.iloc[query.offset:query.offset + query.limit], len(frame)


def bbox_in(bbox, bbox_crs: str, target: str):
    """The bbox (in ``bbox_crs``'s axis order) as a polygon in ``target``: first cut to where
    both CRSs are defined, then each edge cut into at most EDGE_PIECES pieces, so the work is
    the same for a box of a metre or of a continent. None when the two do not meet."""
    if bbox_crs == target:
        return shapely.box(*bbox)
    src, dst = domain(_crs(bbox_crs)), domain(_crs(target))
    common = intersection(src.lonlat, dst.lonlat)
    if common is None:
        return None
    common = lonlat_box_to_xy(common, _crs(bbox_crs))
    clipped = intersection(bbox, (common[1], common[0], common[3], common[2]) if src.lat_first else common)
    if clipped is None:
        return None
    box = shapely.box(*clipped)
    step = max(clipped[2] - clipped[0], clipped[3] - clipped[1]) / EDGE_PIECES
    # the bbox is in bbox-crs's own axis order (lat, lon for EPSG:4326), as is the transformer
    return transform([shapely.segmentize(box, step)], bbox_crs, target)[0]


def feature_by_id(frame: gpd.GeoDataFrame, feature_id: str) -> gpd.GeoDataFrame:
    """One feature of a frame indexed by ``with_ids``, by its id as the URL gives it."""
    fid: object = feature_id
    if pd.api.types.is_integer_dtype(frame.index):
        try:
            fid = int(feature_id)
        except ValueError:
            fid = -1
    if fid not in frame.index:
        raise NotFound(f"no feature {feature_id!r} / không có đối tượng {feature_id!r}")
    return frame.loc[[fid]]


def features(frame: gpd.GeoDataFrame, crs: str) -> list[dict]:
    """GeoJSON features in ``crs`` (authority axis order), coordinates rounded to about 1 mm."""
    storage = crs_uri(frame.crs)
    geoms = transform(frame.geometry.values, storage, crs)
    geoms = shapely.set_precision(geoms, 1e-8 if _crs(crs).is_geographic else 1e-3, mode="pointwise")
    deadline.check()
    props = json.loads(frame.drop(columns=frame.geometry.name).to_json(
        orient="records", force_ascii=False, date_format="iso"))
    return [{"type": "Feature", "id": fid if isinstance(fid, str) else int(fid),
             "geometry": None if g is None else json.loads(shapely.to_geojson(g)),
             "properties": p} for fid, g, p in zip(frame.index, geoms, props)]


def extent_crs84(frame: gpd.GeoDataFrame) -> list[float] | None:
    """The collection's extent as [minlon, minlat, maxlon, maxlat]."""
    frame = frame[frame.geometry.notna()]
    if frame.empty:
        return None
    return [round(float(v), 6) for v in frame.geometry.to_crs("OGC:CRS84").total_bounds]


#: points per edge of a layer's bounds when they are reprojected to CRS84 (pyproj transform_bounds)
BOUNDS_DENSIFY = 21


def bounds_crs84(bounds: tuple | None, crs) -> list[float] | None:
    """A layer's bounds (its CRS, as ``layer_extent`` gives them) as [minlon, minlat, maxlon,
    maxlat]: the box's edges densified and reprojected, so the answer holds every feature."""
    if bounds is None:
        return None
    t = transformer(CRS.from_user_input(crs), _crs(CRS84_URI), always_xy=True)
    return [round(float(v), 6) for v in t.transform_bounds(*bounds, densify_pts=BOUNDS_DENSIFY)]
