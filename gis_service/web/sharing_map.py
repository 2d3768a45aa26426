"""The edge-matching map page (/sharing/edgematch): our border, each neighbour's, the overlap and
gap polygons with a marker on each (they are tens of metres wide: invisible at commune scale
without one), and the report table. Offline: the shared folium helper, vendored Leaflet only."""

from __future__ import annotations

import folium
import geopandas as gpd
from markupsafe import escape

from ..edgematch import NeighbourMatch, pieces_frame
from ..l10n import number
from . import foliummap

STYLES = {"overlap": {"color": "#c00000", "fillColor": "#ff4040", "weight": 2, "fillOpacity": 0.6},
          "gap": {"color": "#0050c0", "fillColor": "#40a0ff", "weight": 2, "fillOpacity": 0.6}}
LABELS = {"overlap": "Chồng lấn / Overlaps", "gap": "Khe hở / Gaps"}


def edgematch_page(results: list[NeighbourMatch], boundary: gpd.GeoDataFrame,
                   neighbours: gpd.GeoDataFrame, attribution: str) -> str:
    bounds = tuple(boundary.to_crs("OGC:CRS84").total_bounds)
    m = foliummap.offline_map(bounds, title="So khớp ranh giới / Edge-matching")
    foliummap.add_gdf_layer(m, neighbours[["name", "geometry"]].assign(tip=neighbours["name"]),
                            name="Xã giáp ranh / Neighbours", tooltip_field="tip",
                            style={"color": "#777777", "weight": 1, "fillOpacity": 0.05})
    foliummap.add_gdf_layer(m, boundary[["geometry"]], name="Ranh giới xã Nghĩa Trung / Our boundary",
                            style={"color": "#000000", "weight": 2, "fill": False})
    pieces = foliummap.to_page_lonlat(pieces_frame(results, boundary.crs))
    pieces["popup"] = [f"{escape(vi)}<br><i lang=\"en\">{escape(en)}</i>"
                       for vi, en in zip(pieces["message_vi"], pieces["message_en"])]
    for kind, style in STYLES.items():
        of_kind = pieces[pieces["kind"] == kind]
        group = folium.FeatureGroup(name=LABELS[kind]).add_to(m)
        foliummap.add_gdf_layer(group, of_kind, name=LABELS[kind], style=style, popup_field="popup",
                                control=False)
        points = of_kind.set_geometry(of_kind.geometry.representative_point())
        foliummap.add_gdf_layer(group, points, name=LABELS[kind], popup_field="popup", control=False,
                                marker=folium.CircleMarker(radius=5, color=style["color"], fill=True,
                                                           fill_opacity=0.9))
    folium.LayerControl(collapsed=False).add_to(m)
    foliummap.add_html(m, _table(results, attribution), name="edgematch_table")
    return foliummap.render_page(m)


def _table(results: list[NeighbourMatch], attribution: str) -> str:
    rows = "".join(
        f"<tr><td>{escape(r.neighbour)}</td><td>{number(r.overlap_ha, 2)} ha ({r.overlap_count})</td>"
        f"<td>{number(r.gap_ha, 2)} ha ({r.gap_count})</td><td>{number(r.shared_border_m / 1000, 2)} km</td>"
        f"<td>{number(r.agreed_border_m / 1000, 2)} km ({number(r.agreed_pct, 1)} %)</td><td>{escape(r.source)}</td></tr>"
        for r in results)
    tol = results[0].tolerance_m if results else 10
    return (
        '<div id="edgematch-report" style="position:absolute;bottom:48px;left:8px;z-index:1000;'
        'background:#fff;padding:6px 10px;font:14px system-ui,sans-serif;max-width:60%">'
        "<b>So khớp ranh giới với các xã giáp ranh / Edge-matching with neighbouring communes</b>"
        f"<br><small>Diện tích mặt phẳng VN-2000 TM-3; khớp khi lệch ≤ {tol:g} m / planar VN-2000 "
        f"TM-3 areas; agreed within {tol:g} m</small>"
        "<table><tr><th>Xã / Commune</th><th>Chồng lấn / Overlap</th><th>Khe hở / Gap</th>"
        "<th>Ranh chung / Shared</th><th>Khớp / Agreed</th><th>Nguồn / Source</th></tr>"
        f"{rows}</table><small>Ranh giới / Boundaries: {escape(attribution)}. "
        '<a href="/sharing/edgematch.json">JSON</a> · <a href="/sharing/edgematch.txt">text</a> · '
        '<a href="/ogcapi/collections/edgematch/items?f=html">OGC API</a></small></div>')
