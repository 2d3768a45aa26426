"""Geometry for the pages: layers in lon/lat on a 1e-6° grid (about 0.1 m, finer than the data)
as GeoJSON, with the facts each feature's popup shows as plain JSON properties. The browser
draws them with the vendored Leaflet (web/static/vendor) and sets every text as text: no page
builds HTML from data on the server, and nothing is loaded from another host. No Flask here."""

from __future__ import annotations

import json

import geopandas as gpd
import shapely

from ..geom import polygonal

WGS84 = "EPSG:4326"
#: coordinates written to the page: 6 decimals of a degree is about 0.1 m, finer than the data
COORD_DECIMALS = 6


def to_page_lonlat(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``gdf`` in lon/lat on a 1e-6° grid (about 0.1 m), valid and without empty geometries.

    Snapping point by point then repairing: GEOS's valid-output snapping raises a
    TopologyException on some thin border slivers."""
    frame = gdf if gdf.crs is None or gdf.crs.to_string() == WGS84 else gdf.to_crs(WGS84)
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    snapped = frame.geometry.set_precision(10 ** -COORD_DECIMALS, mode="pointwise")
    invalid = ~snapped.is_valid
    snapped[invalid] = snapped[invalid].make_valid()
    # repairing a polygon may leave lines beside it: keep what was polygonal
    was_polygon = invalid & gdf.loc[frame.index].geom_type.isin(["Polygon", "MultiPolygon"])
    snapped[was_polygon] = snapped[was_polygon].apply(polygonal)
    return frame.set_geometry(snapped)[~snapped.is_empty]


def geojson(gdf: gpd.GeoDataFrame, properties: list[dict] | None = None) -> dict:
    """A FeatureCollection in lon/lat: the frame's own columns as properties, or ``properties``
    (one dict per row of ``gdf``, in its order) where given."""
    if properties is None:
        return json.loads(to_page_lonlat(gdf).to_json(drop_id=True))
    by_row = dict(zip(gdf.index, properties))
    frame = to_page_lonlat(gdf)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": by_row[i], "geometry": json.loads(shapely.to_geojson(g))}
        for i, g in zip(frame.index, frame.geometry.values)]}


def bounds_latlng(gdf: gpd.GeoDataFrame) -> list[list[float]]:
    """Leaflet's [[south, west], [north, east]] of a layer."""
    minx, miny, maxx, maxy = gdf.to_crs(WGS84).total_bounds
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def vector_tiles(view, name: str, count: int, threshold: int, *, title: tuple[str, str],
                 colours: dict[str, str]) -> dict | None:
    """How a page draws a layer of ``count`` features above ``threshold``: from vector tiles
    (gis_service/web/tiles.py) at the view's version, from its minimum zoom (below it the map
    says "zoom in"), filled by kind with ``colours``; None: at or below the threshold, the page
    embeds the layer as GeoJSON."""
    if count <= threshold:
        return None
    return {"url": f"/tiles/{name}/{{z}}/{{x}}/{{y}}.pbf?version={view.version()}", "layer": name,
            "minZoom": view.tile_min_zoom(name), "count": count, "title_vi": title[0], "title_en": title[1],
            "colours": colours}
