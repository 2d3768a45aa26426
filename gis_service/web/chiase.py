"""Chia sẻ dữ liệu / the page for neighbouring communes (/chia-se): what we publish, how to fetch
it in QGIS or GDAL, how to send their boundary (the bearer-token upload), and the edge-matching
table and map with a legend of every symbol. The old full-screen map (/sharing/edgematch) leads
here. The map's data reach web/static/js/sharing.js as JSON, set as text (no inline script).
Edge-matching is computed once per store version at the default tolerance (another tolerance,
``?tolerance=``, on request); boundaries are shared as they arrive, so this page reads the newest
version."""

from __future__ import annotations

import geopandas as gpd
from flask import Blueprint, current_app, render_template, request

from ..edgematch import DEFAULT_TOLERANCE_M, NeighbourMatch, pieces_frame
from ..ogcapi.collections import collection
from ..validate import BOUNDARY_LAYER
from .appdata import cached, public_version, published
from .pagegeo import geojson
from .sharing import edgematch_results, tolerance_arg

bp = Blueprint("chiase", __name__)
#: what each symbol of the map looks like; the page's legend is drawn from the same styles
STYLES = {
    "overlap": {"color": "#c00000", "fillColor": "#ff4040", "weight": 2, "fillOpacity": 0.6},
    "gap": {"color": "#0050c0", "fillColor": "#40a0ff", "weight": 2, "fillOpacity": 0.6},
    "ours": {"color": "#000000", "weight": 3, "fill": False},
    "neighbours": {"color": "#777777", "weight": 1, "fillColor": "#dddddd", "fillOpacity": 0.3},
}


@bp.get("/chia-se")
def sharing_page():
    tolerance = tolerance_arg()
    results, newest = edgematch_results(tolerance)
    build = lambda: _page_data(newest, results)  # noqa: E731
    data = cached("chia_se", newest.version(), build) if tolerance == DEFAULT_TOLERANCE_M else build()
    settings = current_app.config["SETTINGS"]
    public = published(public_version())
    root = request.host_url.rstrip("/")
    return render_template(
        "chia_se.html", root=root, ogcapi=f"{root}/ogcapi", layers=list(public.values()),
        results=data["results"], map_data=data["map"], attribution=data["attribution"], styles=STYLES,
        tolerance=tolerance, tolerance_digits=next((d for d in range(3) if round(tolerance, d) == tolerance), 3),
        uploads_enabled=bool(settings.write_token),
        upload_limit_mb=settings.upload_max_bytes / 1024 / 1024)


def _page_data(view, results: list[NeighbourMatch]) -> dict:
    """The edge-matching of a version: the table's rows and the map's GeoJSON (lon/lat): each
    overlap and gap, and a dot on each (a point inside it: they are tens of metres wide)."""
    layers = published(view.version())
    boundaries = collection(layers, BOUNDARY_LAYER)
    boundary = boundaries.read()
    neighbours = collection(layers, "neighbours").read() if "neighbours" in layers else gpd.GeoDataFrame(
        {"name": []}, geometry=[], crs=boundary.crs)
    pieces = pieces_frame(results, boundary.crs)[["neighbour", "kind", "area_ha", "max_width_m", "message_vi",
                                                  "message_en", "geometry"]]
    doc = {
        "ours": geojson(boundary[["geometry"]].assign(name="Nghĩa Trung")),
        "neighbours": geojson(neighbours[["name", "geometry"]]),
        "pieces": geojson(pieces),
        "dots": geojson(pieces.set_geometry(pieces.geometry.representative_point())),
        "styles": STYLES,
    }
    return {"results": [r.summary() for r in results], "map": doc,
            "attribution": f"{boundaries.source} ({boundaries.licence})"}
