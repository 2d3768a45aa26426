"""HTML pages of the OGC API (the 'html' conformance class): plain, readable, no scripts, no CDN;
fields under their Vietnamese titles (English beside), values written for a reader (Vietnamese
numbers, status names, yes/no), the illustrative mark on every page of an illustrative layer."""

from __future__ import annotations

import math

from flask import render_template, request
from markupsafe import Markup, escape

from ..catalog import ILLUSTRATIVE_MARK
from ..l10n import number, status_name

#: a field's title in Vietnamese and in English (a field not listed is shown by its name)
FIELD_TITLES = {
    "id": ("Mã", "Id"), "kind": ("Loại vùng", "Kind"), "name": ("Tên", "Name"),
    "name_vi": ("Tên", "Name (Vietnamese)"), "name_en": ("Tên tiếng Anh", "English name"),
    "landuse": ("Mã loại đất", "Land-use codes"), "status": ("Trạng thái", "Status"),
    "source": ("Nguồn", "Source"), "illustrative": ("Minh họa", "Illustrative"),
    "area_ha": ("Diện tích phẳng (ha, chính thức)", "Planar area (ha, official)"),
    "geodesic_ha": ("Diện tích trắc địa (ha)", "Geodesic area (ha)"),
    "kind_target": ("Chỉ tiêu của loại vùng", "Target of the kind"),
    "kind_area_ha": ("Diện tích cả loại vùng (ha)", "Area of the whole kind (ha)"),
    "kind_passed": ("Loại vùng đạt chỉ tiêu", "Kind meets its target"),
    "rules_failed": ("Quy tắc không đạt", "Rules failed"), "version": ("Phiên bản", "Version"),
    "zones_version": ("Phiên bản của dữ liệu vùng", "Version the zones come from"),
    "source_file": ("Tệp nguồn", "Source file"), "source_sha256": ("SHA-256 của tệp nguồn", "Source file SHA-256"),
    "decision_number": ("Số quyết định", "Decision number"), "decision_date": ("Ngày quyết định", "Decision date"),
    "issuing_body": ("Cơ quan ban hành", "Issuing body"), "rule_id": ("Quy tắc", "Rule"),
    "passed": ("Đạt", "Passed"), "zone_ids": ("Các vùng", "Zones"), "measured": ("Đo được", "Measured"),
    "unit": ("Đơn vị", "Unit"), "target": ("Chỉ tiêu", "Target"), "message_vi": ("Nội dung", "Message"),
    "message_en": ("Nội dung tiếng Anh", "Message in English"),
    "code": ("Mã đơn vị hành chính", "Administrative code"), "type": ("Loại đơn vị", "Unit type"),
    "province": ("Tỉnh", "Province"), "area_km2_published": ("Diện tích công bố (km²)", "Published area (km²)"),
    "population_published": ("Dân số công bố", "Published population"),
    "admin_centre_address": ("Địa chỉ trụ sở", "Seat address"), "formed_from": ("Hình thành từ", "Formed from"),
    "shared_border_m": ("Ranh giới chung (m)", "Shared border (m)"), "ref": ("Số hiệu", "Reference"),
    "note": ("Ghi chú", "Note"), "neighbour": ("Xã giáp ranh", "Neighbouring commune"),
    "max_width_m": ("Bề rộng lớn nhất (m)", "Greatest width (m)"), "imported_at": ("Thời điểm nhập", "Imported at"),
}
#: fields whose text is English: shown as English (lang="en")
ENGLISH_FIELDS = frozenset({"name_en", "message_en", "title_en"})
STATUS_FIELDS = frozenset({"status"})


def field_title(name: str) -> tuple[str, str]:
    return FIELD_TITLES.get(name, (name, name))


def value_html(name: str, value) -> Markup:
    """A property's value for a reader: Vietnamese numbers, status names, yes / no."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return Markup("—")
    if name in STATUS_FIELDS:
        return escape(status_name(str(value))) + Markup(f' <span class="en" lang="en">/ {escape(status_name(str(value), "en"))}</span>')
    if isinstance(value, bool):
        return Markup('có <span class="en" lang="en">/ yes</span>' if value else 'không <span class="en" lang="en">/ no</span>')
    if isinstance(value, float):
        digits = next((d for d in range(5) if abs(round(value, d) - value) < 1e-9), 4)
        return escape(number(value, digits))
    if name in ENGLISH_FIELDS:
        return Markup('<span class="en" lang="en">') + escape(value) + Markup("</span>")
    return escape(value)


def _mark(text: str) -> Markup:
    """``text`` escaped, with the illustrative mark in red."""
    return escape(text).replace(ILLUSTRATIVE_MARK, Markup(f'<span class="mh">{ILLUSTRATIVE_MARK}</span>'))


def render_html(kind: str, doc: dict, base: str, illustrative: bool = False) -> str:
    """The HTML page of an API document; ``base`` is the API's root URL."""
    title = doc.get("title") or (doc.get("info") or {}).get("title") or {
        "conformance": "Chuẩn tuân thủ / Conformance", "collections": "Các tập dữ liệu / Collections",
    }.get(kind, "OGC API – Features")
    keys = list(dict.fromkeys(k for f in doc.get("features", []) for k in f["properties"])) if kind == "items" else []
    return render_template("ogcapi.html", kind=kind, doc=doc, title=title, base=base, keys=keys, mark=_mark,
                           request_base=request.base_url, illustrative=illustrative,
                           illustrative_mark=ILLUSTRATIVE_MARK, field_title=field_title, value_html=value_html)
