"""HTML pages of the OGC API (the 'html' conformance class): plain, readable, no scripts, no CDN."""

from __future__ import annotations

from functools import lru_cache

from flask import request
from jinja2 import Environment
from markupsafe import Markup, escape

from ..catalog import ILLUSTRATIVE_MARK

PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/css/pages.css"></head><body class="plain">
<p><a href="{{ base }}/?f=html">Dữ liệu mở / Open data</a> ·
<a href="{{ base }}/collections?f=html">Tập dữ liệu / Collections</a> ·
<a href="{{ base }}/api?f=html">API</a></p>
<h1>{{ title }}</h1>
{% if kind == 'landing' %}<p>{{ doc.description }}</p><ul>
{% for l in doc.links %}<li><a href="{{ l.href }}">{{ l.title }}</a> <small>{{ l.type }}</small></li>{% endfor %}</ul>
{% elif kind == 'conformance' %}<ul>{% for c in doc.conformsTo %}<li>{{ c }}</li>{% endfor %}</ul>
{% elif kind == 'collections' %}<table><tr><th>Tập dữ liệu / Collection</th><th>Mô tả / Description</th></tr>
{% for c in doc.collections %}<tr><td><a href="{{ base }}/collections/{{ c.id }}?f=html">{{ c.title }}</a>
<br><small>{{ c.id }}</small></td><td>{{ mark(c.description) }}</td></tr>{% endfor %}</table>
{% elif kind == 'collection' %}<p>{{ mark(doc.description) }}</p>
<p>Hệ tọa độ lưu trữ / Storage CRS: {{ doc.storageCrs }}</p>
<p>Các hệ tọa độ / CRSs: {{ doc.crs|join(', ') }}</p>
{% if doc.extent %}<p>Phạm vi / Extent (CRS84): {{ doc.extent.spatial.bbox[0]|join(', ') }}</p>{% endif %}
<p><a href="{{ base }}/collections/{{ doc.id }}/items?f=html">Các đối tượng / Features</a> ·
<a href="{{ base }}/collections/{{ doc.id }}/items?f=json">GeoJSON</a> ·
<a href="/downloads/{{ doc.id }}.gpkg">GeoPackage</a> ·
<a href="/downloads/{{ doc.id }}.shp.zip">Shapefile (zip)</a></p>
{% elif kind == 'items' %}<p>{{ doc.numberReturned }} / {{ doc.numberMatched }} đối tượng / features</p>
<table><tr><th title="feature id">#</th>{% for k in keys %}<th>{{ k }}</th>{% endfor %}</tr>
{% for f in doc.features %}<tr><td><a href="{{ request_base }}/{{ f.id }}?f=html">{{ f.id }}</a></td>
{% for k in keys %}<td>{{ f.properties[k] }}</td>{% endfor %}</tr>{% endfor %}</table>
<p>{% for l in doc.links if l.rel in ('prev', 'next') %}<a href="{{ l.href|replace('f=json', 'f=html') }}">{{ l.title }}</a> {% endfor %}</p>
{% elif kind == 'item' %}<table>{% for k, v in doc.properties.items() %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>{% endfor %}
<tr><th>geometry</th><td>{{ doc.geometry.type }}</td></tr></table>
{% elif kind == 'api' %}<p>{{ doc.info.description }}</p><p><a href="{{ base }}/api?f=json">OpenAPI 3.0 (JSON)</a></p>
<ul>{% for p in doc.paths %}<li><code>GET {{ p }}</code></li>{% endfor %}</ul>{% endif %}
</body></html>"""


@lru_cache(maxsize=1)
def _template():
    return Environment(autoescape=True).from_string(PAGE)


def _mark(text: str) -> Markup:
    """``text`` escaped, with the illustrative mark in red."""
    return escape(text).replace(ILLUSTRATIVE_MARK, Markup(f'<span class="mark">{ILLUSTRATIVE_MARK}</span>'))


def render_html(kind: str, doc: dict, base: str) -> str:
    """The HTML page of an API document; ``base`` is the API's root URL."""
    title = doc.get("title") or (doc.get("info") or {}).get("title") or {
        "conformance": "Chuẩn tuân thủ / Conformance", "collections": "Các tập dữ liệu / Collections",
    }.get(kind, "OGC API – Features")
    keys = sorted({k for f in doc.get("features", []) for k in f["properties"]}) if kind == "items" else []
    return _template().render(kind=kind, doc=doc, title=title, base=base, keys=keys, mark=_mark,
                              request_base=request.base_url)
