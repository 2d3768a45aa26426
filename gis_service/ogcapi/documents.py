"""The JSON documents of the API: landing page, conformance, collections, items, one feature.
``base`` is the API's absolute root URL (e.g. http://host/ogcapi), given by the web layer."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlencode

from .collections import Collection
from .paging import feature, items_page
from .query import SUPPORTED_CRS, ItemsQuery, bounds_crs84, crs_uri, extent_crs84, features

TITLE_VI = "Dữ liệu mở xã Nghĩa Trung (Đồng Nai)"
TITLE_EN = "Nghĩa Trung commune (Đồng Nai) open data"
GEOJSON, JSON, HTML = "application/geo+json", "application/json", "text/html"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]


def _link(href: str, rel: str, type_: str, title: str) -> dict:
    return {"href": href, "rel": rel, "type": type_, "title": title}


def landing(base: str) -> dict:
    return {
        "title": f"{TITLE_VI} / {TITLE_EN}",
        "description": "OGC API – Features: ranh giới xã, các vùng quy hoạch, kết quả kiểm tra và "
                       "bản đồ nền / commune boundary, zones, validation results and basemap layers. "
                       "Hệ tọa độ / CRS: CRS84, EPSG:4326, VN-2000 TM-3 EPSG:5899 and EPSG:9212.",
        "links": [
            _link(f"{base}/?f=json", "self", JSON, "Trang này / This document"),
            _link(f"{base}/?f=html", "alternate", HTML, "Trang này dạng HTML / This document as HTML"),
            _link(f"{base}/api", "service-desc", OPENAPI_JSON, "Định nghĩa API / The API definition (OpenAPI 3.0)"),
            _link(f"{base}/api?f=html", "service-doc", HTML, "Tài liệu API / The API documentation"),
            _link(f"{base}/conformance", "conformance", JSON, "Các chuẩn tuân thủ / Conformance classes"),
            _link(f"{base}/collections", "data", JSON, "Các tập dữ liệu / Collections"),
        ],
    }


def conformance() -> dict:
    return {"conformsTo": CONFORMANCE}


def collection_doc(c: Collection, base: str) -> dict:
    href = f"{base}/collections/{c.id}"
    if c.layer is not None:  # the layer's CRS and bounds from the store's metadata, no features read
        storage, bbox = crs_uri(c.layer.crs), bounds_crs84(c.layer.extent[1], c.layer.crs)
    else:
        frame = c.read()
        storage, bbox = crs_uri(frame.crs), extent_crs84(frame)
    doc = {
        "id": c.id, "title": c.title, "description": c.description, "itemType": "feature",
        "attribution": f"{c.source} ({c.licence})",
        "crs": list(SUPPORTED_CRS), "storageCrs": storage,
        "links": [
            _link(f"{href}?f=json", "self", JSON, c.title),
            _link(f"{href}?f=html", "alternate", HTML, c.title),
            # no query string: GDAL appends /{featureId} to this link to fetch one feature by id
            _link(f"{href}/items", "items", GEOJSON, "Các đối tượng / Features (GeoJSON)"),
            _link(f"{href}/items?f=html", "items", HTML, "Các đối tượng / Features (HTML)"),
        ],
    }
    if bbox:
        doc["extent"] = {"spatial": {"bbox": [bbox], "crs": SUPPORTED_CRS[0]}}
    return doc


def collections_doc(published: dict[str, Collection], base: str) -> dict:
    return {
        "links": [_link(f"{base}/collections?f=json", "self", JSON, "Các tập dữ liệu / Collections"),
                  _link(f"{base}/collections?f=html", "alternate", HTML, "Các tập dữ liệu / Collections")],
        "crs": list(SUPPORTED_CRS),
        "collections": [collection_doc(c, base) for c in published.values()],
    }


def items_doc(c: Collection, query: ItemsQuery, base: str) -> tuple[dict, dict]:
    """The FeatureCollection page and the headers it needs (Content-Crs)."""
    page, matched = items_page(c, query)
    href = f"{base}/collections/{c.id}/items"
    links = [_link(f"{href}?{urlencode(query.params(f='json'))}", "self", GEOJSON, "Trang này / This page"),
             _link(f"{href}?{urlencode(query.params(f='html'))}", "alternate", HTML, "HTML"),
             _link(f"{base}/collections/{c.id}", "collection", JSON, c.title)]
    # numberMatched omitted (a bbox holding too many to count): a full page has a next one
    if (len(page) == query.limit) if matched is None else (query.offset + len(page) < matched):
        links.append(_link(f"{href}?{urlencode(query.params(offset=query.offset + query.limit, f='json'))}",
                           "next", GEOJSON, "Trang sau / Next page"))
    if query.offset > 0:
        links.append(_link(f"{href}?{urlencode(query.params(offset=max(0, query.offset - query.limit), f='json'))}",
                           "prev", GEOJSON, "Trang trước / Previous page"))
    doc = {"type": "FeatureCollection", "features": features(page, query.crs),
           "numberMatched": matched, "numberReturned": len(page),
           "timeStamp": datetime.now(timezone.utc).isoformat(timespec="seconds"), "links": links}
    if matched is None:
        del doc["numberMatched"]
    return doc, content_crs(query.crs)


def item_doc(c: Collection, feature_id: str, crs: str, base: str) -> tuple[dict, dict]:
    row = feature(c, feature_id)
    doc = features(row, crs)[0]
    href = f"{base}/collections/{c.id}/items/{doc['id']}"
    doc["links"] = [_link(f"{href}?f=json", "self", GEOJSON, "Đối tượng này / This feature"),
                    _link(f"{href}?f=html", "alternate", HTML, "HTML"),
                    _link(f"{base}/collections/{c.id}", "collection", JSON, c.title)]
    return doc, content_crs(crs)


def content_crs(crs: str) -> dict:
    return {"Content-Crs": f"<{crs}>"}
