"""The planner map's data: every layer of the store (zones coloured by kind, the durian plots by
their code status, the rasters as image overlays, violations on top) as GeoJSON with the facts
each popup and tooltip shows, plus the legend rows. Plain JSON: web/static/js/planner.js draws it
with the vendored Leaflet and sets every text as text, so a zone id or name holding markup stays
text. The page around it is web/templates/planner.html."""

from __future__ import annotations

import math

from ..catalog import ILLUSTRATIVE_MARK_VI
from ..crs import PLAN_CRSS
from ..l10n import number
from ..register import STATUSES
from ..rules import shown
from ..settings import Settings
from .pagegeo import bounds_latlng, geojson, vector_tiles
from .plandata import ILLUSTRATIVE_MARK, PlanData
from .registerdata import RegisterView, plot_popup_rows, raster_images, register_view
from .styles import CONTEXT_STYLES, POINT_LAYERS

VIOLATION_STYLE = {"color": "#d7000f", "weight": 4, "dashArray": "8 5", "fillColor": "#ff2a2a",
                   "fillOpacity": 0.35, "opacity": 1}
ZONE_STYLE = {"color": "#333333", "weight": 1.5, "fillOpacity": 0.8}
PLOT_STYLE = {"color": "#222222", "weight": 0.8, "fillOpacity": 0.9}
HIGHLIGHT = {"weight": 4, "color": "#000000"}
VIOLATIONS_TITLE = ("⚠ Vi phạm quy tắc", "Rule violations")
MAP_VIOLATIONS = 250  # findings drawn on the map at most (the page stays under 1 MB with 1M parcels)
RASTER_OPACITY = 0.7
#: drawing order, bottom to top; rasters, zones, plots and violations are added in between
BASE_ORDER = ["communes", "neighbours", "remaining_land"]
#: context layers the legend explains besides the zone kinds
LEGEND_CONTEXT = ("thac_mo_lake", "residential", "road_ql14", "commune_boundary")
TOP_ORDER = ["thac_mo_lake", "residential", "road_ql14", "thac_mo_dam", "commune_seat",
             "commune_boundary"]
TILE_THRESHOLD = Settings.tile_threshold
#: where each request puts its own sign-in state (the rest of the page is shared by everyone)
ACCOUNT_SLOT = "<!--gis-service:account-->"


def planner_payload(data: PlanData, *, tiles_url: str = "", register: RegisterView | None = None,
                    tile_threshold: int = TILE_THRESHOLD) -> dict:
    """Everything planner.js draws, in drawing order."""
    names = set(data.store.layer_names())
    layers = [context_layer(data, name) for name in BASE_ORDER if name in names]
    layers.append(zones_layer(data, tile_threshold))
    if register is not None:
        layers.append(plots_layer(data, register))
    layers += [context_layer(data, name) for name in TOP_ORDER if name in names]
    layers.append(violations_layer(data))
    return {
        "bounds": bounds_latlng(data.layer("commune_boundary")),
        "tiles": {"url": tiles_url, "attribution": tiles_url} if tiles_url else None,
        "lookupUrl": "/lookup", "version": data.version, "illustrativeMark": ILLUSTRATIVE_MARK,
        "planCrs": data.plan.crs, "layers": layers, "rasters": rasters(data),
    }


def _layer(data: PlanData, name: str, kind: str, style: dict, collection: dict,
           title: tuple[str, str] | None = None) -> dict:
    vi, en = title or data.layer_title(name)
    return {"id": name, "kind": kind, "title_vi": vi, "title_en": en,
            "illustrative": data.is_illustrative(name), "style": style,
            "point_colour": POINT_LAYERS.get(name), "geojson": collection}


def context_layer(data: PlanData, name: str) -> dict:
    frame = data.layer(name)
    label_col = next((c for c in ("name_vi", "name") if c in frame.columns), None)
    vi, _ = data.layer_title(name)
    labels = frame[label_col].astype(str).tolist() if label_col else [vi] * len(frame)
    style = CONTEXT_STYLES.get(name, {"color": "#555", "weight": 1})
    if name == "remaining_land":
        style = dict(style, fillColor=data.plan.remaining.color)
    return _layer(data, name, "context", style,
                  geojson(frame[["geometry"]], [{"label": label} for label in labels]))


def zones_layer(data: PlanData, tile_threshold: int = TILE_THRESHOLD) -> dict:
    """The zones as GeoJSON with each popup's facts; above ``tile_threshold`` zones, none: the map
    draws them from vector tiles (``tiles``) coloured by kind, and a click looks the point up."""
    zones = data.zones
    tiled = zone_tiles(data, tile_threshold)
    if tiled is not None:
        layer = _layer(data, "zones", "zones", ZONE_STYLE | {"highlight": HIGHLIGHT},
                       {"type": "FeatureCollection", "features": []})
        return layer | {"tiles": tiled}
    by_id = {z.id: z for z in data.zone_summaries}
    return _layer(data, "zones", "zones", ZONE_STYLE | {"highlight": HIGHLIGHT},
                  geojson(zones[["geometry"]], [by_id[i].to_json() for i in zones["id"]]))


def zone_tiles(data: PlanData, tile_threshold: int) -> dict | None:
    """The zones from vector tiles (pagegeo.vector_tiles) when there are more than ``tile_threshold``."""
    return vector_tiles(data.store, "zones", len(data.zones), tile_threshold, title=data.layer_title("zones"),
                        colours={kind: k.color for kind, k in data.plan.zone_kinds.items()})


def plots_layer(data: PlanData, view: RegisterView) -> dict:
    """The durian plots coloured by their code status on the report's reference date."""
    plots = view.plots
    facts = [{"plot_id": r.plot_id, "zone_id": r.zone_id or "—", "status": r.status,
              "color": STATUSES[r.status][0], "rows": plot_popup_rows(r), "on_vi": view.on_vi,
              "tooltip": f"{r.plot_id} · {STATUSES[r.status][1]} / {STATUSES[r.status][2]}"}
             for r in plots.itertuples()]
    layer = _layer(data, view.name, "plots", PLOT_STYLE | {"highlight": {"weight": 3, "color": "#000000"}},
                   geojson(plots[["geometry"]], facts))
    layer["illustrative"] = view.illustrative
    return layer


def mapped_violations(data: PlanData):
    """The failed findings the map draws, in report order, and how many failed in all: above
    ``MAP_VIOLATIONS`` (a million parcels can fail by the thousand, ~1.3 KB each in the page) the
    first of each rule in turn, up to that many (every one is in the report, the violations file
    and the lookup). The failing-rules list links these, by their place in this frame."""
    frame = data.violations()
    total = len(frame)
    if total > MAP_VIOLATIONS:
        turn = frame.groupby("rule_id", sort=False).cumcount()
        frame = frame.loc[turn.sort_values(kind="stable").index[:MAP_VIOLATIONS]].sort_index()
    return frame, total


def violations_layer(data: PlanData) -> dict:
    """The failed findings drawn on the map, with their popups; when not all of them are drawn
    the layer's title says how many of how many are."""
    frame, total = mapped_violations(data)
    title = VIOLATIONS_TITLE
    if total > len(frame):
        title = (f"{VIOLATIONS_TITLE[0]} ({number(len(frame), 0)}/{number(total, 0)} hiển thị)",
                 f"{VIOLATIONS_TITLE[1]} ({number(len(frame), 0, 'en')}/{number(total, 0, 'en')} shown)")
    facts = [{"rule_id": r.rule_id, "zone_ids": [z for z in (r.zone_ids or "").split(";") if z],
              "title_vi": r.title_vi, "title_en": r.title_en,
              "message_vi": r.message_vi, "message_en": r.message_en,
              "measured_text": "—" if r.measured is None or math.isnan(r.measured) else shown(r.measured, r.unit, "vi"),
              "target": r.target} for r in frame.itertuples()]
    layer = _layer(data, "validation_findings", "violations", VIOLATION_STYLE,
                   geojson(frame[["geometry"]], facts), title=title)
    layer["illustrative"] = False
    return layer


def rasters(data: PlanData) -> list[dict]:
    """Each raster as an image overlay served from this server (/rasters/<name>.png), off at
    first: the layer list switches it on."""
    out = []
    for image in raster_images(data):
        west, south, east, north = image.bounds
        out.append({"name": image.name, "title_vi": image.entry.title_vi, "title_en": image.entry.title_en,
                    "illustrative": image.entry.illustrative, "opacity": RASTER_OPACITY,
                    "url": f"/rasters/{image.name}.png?v={image.sha256[:12]}",
                    "bounds": [[south, west], [north, east]]})
    return out


def legend_rows(data: PlanData, view: RegisterView | None = None) -> list[dict]:
    """The legend: each zone kind and the remaining land (fill colour), the violations, the
    context layers from their own map style and catalog title, the plot statuses and each
    raster's classes or colour ramp. Rows are data: the template sets them as text."""
    kinds = [*data.plan.zone_kinds.values(), data.plan.remaining]
    rows = [{"fill": k.color, "vi": k.name_vi, "en": f"{k.name_en} ({', '.join(k.landuse)})"}
            for k in kinds]
    rows.append({"swatch": "sw-viol", "vi": "Vi phạm quy tắc", "en": "Rule violation"})
    rows += [_context_row(data, name) for name in LEGEND_CONTEXT if name in data.published]
    if view is not None:
        rows.append({"heading": True, "vi": "Thửa sầu riêng", "en": f"Durian plots ({view.on_vi})"})
        rows += [{"fill": c, "vi": vi, "en": en, "cls": "lg-plot", "data": {"status": s}}
                 for s, (c, vi, en) in STATUSES.items()]
    for image in raster_images(data):
        e = image.entry
        rows.append({"heading": True, "vi": e.title_vi, "cls": "lg-raster", "data": {"raster": e.name},
                     "en": f"{e.title_en}; bật trong danh sách lớp / switch on in the layer list",
                     "mark": ILLUSTRATIVE_MARK if e.illustrative else ""})
        items = ([(c.color, f"{c.code} {c.name_vi}", c.name_en) for c in e.classes] if e.kind == "classes"
                 else [(s.color, s.label_vi, s.label_en) for s in e.ramp])
        rows += [{"fill": c, "vi": vi, "en": en, "swatch": "sw-raster"} for c, vi, en in items]
    return rows


def _context_row(data: PlanData, name: str) -> dict:
    style = CONTEXT_STYLES[name]
    vi, en = data.layer_title(name)
    shown_mark = data.is_illustrative(name) and ILLUSTRATIVE_MARK_VI.lower() not in vi.lower()
    row = {"vi": vi, "en": en, "mark": ILLUSTRATIVE_MARK_VI.lower() if shown_mark else ""}
    if style.get("fill") is False or "fillColor" not in style:  # a line: the stroke colour
        return row | {"swatch": "sw-line", "fill": style["color"]}
    return row | {"fill": style["fillColor"], "border": style["color"],
                  "swatch": "sw-dashed" if "dashArray" in style else ""}


def failing_rules(data: PlanData) -> list[dict]:
    """Each rule the version fails, in report order, with its violations on the map: their
    place (feature index) in the violations layer and the zones each names. A rule failing
    without a place (a check's error) has none; the page says so."""
    if data.report is None:
        return []
    frame, _ = mapped_violations(data)  # the links point at what the map draws
    places: dict[str, list[dict]] = {}
    for index, r in enumerate(frame.itertuples()):
        zone_ids = [z for z in (r.zone_ids or "").split(";") if z]
        places.setdefault(r.rule_id, []).append({"index": index, "zone_ids": zone_ids,
                                                 "zone": zone_ids[0] if zone_ids else ""})
    return [{"rule_id": o.rule_id, "title_vi": o.title_vi, "title_en": o.title_en, "error": o.error or "",
             "violations": places.get(o.rule_id, [])} for o in data.report.failed_rules]


def planner_page_context(data: PlanData, tiles_url: str = "", tile_threshold: int = TILE_THRESHOLD) -> dict:
    """What web/templates/planner.html needs besides the version strip's state."""
    register = register_view(data)
    report = data.report
    counts = None if report is None else (len(report.outcomes) - len(report.failed_rules), len(report.outcomes))
    return {"plan": data.plan, "rule_counts": counts, "failing": failing_rules(data),
            "legend": legend_rows(data, register),
            "illustrative_mark": ILLUSTRATIVE_MARK, "attribution": data.attribution,
            "built_at": data.built_at, "account_slot": ACCOUNT_SLOT, "crss": PLAN_CRSS,
            "payload": planner_payload(data, tiles_url=tiles_url, register=register,
                                       tile_threshold=tile_threshold)}
