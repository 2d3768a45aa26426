"""Downloads under /downloads: each layer and the whole plan as GeoPackage, GeoJSON or zipped
Shapefile, in the plan's VN-2000 zone (default) or WGS 84 (?crs=wgs84). Thin over ``export``."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template_string, request

from ..errors import InputError
from ..export import FORMATS, PLAN, export
from ..catalog import ILLUSTRATIVE_MARK
from .appdata import public_version, published, store

bp = Blueprint("downloads", __name__, url_prefix="/downloads")
EXTENSIONS = {ext: fmt for fmt, (ext, _) in FORMATS.items()}

INDEX = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Tải dữ liệu / Downloads</title>
<link rel="stylesheet" href="{{ url_for('static', filename='css/pages.css') }}"></head><body class="plain">
<h1>Tải dữ liệu xã Nghĩa Trung / Nghĩa Trung data downloads</h1>
<p>Hệ tọa độ mặc định: VN-2000 TM-3 của quy hoạch; thêm <code>?crs=wgs84</code> cho WGS 84.
/ Default CRS: the plan's VN-2000 TM-3 zone; add <code>?crs=wgs84</code> for WGS 84.
Shapefile: tên trường ≤ 10 ký tự, bảng đối chiếu trong fields.csv / field names ≤ 10 characters,
mapping in fields.csv.</p>
<table><tr><th>Lớp / Layer</th><th>VN-2000</th><th>WGS 84</th></tr>
{% for id, title, illustrative in rows %}<tr><td>{{ title }}{% if illustrative %}
<span class="mark">{{ mark }}</span>{% endif %}</td>
<td>{% for ext in exts %}<a href="{{ url_for('downloads.download', filename=id ~ '.' ~ ext) }}">{{ ext }}</a> {% endfor %}</td>
<td>{% for ext in exts %}<a href="{{ url_for('downloads.download', filename=id ~ '.' ~ ext, crs='wgs84') }}">{{ ext }}</a> {% endfor %}</td>
</tr>{% endfor %}</table></body></html>"""


@bp.get("/")
def index():
    rows = [(PLAN, "Toàn bộ quy hoạch / The whole plan", True)]
    rows += [(c.id, c.title, c.illustrative) for c in published().values()]
    return render_template_string(INDEX, rows=rows, exts=list(EXTENSIONS), mark=ILLUSTRATIVE_MARK)


@bp.get("/<filename>")
def download(filename: str):
    """/downloads/<layer>.<gpkg|geojson|shp.zip>[?crs=plan|wgs84|EPSG:5899|EPSG:9212]"""
    layer, fmt = filename, ""
    for ext, name in EXTENSIONS.items():
        if filename.endswith("." + ext):
            layer, fmt = filename[:-len(ext) - 1], name
    if not fmt:
        raise InputError(f"unknown file type in {filename!r}; use .{', .'.join(EXTENSIONS)}", field="format")
    data, filename, media = export(store().at(public_version()), layer, fmt, request.args.get("crs", PLAN))
    return Response(data, mimetype=media,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


