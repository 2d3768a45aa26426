"""Downloads under /downloads: each layer and the whole plan as GeoPackage, GeoJSON or zipped
Shapefile, in the plan's VN-2000 zone (default) or WGS 84 (?crs=wgs84). Each file is made once
per store version and kept on disk (``downloadfiles``), not per request nor in memory; it is
sent from there. Thin over ``export``."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, send_file

from ..catalog import ILLUSTRATIVE_MARK
from ..errors import InputError
from ..export import FORMATS, LAYER_FIELD, PLAN, canonical_crs, export_file
from ..ogcapi.collections import PLAN_LAYERS
from .appdata import public_version, published, store
from .downloadfiles import DownloadFiles

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
    built = files().get((version, len(store().approvals())), f"{layer}.{fmt}:{crs}",
                        lambda folder: export_file(store().at(version), layer, fmt, crs, folder))
    response = send_file(built.path, mimetype=built.media_type, max_age=300, conditional=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{built.filename}"'
    return response


def files() -> DownloadFiles:
    """This app's download files (made on the first download)."""
    return current_app.extensions.setdefault("gis_service.download_files", DownloadFiles())
