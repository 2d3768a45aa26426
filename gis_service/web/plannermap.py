"""The planner map: every layer of the store, zones coloured by kind, violations highlighted,
a legend, the illustrative mark and the attribution; click for a lookup (planner.js)."""

from __future__ import annotations

import json

import folium
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import escape

from ..catalog import ILLUSTRATIVE_MARK_VI
from ..l10n import number
from .foliummap import add_gdf_layer, add_html, offline_map, render_page
from ..versions import Provenance
from .plandata import ILLUSTRATIVE_MARK, PlanData, ZoneSummary, ha, verdict
from .registerdata import register_view
from .registermap import PlotsInit, add_plots_layer, add_raster_overlays, legend_rows
from .styles import CONTEXT_STYLES, POINT_LAYERS
from .versionstate import VersionState, version_state
from .vi import decision_en, decision_vi

VIOLATION_STYLE = {"color": "#d7000f", "weight": 4, "dashArray": "8 5", "fillColor": "#ff2a2a",
                   "fillOpacity": 0.35, "opacity": 1}
#: drawing order, bottom to top; zones and violations are added in between
BASE_ORDER = ["communes", "neighbours", "remaining_land"]
#: context layers the legend explains besides the zone kinds
LEGEND_CONTEXT = ("thac_mo_lake", "residential", "road_ql14", "commune_boundary")
TOP_ORDER = ["thac_mo_lake", "residential", "road_ql14", "thac_mo_dam", "commune_seat",
             "commune_boundary"]


def planner_map_html(data: PlanData, *, tiles_url: str = "") -> str:
    boundary = data.layer("commune_boundary").to_crs("EPSG:4326")
    m = offline_map(tuple(boundary.total_bounds), tiles_url=tiles_url or None,
                    title="Bản đồ quy hoạch xã Nghĩa Trung / Nghĩa Trung zoning map")
    names = set(data.store.layer_names())
    for name in BASE_ORDER:
        if name in names:
            _context_layer(m, data, name)
    rasters = add_raster_overlays(m, data)
    zones_layer = _zones_layer(m, data)
    register = register_view(data)
    plots_layer = add_plots_layer(m, data, register) if register is not None else None
    for name in TOP_ORDER:
        if name in names:
            _context_layer(m, data, name)
    violations_layer = _violations_layer(m, data)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    add_html(m, '<link rel="stylesheet" href="/static/css/planner.css">'
                '<script src="/static/js/common.js"></script><script src="/static/js/planner.js"></script>'
                '<script src="/static/js/plots.js"></script>', where="header", name="planner_assets")
    add_html(m, _chrome_html(data, legend_rows(data, register, rasters)), name="planner_chrome")
    PlannerInit(m, zones_layer, violations_layer,
                {"lookupUrl": "/lookup", "version": data.version, "illustrativeMark": ILLUSTRATIVE_MARK})
    if plots_layer is not None:
        PlotsInit(m, plots_layer, {})
    return render_page(m)


def layer_label(data: PlanData, name: str) -> str:
    vi, en = data.layer_title(name)
    mark = f' <b class="mh">{ILLUSTRATIVE_MARK}</b>' if data.is_illustrative(name) else ""
    return f"{escape(vi)} <small>/ {escape(en)}</small>{mark}"


def _context_layer(m, data: PlanData, name: str, show: bool = True):
    frame = data.layer(name)
    vi, en = data.layer_title(name)
    mark = f"<br><b class=\"mh\">{ILLUSTRATIVE_MARK}</b>" if data.is_illustrative(name) else ""
    label_col = next((c for c in ("name_vi", "name") if c in frame.columns), None)
    labels = frame[label_col].astype(str) if label_col else [vi] * len(frame)
    frame = frame.assign(  # a new frame: the layer itself is shared by the requests
        popup_html=[f"<div class=\"pp\"><b>{escape(label)}</b><br>{escape(vi)}<br><small>{escape(en)}"
                    f"</small>{mark}</div>" for label in labels],
        tooltip=list(labels))
    marker = None
    if name in POINT_LAYERS:
        marker = folium.CircleMarker(radius=8, color="#ffffff", weight=2, fill=True,
                                     fill_color=POINT_LAYERS[name], fill_opacity=1)
    style = CONTEXT_STYLES.get(name, {"color": "#555", "weight": 1})
    if name == "remaining_land":
        style = dict(style, fillColor=data.plan.remaining.color)
    return add_gdf_layer(m, frame[["popup_html", "tooltip", "geometry"]], name=layer_label(data, name),
                         style=style, popup_field="popup_html", tooltip_field="tooltip",
                         show=show, marker=marker)


def _zones_layer(m, data: PlanData):
    zones = data.zones.copy()
    by_id = {z.id: z for z in data.zone_summaries}
    zones["popup_html"] = [zone_popup(by_id[i], data) for i in zones["id"]]
    zones["tooltip"] = [f"{i} · {by_id[i].name_vi}" for i in zones["id"]]
    zones["color"] = [by_id[i].color for i in zones["id"]]
    zones["zone_id"] = zones["id"]
    colours = dict(zip(zones["id"], zones["color"]))

    def style(feature):
        return {"color": "#333333", "weight": 1.5, "fillOpacity": 0.8,
                "fillColor": colours.get(feature["properties"]["zone_id"], "#cccccc")}

    return add_gdf_layer(m, zones[["zone_id", "kind", "popup_html", "tooltip", "geometry"]],
                         name=layer_label(data, "zones"), style=style,
                         highlight={"weight": 4, "color": "#000000"},
                         popup_field="popup_html", tooltip_field="tooltip")


def _violations_layer(m, data: PlanData):
    frame = data.violations()
    frame["popup_html"] = [
        f"<div class=\"pp viol\"><b>⚠ {escape(r.rule_id)} · Vi phạm / Violation</b><br>"
        f"{escape(r.title_vi)}<br><small>{escape(r.title_en)}</small><hr>"
        f"{escape(r.message_vi)}<br><small>{escape(r.message_en)}</small><br>"
        f"Đo được / Measured: <b>{escape(number(r.measured, 1))}"
        f" {escape(r.unit)}</b> · Chỉ tiêu / Target: <b>{escape(r.target)}</b></div>"
        for r in frame.itertuples()]
    frame["tooltip"] = [f"⚠ {r.rule_id}: {r.message_vi}" for r in frame.itertuples()]
    frame = frame[["rule_id", "zone_ids", "popup_html", "tooltip", "geometry"]]
    return add_gdf_layer(m, frame, name='<b class="viol-label">⚠ Vi phạm quy tắc / Rule violations</b>',
                         style=VIOLATION_STYLE, popup_field="popup_html", tooltip_field="tooltip")


def zone_popup(z: ZoneSummary, data: PlanData) -> str:
    """A zone's popup: name, kind, land-use code, official area against the target, rules."""
    t = z.kind_target
    target = "Không có chỉ tiêu diện tích / No area target"
    if t is not None:
        target = (f"Chỉ tiêu {escape(t.rule_id)} / Target: <b>{escape(t.target)}</b> · "
                  f"toàn loại / whole kind {escape(ha(t.measured_ha))} · "
                  f"<b class=\"{'ok' if t.passed else 'ko'}\">{verdict(t.passed)}</b>")
    rules = "".join(
        f"<li class=\"{'ok' if r['passed'] else 'ko'}\">{'✓' if r['passed'] else '✗'} "
        f"<b>{escape(r['rule_id'])}</b> {escape(r['title_vi'])} <small>/ {escape(r['title_en'])}</small></li>"
        for r in z.rules)
    mark = f"<div class=\"mh\">{ILLUSTRATIVE_MARK}</div>" if z.illustrative else ""
    return (f"<div class=\"pp zone\" data-zone=\"{escape(z.id)}\">{mark}"
            f"<b class=\"zname\">{escape(z.name_vi)}</b><br><small>{escape(z.name_en)}</small>"
            f"<table><tr><th>Mã vùng / Zone</th><td>{escape(z.id)}</td></tr>"
            f"<tr><th>Loại / Kind</th><td>{escape(z.kind_vi)}<br><small>{escape(z.kind_en)}</small></td></tr>"
            f"<tr><th>Mã loại đất / Land-use code</th><td>{escape(z.landuse)}</td></tr>"
            f"<tr><th>Diện tích / Area</th><td><b class=\"area\" data-ha=\"{z.area_ha:.4f}\">"
            f"{escape(ha(z.area_ha, 2))}</b> (phẳng VN-2000 / planar, {escape(data.plan.crs)})<br>"
            f"<small>trắc địa / geodesic {escape(ha(z.geodesic_ha, 2))}</small></td></tr>"
            f"<tr><th>Chỉ tiêu / Target</th><td>{target}</td></tr>"
            f"<tr><th>Trạng thái / Status</th><td>{escape(z.status_vi)} <small>/ {escape(z.status_en)}</small></td></tr>"
            f"<tr><th>Nguồn / Provenance</th><td class=\"prov\">{provenance_html(z.provenance)}</td></tr></table>"
            f"<ul class=\"rules\">{rules}</ul></div>")


def provenance_html(p: Provenance) -> str:
    """Where the zone comes from: the version shown, the file (and its checksum) that brought the
    zones, the version's status and, when approved, the decision; the illustrative mark."""
    source = (f"tệp / file <b>{escape(p.source_file)}</b>" + (f" · sha256 <code>{escape(p.source_sha256[:12])}…</code>"
              if p.source_sha256 else "")) if p.source_file else ""
    brought = f" (từ phiên bản / from version {p.zones_version})" if p.zones_version != p.version else ""
    decision = ""
    if p.status == "approved":
        decision = f"<br>{escape(decision_vi(p))}<br><small>{escape(decision_en(p))}</small>"
    mark = f"<br><b class=\"mh\">{ILLUSTRATIVE_MARK}</b>" if p.illustrative else ""
    return (f"Phiên bản / version {p.version}{brought}<br>{source}<br>"
            f"<b>{escape(p.status_vi)}</b> / {escape(p.status_en)}{decision}{mark}")


def legend_html(data: PlanData, extra_rows: str = "") -> str:
    kinds = [*data.plan.zone_kinds.values(), data.plan.remaining]
    items = "".join(
        f"<li><i style=\"background:{k.color}\"></i>{escape(k.name_vi)} <small>/ {escape(k.name_en)} "
        f"({escape(', '.join(k.landuse))})</small></li>" for k in kinds)
    extra = "<li><i class=\"sw-viol\"></i>Vi phạm quy tắc <small>/ Rule violation</small></li>"
    extra += "".join(_legend_row(data, name) for name in LEGEND_CONTEXT if name in data.published)
    extra += extra_rows
    return (f"<div class=\"legend\" id=\"legend\"><b>Chú giải / Legend</b>"
            f"<ul>{items}{extra}</ul><div class=\"src\">Màu theo bảng màu loại đất của bản đồ hiện trạng / "
            f"quy hoạch sử dụng đất theo mã loại đất chính (gần đúng) / colours of each zone's main "
            f"land-category code in the Vietnamese land-use map colour table (approximate)</div></div>")


def _legend_row(data: PlanData, name: str) -> str:
    """A legend row drawn from the layer's own map style and catalog title."""
    style = CONTEXT_STYLES[name]
    vi, en = data.layer_title(name)
    shown = data.is_illustrative(name) and ILLUSTRATIVE_MARK_VI.lower() not in vi.lower()
    mark = f" <b class=\"mh\">{ILLUSTRATIVE_MARK_VI.lower()}</b>" if shown else ""
    if style.get("fill") is False or "fillColor" not in style:  # a line: the stroke colour
        swatch = f"<i class=\"sw-line\" style=\"background:{style['color']}\"></i>"
    else:
        border = "dashed" if "dashArray" in style else "solid"
        swatch = f"<i style=\"background:{style['fillColor']};border:1px {border} {style['color']}\"></i>"
    return f"<li>{swatch}{escape(vi)} <small>/ {escape(en)}</small>{mark}</li>"


def _chrome_html(data: PlanData, legend_extra: str = "") -> str:
    """Title bar with the illustrative mark, legend, lookup panel, attribution."""
    failed = len(data.report.failed_rules) if data.report else None
    status = ("Chưa kiểm tra / Not validated" if failed is None else
              f"{len(data.report.outcomes) - failed}/{len(data.report.outcomes)} quy tắc đạt / rules pass")
    return (f"<header class=\"bar\"><span class=\"title\">{escape(data.plan.name_vi)}"
            f"<small> / {escape(data.plan.name_en)}</small></span>"
            f"<span class=\"mh big\" id=\"illustrative-banner\">{ILLUSTRATIVE_MARK}: dữ liệu quy hoạch "
            f"là minh họa<span class=\"en\"> / the plan data are illustrative</span></span>"
            f"<span class=\"status\">{escape(status)}</span>"
            f"<nav><a href=\"/dashboard\">Bảng chỉ tiêu<span class=\"en\"> / Dashboard</span></a> · "
            f"<a href=\"/report\">Báo cáo<span class=\"en\"> / Report</span></a> · "
            f"<a href=\"/display\">Màn hình công khai<span class=\"en\"> / Public display</span></a> · "
            f"<a href=\"/phien-ban\" id=\"versions-link\">Phiên bản<span class=\"en\"> / Versions</span></a>"
            f"</nav></header>"
            f"{version_strip(version_state(data.store.store, data.version))}"
            f"{legend_html(data, legend_extra)}"
            f"<div class=\"lookup-panel\" id=\"lookup\"><b>Tra cứu quy hoạch / Plan lookup</b>"
            f"<div id=\"lookup-result\">Nhấp vào bản đồ để tra cứu / Click the map to look up a point"
            f"</div></div>"
            f"<div class=\"attrib\" id=\"attribution\">{escape(data.attribution)} · Dữ liệu xây dựng / "
            f"data built {escape(data.built_at)}</div>")


#: where each request puts its own sign-in state (the rest of the page is shared by everyone)
ACCOUNT_SLOT = "<!--gis-service:account-->"


def version_strip(state: VersionState) -> str:
    """The strip under the title bar: which version this is (a banner for a draft or a superseded
    version, with a link to the approved one; else its decision), and the sign-in slot."""
    if state.banner:
        approved = (f" · <a href=\"/?version={state.approved_version}\">Xem phiên bản đã phê duyệt "
                    f"({state.approved_version})<span class=\"en2\"> / View the approved version</span></a>"
                    if state.approved_version else
                    " · Chưa có phiên bản nào được phê duyệt<span class=\"en2\"> / No version has been approved "
                    "yet</span>")
        text = (f"<strong>{escape(state.banner_vi)}</strong> <span class=\"en\">/ {escape(state.banner_en)}</span>"
                f"{approved}")
        kind = "draft" if state.is_draft else "superseded"
    else:
        text = (f"Phiên bản {state.number} đã phê duyệt theo <strong>{escape(state.decision_vi)}</strong>"
                f"<span class=\"en2\"> / version {state.number}, approved by {escape(state.decision_en)}</span>")
        kind = "approved"
    return (f"<div class=\"vstrip vs-{kind}\" id=\"version-strip\"><span class=\"vinfo\" "
            f"id=\"{'version-banner' if state.banner else 'decision'}\">{text}</span>"
            f"<span class=\"vacct\">{ACCOUNT_SLOT}</span></div>")


class PlannerInit(MacroElement):
    """Calls initPlanner (web/static/js/planner.js) once the map and its layers exist."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        initPlanner({{ this.map.get_name() }}, {{ this.zones.get_name() }},
                    {{ this.violations.get_name() }}, {{ this.options }});
        {% endmacro %}
    """)

    def __init__(self, m, zones, violations, options: dict):
        super().__init__()
        self._name = "PlannerInit"
        self.map, self.zones, self.violations = m, zones, violations
        self.options = json.dumps(options, ensure_ascii=False)
        m.add_child(self)
