"""The durian register and the rasters on the planner map: plots coloured by their code status
on the report's reference date, with popups, and each raster as an image overlay served from
this server (/rasters/<name>.png), with their legends."""

from __future__ import annotations

import json

import folium
import numpy as np
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import escape

from ..catalog import ILLUSTRATIVE_MARK
from ..register import STATUSES
from .foliummap import add_gdf_layer
from .plandata import PlanData
from .registerdata import RegisterView, plot_popup_rows, raster_images

RASTER_OPACITY = 0.7
RASTER_PANE = "rasters"


def add_plots_layer(m, data: PlanData, view: RegisterView):
    plots = view.plots
    mark = f"<div class=\"mh\">{ILLUSTRATIVE_MARK}</div>" if view.illustrative else ""
    popups = []
    for r in plots.itertuples():
        rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in plot_popup_rows(r))
        popups.append(f"<div class=\"pp plot\" data-plot=\"{escape(r.plot_id)}\">{mark}<b class=\"zname\">"
                      f"Thửa / Plot {escape(r.plot_id)}</b> <small>({escape(r.zone_id or '—')})</small>"
                      f"<table>{rows}</table><small>Ngày xét / judged on {escape(view.on_vi)}</small></div>")
    frame = plots.assign(popup_html=popups, tooltip=[
        f"{r.plot_id} · {STATUSES[r.status][1]} / {STATUSES[r.status][2]}" for r in plots.itertuples()])
    colours = {status: c for status, (c, _, _) in STATUSES.items()}

    def style(feature):
        return {"color": "#222222", "weight": 0.8, "fillOpacity": 0.9,
                "fillColor": colours.get(feature["properties"]["status"], "#888888")}

    title_vi, title_en = data.layer_title(view.name)
    label = (f"{escape(title_vi)} <small>/ {escape(title_en)}</small>"
             + (f' <b class="mh">{ILLUSTRATIVE_MARK}</b>' if view.illustrative else ""))
    marker = folium.CircleMarker(radius=5, color="#222", weight=1, fill=True, fill_opacity=0.9)
    return add_gdf_layer(m, frame[["plot_id", "status", "popup_html", "tooltip", "geometry"]], name=label,
                         style=style, highlight={"weight": 3, "color": "#000000"},
                         popup_field="popup_html", tooltip_field="tooltip", marker=marker)


def add_raster_overlays(m, data: PlanData) -> list:
    """Each raster as an image overlay (off at first; the layer list switches it on)."""
    images = raster_images(data)
    if images:  # above the zone fills (overlay pane, 400), below markers and popups; clicks pass through
        folium.map.CustomPane(RASTER_PANE, z_index=450, pointer_events=False).add_to(m)
    for image in images:
        west, south, east, north = image.bounds
        mark = f' <b class="mh">{ILLUSTRATIVE_MARK}</b>' if image.entry.illustrative else ""
        overlay = folium.raster_layers.ImageOverlay(
            np.zeros((1, 1, 4)), bounds=[[south, west], [north, east]], opacity=RASTER_OPACITY,
            name=f"{escape(image.entry.title_vi)} <small>/ {escape(image.entry.title_en)}</small>{mark}",
            show=False, pixelated=True, interactive=False, pane=RASTER_PANE)
        overlay.url = f"/rasters/{image.name}.png?v={image.sha256[:12]}"  # this server, not a data URL
        overlay.add_to(m)
    return images


def legend_rows(data: PlanData, view: RegisterView | None, images: list) -> str:
    """Legend rows for the plot statuses and each raster's classes or colour ramp."""
    rows = ""
    if view is not None:
        rows += f"<li><b>Thửa sầu riêng / Durian plots</b> <small>({escape(view.on_vi)})</small></li>"
        rows += "".join(f"<li class=\"lg-plot\" data-status=\"{s}\"><i style=\"background:{c}\"></i>{escape(vi)} "
                        f"<small>/ {escape(en)}</small></li>" for s, (c, vi, en) in STATUSES.items())
    for image in images:
        e = image.entry
        mark = f" <b class=\"mh\">{ILLUSTRATIVE_MARK}</b>" if e.illustrative else ""
        rows += (f"<li class=\"lg-raster\" data-raster=\"{escape(e.name)}\"><b>{escape(e.title_vi)}</b> "
                 f"<small>/ {escape(e.title_en)}{mark}; bật trong danh sách lớp / switch on in the layer list</small></li>")
        items = ([(c.color, f"{c.code} {c.name_vi}", c.name_en) for c in e.classes] if e.kind == "classes"
                 else [(s.color, s.label_vi, s.label_en) for s in e.ramp])
        rows += "".join(f"<li><i style=\"background:{c};opacity:{RASTER_OPACITY}\"></i>{escape(vi)} "
                        f"<small>/ {escape(en)}</small></li>" for c, vi, en in items)
    return str(rows)  # plain text: Markup would escape what it is joined to


class PlotsInit(MacroElement):
    """Calls initPlots (web/static/js/plots.js): zoom to ?plot=ID and open its popup."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        initPlots({{ this.map.get_name() }}, {{ this.plots.get_name() }}, {{ this.options }});
        {% endmacro %}
    """)

    def __init__(self, m, plots, options: dict):
        super().__init__()
        self._name = "PlotsInit"
        self.map, self.plots = m, plots
        self.options = json.dumps(options, ensure_ascii=False)
        m.add_child(self)
