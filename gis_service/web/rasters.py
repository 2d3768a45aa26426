"""Rasters for the map (/rasters/<name>.png): each raster of the store coloured by its legend in
Web Mercator, served from this server so the map needs no other host. Thin view."""

from __future__ import annotations

from flask import Blueprint

from ..errors import NotFound
from ..raster import stored_raster_names
from .appdata import cached, plan_data
from .registerdata import raster_image

bp = Blueprint("rasters", __name__)


@bp.get("/rasters/<name>.png")
def raster_png(name: str):
    data = plan_data()
    if name not in stored_raster_names(data.store):
        raise NotFound(f"no raster {name!r} / không có lớp raster {name!r}")
    image = cached(f"raster_png:{name}", data.version, lambda: raster_image(data.store, name))
    return image.png, 200, {"Content-Type": "image/png", "Cache-Control": "public, max-age=3600"}
