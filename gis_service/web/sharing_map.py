"""The edge-matching map's data (/sharing/edgematch): our border, each neighbour's, the overlap
and gap polygons with a marker on each (they are tens of metres wide: invisible at commune scale
without one). Plain JSON drawn by web/static/js/edgematch.js with the vendored Leaflet, every
text set as text; the report table is rendered by web/templates/edgematch.html."""

from __future__ import annotations

import geopandas as gpd

from ..edgematch import NeighbourMatch, pieces_frame
from .pagegeo import bounds_latlng, geojson

STYLES = {"overlap": {"color": "#c00000", "fillColor": "#ff4040", "weight": 2, "fillOpacity": 0.6},
          "gap": {"color": "#0050c0", "fillColor": "#40a0ff", "weight": 2, "fillOpacity": 0.6}}
LABELS = {"overlap": ("Chồng lấn", "Overlaps"), "gap": ("Khe hở", "Gaps")}


def edgematch_payload(results: list[NeighbourMatch], boundary: gpd.GeoDataFrame,
                      neighbours: gpd.GeoDataFrame) -> dict:
    pieces = pieces_frame(results, boundary.crs)
    kinds = []
    for kind, style in STYLES.items():
        of_kind = pieces[pieces["kind"] == kind]
        facts = [{"message_vi": vi, "message_en": en}
                 for vi, en in zip(of_kind["message_vi"], of_kind["message_en"])]
        markers = of_kind.set_geometry(of_kind.geometry.representative_point())
        kinds.append({"kind": kind, "title_vi": LABELS[kind][0], "title_en": LABELS[kind][1],
                      "style": style, "polygons": geojson(of_kind[["geometry"]], facts),
                      "markers": geojson(markers[["geometry"]], facts)})
    return {
        "bounds": bounds_latlng(boundary),
        "neighbours": geojson(neighbours[["geometry"]], [{"name": n} for n in neighbours["name"]]),
        "boundary": geojson(boundary[["geometry"]], [{} for _ in range(len(boundary))]),
        "pieces": kinds,
    }
