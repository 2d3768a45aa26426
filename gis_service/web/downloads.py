"""Downloads under /downloads: each layer and the whole plan as GeoPackage, GeoJSON or zipped
Shapefile, in the plan's VN-2000 zone (default) or WGS 84 (?crs=wgs84). Each file is made once
per store version and kept (``appdata.cached``), not per request. Thin over ``export``."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from ..catalog import ILLUSTRATIVE_MARK
from ..errors import InputError
from ..export import FORMATS, LAYER_FIELD, PLAN, canonical_crs, export
from ..ogcapi.collections import PLAN_LAYERS
from .appdata import cached, public_version, published, store

bp = Blueprint("downloads", __name__, url_prefix="/downloads")
EXTENSIONS = {ext: fmt for fmt, (ext, _) in FORMATS.items()}


@bp.get("/")
def index():
    version = public_version()
    layers = published(version)
    rows = [(PLAN, "Toàn bộ quy hoạch", "The whole plan", True)]
    rows += [(c.id, c.title_vi, c.title_en, c.illustrative) for c in layers.values()]
    plan_titles = [(layers[n].title_vi, layers[n].title_en) for n in PLAN_LAYERS if n in layers]
    return render_template("downloads.html", rows=rows, exts=list(EXTENSIONS), mark=ILLUSTRATIVE_MARK,
                           plan_titles=plan_titles, layer_field=LAYER_FIELD, version=version,
                           ogcapi=request.host_url.rstrip("/") + "/ogcapi")


@bp.get("/<filename>")
def download(filename: str):
    """/downloads/<layer>.<gpkg|geojson|shp.zip>[?crs=plan|wgs84|EPSG:5899|EPSG:9212]"""
    layer, fmt = filename, ""
    for ext, name in EXTENSIONS.items():
        if filename.endswith("." + ext):
            layer, fmt = filename[:-len(ext) - 1], name
    if not fmt:
        raise InputError(f"unknown file type in {filename!r}; use .{', .'.join(EXTENSIONS)}", field="format")
    crs = canonical_crs(request.args.get("crs", PLAN))
    version = public_version()
    # one key per (layer, format, CRS) that exists: export refuses any other before it is kept
    data, name, media = cached(f"download:{layer}.{fmt}:{crs}", version,
                               lambda: export(store().at(version), layer, fmt, crs))
    return Response(data, mimetype=media, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                   "Cache-Control": "public, max-age=300"})
