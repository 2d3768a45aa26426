"""Mapbox vector tiles of a store layer (web mercator XYZ), no Flask here.

- A tile holds the features whose geometry intersects the tile, in EPSG:3857, simplified by a
  fraction of a pixel at its zoom, clipped to the tile and a buffer of ``BUFFER`` tile units, with
  small attributes (``TILE_ATTRIBUTES`` the layer has). The GeoPackage store reads them by bbox
  (GDAL's R-tree) and encodes them here with ``mapbox-vector-tile``; the PostGIS store does the
  same in SQL (ST_AsMVTGeom / ST_AsMVT, ``store_postgis_tiles``).
- Low zooms: a layer is tiled from its minimum zoom, the first zoom at which an average tile
  holds at most ``FEATURES_PER_TILE`` features (from the layer's count and extent, known without
  reading it: e.g. zoom 14 for 20,000 parcels of the commune, 15 for 100,000, 17 for 1,000,000).
  Below it a tile is empty (a valid tile with no layer) and the map says "zoom in": a million
  parcels are never read for one request, and a view costs about as much with 20,000 as with 1,000,000.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from functools import lru_cache
from threading import Lock

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

from .errors import InputError

WEB_MERCATOR = "EPSG:3857"
HALF_WORLD = 20037508.342789244  # metres: half the side of the EPSG:3857 square
MAX_ZOOM = 24
EXTENT = 4096          # tile units per side
BUFFER = 64            # tile units kept beyond each edge (so outlines do not show at tile seams)
PIXEL = 256            # a tile is 256 screen pixels wide
SIMPLIFY_PIXELS = 0.25  # simplification tolerance, in screen pixels at the tile's zoom
#: a layer's tiles start at the zoom where an average tile (over the layer's bounding box) holds at
#: most this many features: a 1440 × 900 map shows about 30 tiles, so a view costs about the same at
#: any size of layer (measured: ~30 KB a tile of parcels at the first zoom, ~1 MB a full view)
FEATURES_PER_TILE = 500
TILE_ATTRIBUTES = ("id", "kind", "name_vi", "name")
EMPTY_TILE = b""       # a tile without layers is a valid (empty) Mapbox vector tile


def parse_tile(z: str, x: str, y: str) -> tuple[int, int, int]:
    """z/x/y from the URL: whole numbers, 0 ≤ z ≤ MAX_ZOOM, 0 ≤ x, y < 2^z (else InputError, 400)."""
    values = []
    for field, raw in (("z", z), ("x", x), ("y", y)):
        if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
            raise InputError(f"must be a whole number ≥ 0, got {raw!r}", field=field)
        values.append(int(raw))
    z_, x_, y_ = values
    if z_ > MAX_ZOOM:
        raise InputError(f"zoom must be between 0 and {MAX_ZOOM}, got {z_}", field="z")
    for field, value in (("x", x_), ("y", y_)):
        if value >= 2 ** z_:
            raise InputError(f"must be below 2^{z_} = {2 ** z_} at zoom {z_}, got {value}", field=field)
    return z_, x_, y_


def tile_bounds(z: int, x: int, y: int, buffer: float = 0) -> tuple[float, float, float, float]:
    """The tile's square in EPSG:3857 metres, widened by ``buffer`` tile units on each side."""
    size = 2 * HALF_WORLD / 2 ** z
    pad = size * buffer / EXTENT
    minx, maxy = -HALF_WORLD + x * size, HALF_WORLD - y * size
    return minx - pad, maxy - size - pad, minx + size + pad, maxy + pad


def tolerance(z: int) -> float:
    """Simplification tolerance in metres: ``SIMPLIFY_PIXELS`` of a screen pixel at zoom ``z``."""
    return SIMPLIFY_PIXELS * 2 * HALF_WORLD / (PIXEL * 2 ** z)


def min_zoom(count: int, bounds_3857: tuple[float, float, float, float] | None) -> int:
    """The first zoom at which an average tile over the layer's extent holds at most
    ``FEATURES_PER_TILE`` features (0 for a small layer)."""
    if not count or bounds_3857 is None:
        return 0
    minx, miny, maxx, maxy = bounds_3857
    area = max((maxx - minx) * (maxy - miny), 1.0)
    for z in range(MAX_ZOOM + 1):
        if count * min(1.0, (2 * HALF_WORLD / 2 ** z) ** 2 / area) <= FEATURES_PER_TILE:
            return z
    return MAX_ZOOM


@lru_cache(maxsize=16)
def _transformer(source: str, target: str) -> Transformer:
    """Making a transformer takes about 0.1 s: once per CRS pair, not per tile."""
    return Transformer.from_crs(source, target, always_xy=True)


def _crs_key(crs) -> str:
    return crs if isinstance(crs, str) else CRS.from_user_input(crs).to_wkt()


def to_3857_bounds(bounds, crs) -> tuple[float, float, float, float]:
    return _transformer(_crs_key(crs), WEB_MERCATOR).transform_bounds(*bounds, densify_pts=21)


def source_bbox(z: int, x: int, y: int, crs) -> tuple[float, float, float, float]:
    """The buffered tile's bounding box in the layer's CRS (edges densified: the box a bbox read
    needs so that no feature meeting the tile is missed)."""
    return _transformer(WEB_MERCATOR, _crs_key(crs)).transform_bounds(
        *tile_bounds(z, x, y, BUFFER), densify_pts=21)


def encode_tile(frame: gpd.GeoDataFrame, layer: str, z: int, x: int, y: int) -> bytes:
    """The features of ``frame`` (any CRS) whose geometry intersects the tile, simplified for the
    zoom, clipped to the buffered tile, as one Mapbox vector tile layer named ``layer``."""
    import mapbox_vector_tile

    geoms = np.asarray(frame.geometry.values, dtype=object)
    if frame.crs is not None and frame.crs != WEB_MERCATOR:
        geoms = shapely.transform(geoms, _transformer(frame.crs.to_wkt(), WEB_MERCATOR).transform,
                                  interleaved=False)
    keep = shapely.intersects(geoms, shapely.box(*tile_bounds(z, x, y)))
    frame, geoms = frame[keep], geoms[keep]
    if not len(frame):
        return EMPTY_TILE
    geoms = shapely.simplify(geoms, tolerance(z), preserve_topology=True)
    geoms = shapely.clip_by_rect(geoms, *tile_bounds(z, x, y, BUFFER))
    # to whole tile units, y down, exteriors turning the way MVT wants, in three vectorised calls
    # (the encoder would do it one feature at a time)
    minx, _, maxx, maxy = tile_bounds(z, x, y)
    scale = EXTENT / (maxx - minx)
    geoms = shapely.transform(geoms, lambda xy: np.round((xy - (minx, maxy)) * (scale, -scale)))
    geoms = shapely.orient_polygons(geoms, exterior_cw=False)
    names = [c for c in TILE_ATTRIBUTES if c in frame.columns]
    values = frame[names].astype(str).to_dict("records") if names else [{}] * len(frame)
    features = [{"geometry": g, "properties": p} for g, p in zip(geoms, values) if not g.is_empty]
    return mapbox_vector_tile.encode([{"name": layer, "features": features}], default_options={
        "extents": EXTENT, "y_coord_down": True, "check_winding_order": False})


class TileCache:
    """Encoded tiles kept up to ``max_bytes`` in all, the least recently used dropped first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes, self.bytes = max_bytes, 0
        self._tiles: OrderedDict = OrderedDict()
        self._lock = Lock()

    def get(self, key):
        with self._lock:
            tile = self._tiles.get(key)
            if tile is not None:
                self._tiles.move_to_end(key)
            return tile

    def put(self, key, tile: bytes) -> None:
        if len(tile) > self.max_bytes:
            return
        with self._lock:
            if key in self._tiles:
                self.bytes -= len(self._tiles.pop(key))
            self._tiles[key] = tile
            self.bytes += len(tile)
            while self.bytes > self.max_bytes:
                _, dropped = self._tiles.popitem(last=False)
                self.bytes -= len(dropped)

    def __len__(self) -> int:
        return len(self._tiles)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile holding a lon/lat point at zoom ``z`` (for tests and benchmarks)."""
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)
