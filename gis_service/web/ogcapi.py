"""OGC API – Features under /ogcapi: thin views over ``gis_service.ogcapi`` (the core).
JSON/GeoJSON by default for programs (GDAL, QGIS), HTML for browsers (f=html or Accept)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, request

from ..errors import InputError
from ..ogcapi import documents
from ..ogcapi.collections import collection
from ..ogcapi.openapi import openapi
from ..ogcapi.query import (DOCUMENT_PARAMETERS, ITEM_PARAMETERS, parse_crs, parse_items_query,
                            refuse_unknown)
from .appdata import cached, public_version, published
from .errors import prefers_html
from .ogcapi_html import render_html

bp = Blueprint("ogcapi", __name__, url_prefix="/ogcapi")
#: documents kept per store version are made with this root and given the request's on the way
#: out: a key per Host header would let any client fill the memory
KEPT_BASE = "http://ogcapi.invalid/ogcapi"


def _base() -> str:
    return request.host_url.rstrip("/") + bp.url_prefix


def _wants_html() -> bool:
    f = request.args.get("f")
    if f and f not in ("json", "html"):
        raise InputError(f"unsupported format {f[:40]!r}; use json or html", field="f")
    return prefers_html()


def _kept(key: str, version: int, build) -> dict:
    """A document made once per version (``build(base)``), with this request's root."""
    text = cached(f"ogcapi_doc:{key}", version, lambda: json.dumps(build(KEPT_BASE), ensure_ascii=False))
    return json.loads(text.replace(KEPT_BASE, _base()))


def _answer(doc: dict, kind: str, media_type: str = documents.JSON, headers: dict | None = None,
            illustrative: bool = False) -> Response:
    if _wants_html():
        return Response(render_html(kind, doc, _base(), illustrative), mimetype="text/html", headers=headers)
    return Response(json.dumps(doc, ensure_ascii=False), mimetype=media_type, headers=headers)


@bp.before_request
def _known_parameters_only():
    """Every query parameter a request does not know is refused (400), as the OGC test suite
    expects; the items request checks its own (ogcapi.query.parse_items_query). A collection's
    description takes the items' parameters too (declared so in the OpenAPI document): GDAL's
    client, opened on ``…/collections/zones?crs=…``, sends that query to the description first."""
    rule = request.url_rule.rule if request.url_rule else ""
    if rule.endswith("/items"):
        return
    if rule.endswith("<collection_id>"):
        parse_items_query(request.args)
        return
    refuse_unknown(request.args, ITEM_PARAMETERS if rule.endswith("<feature_id>") else DOCUMENT_PARAMETERS)


@bp.get("/")
def landing():
    return _answer(documents.landing(_base()), "landing")


@bp.get("/conformance")
def conformance():
    return _answer(documents.conformance(), "conformance")


@bp.get("/api")
def api():
    version = public_version()
    doc = _kept("openapi", version, lambda base: openapi(published(version), base))
    if _wants_html():
        return Response(render_html("api", doc, _base()), mimetype="text/html")
    return Response(json.dumps(doc, ensure_ascii=False), mimetype=documents.OPENAPI_JSON)


@bp.get("/collections")
def collections_list():
    # made once per store version (and host name): each collection's extent reprojects the layer
    version = public_version()
    doc = _kept("collections", version, lambda base: documents.collections_doc(published(version), base))
    return _answer(doc, "collections")


@bp.get("/collections/<collection_id>")
def collection_view(collection_id: str):
    version = public_version()
    c = collection(published(version), collection_id)
    doc = _kept(f"collection:{c.id}", version, lambda base: documents.collection_doc(c, base))
    return _answer(doc, "collection", illustrative=c.illustrative)


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    c = collection(published(), collection_id)
    doc, headers = documents.items_doc(c, parse_items_query(request.args), _base())
    doc["title"] = c.title
    return _answer(doc, "items", documents.GEOJSON, headers, c.illustrative)


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str):
    c = collection(published(), collection_id)
    doc, headers = documents.item_doc(c, feature_id, parse_crs(request.args.get("crs"), "crs"), _base())
    doc["title"] = c.title
    return _answer(doc, "item", documents.GEOJSON, headers, c.illustrative)

