"""Vector tiles of the store's layers: ``/tiles/<layer>/<z>/<x>/<y>.pbf`` (web mercator XYZ,
Mapbox vector tile) at the version a page shows (``?version=N``, as appdata.page_version decides).
Every store makes them behind one method (``StoreView.tile``); encoded tiles are kept in a cache
bounded by bytes (``tile_cache_bytes``). A tile never changes within a version: its ETag is the
version, so a browser revalidates with If-None-Match and gets 304."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from ..errors import NotFound
from ..tiles import TileCache, parse_tile
from .appdata import page_version, store

bp = Blueprint("tiles", __name__)
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
_CACHE = "gis_service.tile_cache"


@bp.get("/tiles/<layer>/<z>/<x>/<y>.pbf")
def tile(layer: str, z: str, x: str, y: str):
    zoom, col, row = parse_tile(z, x, y)
    version = page_version()
    etag = f"v{version}"
    asked = request.args.get("version")
    headers = {"Content-Type": MEDIA_TYPE, "ETag": f'"{etag}"',
               # a URL naming its version never changes; without one, the version may move on
               "Cache-Control": "private, max-age=3600" if asked == str(version) else "no-cache"}
    if request.if_none_match.contains(etag):
        return "", 304, headers
    cache = tile_cache()
    key = (version, layer, zoom, col, row)
    data = cache.get(key)  # only a tile of a layer the version has is ever kept
    if data is None:
        view = store().at(version)
        if layer not in view.layer_names():
            raise NotFound(f"layer {layer!r} is not in version {version} of the store")
        data = view.tile(layer, zoom, col, row)
        cache.put(key, data)
    return data, 200, headers


def tile_cache() -> TileCache:
    """This app's tile cache (one per app: tests and the benchmark start cold with a new app)."""
    extensions = current_app.extensions
    if _CACHE not in extensions:
        extensions.setdefault(_CACHE, TileCache(current_app.config["SETTINGS"].tile_cache_bytes))
    return extensions[_CACHE]
