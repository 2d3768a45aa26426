"""OGC API – Features under /ogcapi: thin views over ``gis_service.ogcapi`` (the core).
JSON/GeoJSON by default for programs (GDAL, QGIS), HTML for browsers (f=html or Accept)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, request

from ..errors import InputError
from ..ogcapi import documents
from ..ogcapi.collections import collection
from ..ogcapi.openapi import openapi
from ..ogcapi.query import parse_crs, parse_items_query
from .appdata import published
from .errors import prefers_html
from .ogcapi_html import render_html

bp = Blueprint("ogcapi", __name__, url_prefix="/ogcapi")


def _base() -> str:
    return request.host_url.rstrip("/") + bp.url_prefix


def _wants_html() -> bool:
    f = request.args.get("f")
    if f and f not in ("json", "html"):
        raise InputError(f"unsupported format {f[:40]!r}; use json or html", field="f")
    return prefers_html()


def _answer(doc: dict, kind: str, media_type: str = documents.JSON, headers: dict | None = None) -> Response:
    if _wants_html():
        return Response(render_html(kind, doc, _base()), mimetype="text/html", headers=headers)
    return Response(json.dumps(doc, ensure_ascii=False), mimetype=media_type, headers=headers)


@bp.get("/")
def landing():
    return _answer(documents.landing(_base()), "landing")


@bp.get("/conformance")
def conformance():
    return _answer(documents.conformance(), "conformance")


@bp.get("/api")
def api():
    doc = openapi(published(), _base())
    if _wants_html():
        return Response(render_html("api", doc, _base()), mimetype="text/html")
    return Response(json.dumps(doc, ensure_ascii=False), mimetype=documents.OPENAPI_JSON)


@bp.get("/collections")
def collections_list():
    return _answer(documents.collections_doc(published(), _base()), "collections")


@bp.get("/collections/<collection_id>")
def collection_view(collection_id: str):
    return _answer(documents.collection_doc(collection(published(), collection_id), _base()), "collection")


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    c = collection(published(), collection_id)
    doc, headers = documents.items_doc(c, parse_items_query(request.args), _base())
    doc["title"] = c.title
    return _answer(doc, "items", documents.GEOJSON, headers)


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str):
    c = collection(published(), collection_id)
    doc, headers = documents.item_doc(c, feature_id, parse_crs(request.args.get("crs"), "crs"), _base())
    doc["title"] = c.title
    return _answer(doc, "item", documents.GEOJSON, headers)

