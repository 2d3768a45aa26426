"""A static map of the plan as inline SVG, drawn on the server: the commune, the zones coloured
by kind with their ids, the lake, residential land, QL14 and the commune seat, a scale bar and a
north arrow. No script, no tiles: it prints as drawn (the report's first page) and shows the
place of a looked-up point. Coordinates are the plan CRS's metres (VN-2000 TM-3), north up."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from markupsafe import Markup, escape
from shapely.geometry.base import BaseGeometry

from ..l10n import number
from ..settings import Settings
from .plandata import PlanData
from .styles import CONTEXT_STYLES, POINT_LAYERS

#: context layers drawn under / over the zones, when the version has them
UNDER = ("thac_mo_lake",)
OVER = ("residential", "road_ql14")
POINTS = ("commune_seat",)
#: above this many zones (the tile threshold: each would be a pixel or less) the map draws no zone
#: one by one, but cells of GRID_CELL_PX pixels coloured by the kind of most zones in them
DRAWN_ZONES = Settings.tile_threshold
GRID_CELL_PX = 4


@dataclass(frozen=True)
class Frame:
    """Plan CRS metres → SVG pixels (y down), with the map's extent and scale."""
    minx: float
    maxy: float
    scale: float  # pixels per metre
    pad: float
    width: int
    height: int

    @property
    def font(self) -> float:
        """Label size in map units: legible when the map is printed about 10 cm tall."""
        return round(max(self.width, self.height) / 40, 1)

    def xy(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        return (np.asarray(x) - self.minx) * self.scale + self.pad, (self.maxy - np.asarray(y)) * self.scale + self.pad


def frame_for(bounds: tuple[float, float, float, float], size: int, pad: float = 14) -> Frame:
    """A frame whose longer side is ``size`` pixels."""
    minx, miny, maxx, maxy = bounds
    scale = (size - 2 * pad) / max(maxx - minx, maxy - miny, 1.0)
    width = int(round((maxx - minx) * scale + 2 * pad))
    height = int(round((maxy - miny) * scale + 2 * pad))
    return Frame(minx, maxy, scale, pad, width, height)


def path_data(geom: BaseGeometry | None, frame: Frame) -> str:
    """SVG path data of a (multi)polygon or (multi)line, simplified to about a third of a pixel."""
    if geom is None or geom.is_empty:
        return ""
    geom = shapely.simplify(geom, 0.33 / frame.scale, preserve_topology=True)
    parts = []
    for part in shapely.get_parts(geom):
        rings = [part.exterior, *part.interiors] if part.geom_type == "Polygon" else [part]
        for ring in rings:
            coords = np.asarray(ring.coords)
            if len(coords) < 2:
                continue
            xs, ys = frame.xy(coords[:, 0], coords[:, 1])
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))
            parts.append(f"M{points}" + ("Z" if part.geom_type == "Polygon" else ""))
    return "".join(parts)


def _style(style: dict, fill: bool = True) -> str:
    out = [f'stroke="{style.get("color", "#333")}"', f'stroke-width="{style.get("weight", 1)}"']
    if fill and style.get("fill", True) and "fillColor" in style:
        out.append(f'fill="{style["fillColor"]}" fill-opacity="{style.get("fillOpacity", 0.5)}"')
    else:
        out.append('fill="none"')
    if "dashArray" in style:
        out.append(f'stroke-dasharray="{style["dashArray"]}"')
    return " ".join(out)


def plan_svg(data: PlanData, *, size: int = 720, highlight: str | None = None,
             point: tuple[float, float] | None = None, title: str = "") -> Markup:
    """The map; ``highlight``: a zone id drawn with a heavy outline; ``point``: plan CRS x, y."""
    boundary = data.boundary
    frame = frame_for(boundary.bounds, size)
    names = set(data.store.layer_names())
    title = title or f"{data.plan.name_vi} / {data.plan.name_en}"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="plan-map" role="img" '
           f'viewBox="0 0 {frame.width} {frame.height}" width="{frame.width}" height="{frame.height}" '
           f'font-family="Noto Sans, DejaVu Sans, Arial, sans-serif">'
           f'<title>{escape(title)}</title>',
           f'<rect width="{frame.width}" height="{frame.height}" fill="#f7f5ef"/>',
           f'<path d="{path_data(boundary, frame)}" fill="#ffffff" stroke="none"/>']
    for name in UNDER:
        if name in names:
            out.append(_layer(data, name, frame))
    out.append(_zones(data, frame, highlight))
    for name in OVER:
        if name in names:
            out.append(_layer(data, name, frame))
    out.append(f'<path d="{path_data(boundary, frame)}" fill="none" stroke="#1a1a1a" stroke-width="2.5"/>')
    for name in POINTS:
        if name in names:
            out.append(_points(data, name, frame))
    out.append(_labels(data, frame))
    if point is not None:
        x, y = frame.xy(point[0], point[1])
        out.append(f'<g class="lookup-point"><circle cx="{float(x):.1f}" cy="{float(y):.1f}" r="9" fill="none" '
                   f'stroke="#d7000f" stroke-width="3"/><circle cx="{float(x):.1f}" cy="{float(y):.1f}" r="3" '
                   f'fill="#d7000f"/></g>')
    out.append(_scale_bar(frame))
    out.append(_north_arrow(frame))
    out.append("</svg>")
    return Markup("".join(out))


def _layer(data: PlanData, name: str, frame: Frame) -> str:
    geoms = data.layer(name).geometry.values
    style = CONTEXT_STYLES.get(name, {"color": "#555", "weight": 1})
    d = path_data(shapely.union_all(geoms), frame)
    return f'<path class="layer-{escape(name)}" d="{d}" {_style(style)} fill-rule="evenodd"/>'


def drawn_one_by_one(data: PlanData) -> bool:
    """Whether the map draws each zone (else a grid of cells coloured by kind: ``_kind_grid``)."""
    return len(data.zones) <= DRAWN_ZONES


def grid_cell_m(data: PlanData, size: int) -> float:
    """The side of a cell of the kind grid on a map of ``size`` pixels, in metres."""
    return GRID_CELL_PX / frame_for(data.boundary.bounds, size).scale


def _zones(data: PlanData, frame: Frame, highlight: str | None) -> str:
    colours = {kind: spec.color for kind, spec in data.plan.zone_kinds.items()}
    if not drawn_one_by_one(data):
        return _kind_grid(data, frame, colours) + _highlighted(data, frame, highlight)
    out = ['<g class="zones" stroke="#333333" stroke-width="1" fill-opacity="0.85">']
    for row in data.zones.itertuples():
        heavy = ' stroke="#000000" stroke-width="4"' if row.id == highlight else ""
        out.append(f'<path data-zone="{escape(row.id)}" d="{path_data(row.geometry, frame)}" '
                   f'fill="{colours.get(row.kind, "#cccccc")}" fill-rule="evenodd"{heavy}/>')
    out.append("</g>")
    return "".join(out)


def _kind_grid(data: PlanData, frame: Frame, colours: dict[str, str]) -> str:
    """Too many zones to draw one by one (a million parcels, each under a pixel): cells of
    ``GRID_CELL_PX`` pixels, each coloured by the kind most zones centred in it have, one path
    per kind, clipped to the commune. Derived once per version and map size."""
    def build() -> str:
        zones = data.zones
        bounds = shapely.bounds(zones.geometry.values)
        x, y = frame.xy((bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2)
        codes, kinds = pd.factorize(zones["kind"])
        ok = np.isfinite(x) & np.isfinite(y)
        cols, rows = int(np.ceil(frame.width / GRID_CELL_PX)), int(np.ceil(frame.height / GRID_CELL_PX))
        col = np.clip((x[ok] // GRID_CELL_PX).astype(int), 0, cols - 1)
        row = np.clip((y[ok] // GRID_CELL_PX).astype(int), 0, rows - 1)
        counts = np.bincount((row * cols + col) * len(kinds) + codes[ok],
                             minlength=rows * cols * len(kinds)).reshape(rows, cols, len(kinds))
        major = np.where(counts.sum(axis=2) > 0, counts.argmax(axis=2), -1)
        paths = {k: [] for k in range(len(kinds))}
        for r in range(rows):
            line = major[r]
            starts = np.flatnonzero(np.diff(line, prepend=-2) != 0)
            for start, end in zip(starts, [*starts[1:], cols]):
                if line[start] >= 0:
                    paths[line[start]].append(f"M{start * GRID_CELL_PX},{r * GRID_CELL_PX}"
                                              f"h{(end - start) * GRID_CELL_PX}v{GRID_CELL_PX}"
                                              f"h{-(end - start) * GRID_CELL_PX}z")
        clip = f'<clipPath id="commune-clip"><path d="{path_data(data.boundary, frame)}"/></clipPath>'
        fills = "".join(f'<path data-kind="{escape(kinds[k])}" d="{"".join(d)}" '
                        f'fill="{colours.get(kinds[k], "#cccccc")}"/>' for k, d in paths.items() if d)
        return (f'{clip}<g class="zones zone-grid" clip-path="url(#commune-clip)" fill-opacity="0.85" '
                f'data-zones="{len(zones)}">{fills}</g>')
    return data.derived(f"svg_kind_grid:{frame.width}x{frame.height}", build)


def _highlighted(data: PlanData, frame: Frame, zone_id: str | None) -> str:
    """The one zone looked up, outlined and labelled over the kind grid."""
    if zone_id is None:
        return ""
    found = data.zones[data.zones["id"] == zone_id]
    out = []
    for row in found.itertuples():
        p = row.geometry.representative_point()
        x, y = frame.xy(p.x, p.y)
        minx, miny, maxx, maxy = row.geometry.bounds
        if max(maxx - minx, maxy - miny) * frame.scale < 12:  # a parcel of a few pixels: ringed to be seen
            out.append(f'<circle class="zone-ring" cx="{float(x):.1f}" cy="{float(y):.1f}" r="10" fill="none" '
                       f'stroke="#d7000f" stroke-width="3"/>')
        out.append(f'<path data-zone="{escape(row.id)}" d="{path_data(row.geometry, frame)}" fill="none" '
                   f'stroke="#000000" stroke-width="4"/><text class="zone-label" x="{float(x):.1f}" '
                   f'y="{float(y) - frame.font:.1f}" font-size="{frame.font}" font-weight="700" text-anchor="middle" '
                   f'fill="#1b1b1b" stroke="#ffffff" stroke-width="{frame.font / 4:.1f}" paint-order="stroke">'
                   f'{escape(row.id)}</text>')
    return "".join(out)


def _labels(data: PlanData, frame: Frame) -> str:
    if not drawn_one_by_one(data):
        return ""  # a label a zone is unreadable at parcel scale: the looked-up zone has its own
    out = [f'<g class="labels" font-size="{frame.font}" font-weight="700" text-anchor="middle" '
           f'fill="#1b1b1b" stroke="#ffffff" stroke-width="{frame.font / 4:.1f}" paint-order="stroke">']
    for row in data.zones.itertuples():
        p = row.geometry.representative_point()
        x, y = frame.xy(p.x, p.y)
        out.append(f'<text x="{float(x):.1f}" y="{float(y) + frame.font / 3:.1f}">{escape(row.id)}</text>')
    out.append("</g>")
    return "".join(out)


def _points(data: PlanData, name: str, frame: Frame) -> str:
    colour = POINT_LAYERS.get(name, "#000000")
    out = []
    for geom in data.layer(name).geometry.values:
        for p in shapely.get_parts(geom):
            x, y = frame.xy(p.x, p.y)
            out.append(f'<circle class="layer-{escape(name)}" cx="{float(x):.1f}" cy="{float(y):.1f}" r="6" '
                       f'fill="{colour}" stroke="#ffffff" stroke-width="2"/>')
    return "".join(out)


def _scale_bar(frame: Frame) -> str:
    """A bar of a round length, about a quarter of the map's width."""
    target = (frame.width / 4) / frame.scale
    metres = next((m for m in (100, 200, 500, 1000, 2000, 5000, 10000, 20000) if m >= target * 0.6), 50000)
    length, f = metres * frame.scale, frame.font
    x0, y0 = frame.pad + 6, frame.height - frame.pad - f * 0.6
    label = f"{number(metres / 1000, 0)} km" if metres >= 1000 else f"{metres} m"
    return (f'<g class="scale-bar" font-size="{f * 0.9:.1f}" fill="#1b1b1b">'
            f'<rect x="{x0 - 4}" y="{y0 - f * 1.4:.1f}" width="{length + 8:.1f}" height="{f * 2:.1f}" '
            f'fill="#ffffff" fill-opacity="0.85"/>'
            f'<rect x="{x0}" y="{y0:.1f}" width="{length:.1f}" height="{f * 0.35:.1f}" fill="#1b1b1b"/>'
            f'<rect x="{x0 + length / 2:.1f}" y="{y0:.1f}" width="{length / 2:.1f}" height="{f * 0.35:.1f}" '
            f'fill="#ffffff" stroke="#1b1b1b" stroke-width="1"/>'
            f'<text x="{x0}" y="{y0 - f * 0.35:.1f}">0</text><text x="{x0 + length:.1f}" y="{y0 - f * 0.35:.1f}" '
            f'text-anchor="end">{label}</text></g>')


def _north_arrow(frame: Frame) -> str:
    """An arrow pointing north (grid north of the TM-3 zone), marked B (Bắc) / N."""
    f = frame.font
    x, y = frame.width - frame.pad - f, frame.pad + f
    return (f'<g class="north-arrow" font-size="{f:.1f}" font-weight="700" text-anchor="middle">'
            f'<path d="M{x:.1f},{y + f * 0.3:.1f} l{f * 0.6:.1f},{f * 1.9:.1f} l{-f * 0.6:.1f},{-f * 0.5:.1f} '
            f'l{-f * 0.6:.1f},{f * 0.5:.1f} Z" fill="#1b1b1b"/>'
            f'<text x="{x:.1f}" y="{y:.1f}">B<tspan font-size="{f * 0.6:.1f}" font-weight="400"> N</tspan>'
            f'</text></g>')


def legend(data: PlanData) -> list[dict]:
    """What the map's colours mean: the zone kinds, then the context layers drawn."""
    rows = [{"colour": spec.color, "vi": spec.name_vi, "en": spec.name_en, "kind": "fill"}
            for spec in data.plan.zone_kinds.values()]
    names = set(data.store.layer_names())
    for name in (*UNDER, *OVER, *POINTS):
        if name in names:
            vi, en = data.layer_title(name)
            style = CONTEXT_STYLES.get(name, {})
            shape = "point" if name in POINTS else ("line" if "fillColor" not in style else "fill")
            colour = POINT_LAYERS.get(name) or style.get("fillColor") or style.get("color", "#333")
            rows.append({"colour": colour, "vi": vi, "en": en, "kind": shape,
                         "border": style.get("color", colour)})
    vi, en = data.layer_title("commune_boundary")
    rows.append({"colour": "#1a1a1a", "vi": vi, "en": en, "kind": "line", "border": "#1a1a1a"})
    return rows
