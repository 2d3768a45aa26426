"""Offline folium maps: Leaflet from web/static/vendor, no CDN, no tile server by default.

folium loads Leaflet, jQuery, Bootstrap and awesome-markers from CDNs; offline (the commune
office) such a map is blank. ``offline_map`` points folium at the vendored Leaflet and drops the
rest. Stay with the folium features that need only Leaflet: GeoJson with GeoJsonPopup /
GeoJsonTooltip, LayerControl, FeatureGroup. ``folium.Popup`` with HTML and
``objects_to_stay_in_front`` call jQuery and would break here.

Stable interface (also used by the edge-matching page): ``offline_map``, ``add_gdf_layer``,
``LEAFLET_JS``, ``LEAFLET_CSS``.
"""

from __future__ import annotations

from typing import Callable

import folium
import geopandas as gpd
from branca.element import Element
from markupsafe import escape

from ..geom import polygonal

VENDOR_URL = "/static/vendor"
LEAFLET_JS = f"{VENDOR_URL}/leaflet/leaflet.js"
LEAFLET_CSS = f"{VENDOR_URL}/leaflet/leaflet.css"
WGS84 = "EPSG:4326"
#: coordinates written to the page: 6 decimals of a degree is about 0.1 m, finer than the data
COORD_DECIMALS = 6


class OfflineMap(folium.Map):
    """A folium.Map whose only assets are the vendored Leaflet JS and CSS."""

    default_js = [("leaflet", LEAFLET_JS)]
    default_css = [("leaflet_css", LEAFLET_CSS)]


def offline_map(bounds: tuple[float, float, float, float] | None = None, *,
                tiles_url: str | None = None, tiles_attribution: str = "",
                background: str = "#f4f1ea", title: str | None = None, **kwargs) -> OfflineMap:
    """An offline Leaflet map fitted to ``bounds`` (lon/lat: minx, miny, maxx, maxy).

    No tile layer unless ``tiles_url`` is given (an opt-in; the default background is plain).
    Extra keyword arguments go to ``folium.Map``.
    """
    kwargs.setdefault("control_scale", True)
    kwargs.setdefault("prefer_canvas", False)
    m = OfflineMap(location=_centre(bounds), zoom_start=12, tiles=None, **kwargs)
    if tiles_url:
        folium.TileLayer(tiles_url, attr=tiles_attribution or tiles_url, name="Nền / Basemap",
                         control=False).add_to(m)
    if bounds is not None:
        minx, miny, maxx, maxy = bounds
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    root = m.get_root()
    root.header.add_child(Element(
        f"<style>.leaflet-container{{background:{background};}}</style>"), name="map_background")
    if title:
        root.header.add_child(Element(f"<title>{escape(title)}</title>"), name="page_title")
    return m


def add_gdf_layer(m: folium.Map | folium.FeatureGroup, gdf: gpd.GeoDataFrame, *, name: str,
                  style: dict | Callable[[dict], dict] | None = None,
                  highlight: dict | None = None,
                  popup_field: str | None = None,
                  tooltip_field: str | None = None,
                  show: bool = True, control: bool = True,
                  marker: folium.Marker | folium.CircleMarker | None = None) -> folium.GeoJson:
    """Add ``gdf`` (any CRS; reprojected to lon/lat) as a named GeoJSON overlay.

    ``style`` is a Leaflet path style or a function of the GeoJSON feature returning one.
    ``popup_field`` / ``tooltip_field`` name a column holding ready, escaped HTML (popup) or
    text (tooltip); the helper shows it as is, without a field table. ``marker`` draws points
    (e.g. ``folium.CircleMarker(radius=6)``; the default pin needs the vendored images).
    """
    frame = to_page_lonlat(gdf)
    style_function = style if callable(style) else (lambda _f, s=dict(style or {}): s)
    layer = folium.GeoJson(
        frame.__geo_interface__, name=name, style_function=style_function,
        highlight_function=(lambda _f, h=dict(highlight): h) if highlight else None,
        popup=folium.GeoJsonPopup([popup_field], labels=False, class_name="gj-popup",
                                  max_width=420) if popup_field else None,
        tooltip=folium.GeoJsonTooltip([tooltip_field], labels=False) if tooltip_field else None,
        show=show, control=control, smooth_factor=0.5, marker=marker)
    layer.add_to(m)
    return layer


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


def add_html(m: folium.Map, html: str, *, where: str = "html", name: str | None = None) -> None:
    """Add raw markup to the page: ``where`` is 'header', 'html' (body) or 'script'."""
    getattr(m.get_root(), where).add_child(Element(html), name=name)


def render_page(m: folium.Map) -> str:
    """The whole HTML page of the map."""
    return m.get_root().render()


def _centre(bounds) -> list[float]:
    if bounds is None:
        return [11.85, 107.0]  # Nghĩa Trung, roughly
    minx, miny, maxx, maxy = bounds
    return [(miny + maxy) / 2, (minx + maxx) / 2]
