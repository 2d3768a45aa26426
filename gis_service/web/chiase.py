"""Chia sẻ dữ liệu / the page for neighbouring communes (/chia-se): what we publish, how to fetch
it in QGIS or GDAL, how to send their boundary (the bearer-token upload), and the edge-matching
map with a legend. The map's data reach web/static/js/sharing.js as JSON, set as text (no inline
script). Edge-matching is computed once per store version; boundaries are shared as they arrive,
so this page reads the newest version, as /sharing/edgematch does."""

from __future__ import annotations

import json

import geopandas as gpd
from flask import Blueprint, current_app, render_template, request

from ..edgematch import DEFAULT_TOLERANCE_M, NeighbourMatch, edgematch_store, pieces_frame
from ..ogcapi.collections import collection
from ..validate import BOUNDARY_LAYER
from .pagegeo import to_page_lonlat
from .appdata import cached, public_version, published, store

bp = Blueprint("chiase", __name__)
#: what each colour of the map means (the same colours as /sharing/edgematch)
STYLES = {
    "overlap": {"color": "#c00000", "fillColor": "#ff4040", "weight": 2, "fillOpacity": 0.6},
    "gap": {"color": "#0050c0", "fillColor": "#40a0ff", "weight": 2, "fillOpacity": 0.6},
    "ours": {"color": "#000000", "weight": 3, "fill": False},
    "neighbours": {"color": "#777777", "weight": 1, "fillColor": "#dddddd", "fillOpacity": 0.3},
}


@bp.get("/chia-se")
def sharing_page():
    newest = store().at()
    data = cached("chia_se", newest.version(), lambda: _page_data(newest))
    settings = current_app.config["SETTINGS"]
    public = published(public_version())
    root = request.host_url.rstrip("/")
    return render_template(
        "chia_se.html", root=root, ogcapi=f"{root}/ogcapi", layers=list(public.values()),
        results=data["results"], map_data=data["map"], styles=STYLES,
        tolerance=DEFAULT_TOLERANCE_M, uploads_enabled=bool(settings.write_token),
        upload_limit_mb=settings.upload_max_bytes / 1024 / 1024)


def _page_data(view) -> dict:
    """The edge-matching of a version: the table's rows and the map's GeoJSON (lon/lat)."""
    results: list[NeighbourMatch] = edgematch_store(view)
    layers = published(view.version())
    boundary = collection(layers, BOUNDARY_LAYER).read()
    neighbours = collection(layers, "neighbours").read() if "neighbours" in layers else gpd.GeoDataFrame(
        {"name": []}, geometry=[], crs=boundary.crs)
    pieces = pieces_frame(results, boundary.crs)
    doc = {
        "ours": _geojson(boundary[["geometry"]].assign(name="Nghĩa Trung")),
        "neighbours": _geojson(neighbours[["name", "geometry"]]),
        "pieces": _geojson(pieces[["neighbour", "kind", "area_ha", "max_width_m", "message_vi",
                                   "message_en", "geometry"]]),
        "styles": STYLES,
    }
    return {"results": [r.summary() for r in results], "map": doc}


def _geojson(frame: gpd.GeoDataFrame) -> dict:
    return json.loads(to_page_lonlat(frame).to_json(drop_id=True))
