"""The OpenAPI 3.0 definition of the API, with one items path per collection (as GDAL and QGIS
read it to learn the limit and the parameters)."""

from __future__ import annotations

from .collections import Collection
from .documents import GEOJSON, HTML, JSON, TITLE_EN, TITLE_VI
from .query import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, SUPPORTED_CRS
from .temporal import RULE as DATETIME_RULE


def _param(name: str, description: str, schema: dict, style: str | None = None, example=None) -> dict:
    p = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if style:
        p.update(style=style, explode=False)
    if example is not None:
        p["example"] = example
    return p


PARAMETERS = {
    "f": _param("f", "Định dạng / Format", {"type": "string", "enum": ["json", "html"]}),
    # above the maximum the maximum is used, as OGC API – Features requires (no error)
    "limit": _param("limit", "Số đối tượng tối đa mỗi trang / Features per page",
                    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
    "offset": _param("offset", "Bỏ qua n đối tượng đầu / Features to skip",
                     {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}),
    "bbox": _param("bbox", "Khung giới hạn / Bounding box minx,miny,maxx,maxy (in bbox-crs, its axis "
                   "order), with an area, inside the area of use of bbox-crs; otherwise 400",
                   {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}, "form",
                   example=[107.0, 11.6, 107.3, 11.9]),
    "datetime": _param("datetime", DATETIME_RULE, {"type": "string"}, example="2025-07-01T00:00:00Z/.."),
    "bbox-crs": _param("bbox-crs", "Hệ tọa độ của bbox / CRS of bbox",
                       {"type": "string", "format": "uri", "enum": list(SUPPORTED_CRS)}),
    "crs": _param("crs", "Hệ tọa độ kết quả / CRS of the response",
                  {"type": "string", "format": "uri", "enum": list(SUPPORTED_CRS)}),
}


ITEMS = ["f", "limit", "offset", "bbox", "bbox-crs", "datetime", "crs"]


def _ok(description: str, *types: str) -> dict:
    return {"200": {"description": description, "content": {t: {} for t in types}},
            "400": {"description": "Tham số sai / Bad parameter", "content": {JSON: {}, HTML: {}}},
            "404": {"description": "Không tìm thấy / Not found", "content": {JSON: {}, HTML: {}}},
            "503": {"description": "Quá thời gian / The request's time limit ran out",
                    "content": {JSON: {}, HTML: {}}}}


def _get(summary: str, op: str, params: list[str], responses: dict, path_params: list[dict] = ()) -> dict:
    refs = [{"$ref": f"#/components/parameters/{p}"} for p in params]
    return {"get": {"summary": summary, "operationId": op, "parameters": list(path_params) + refs,
                    "responses": responses}}


def openapi(collections: dict[str, Collection], base: str) -> dict:
    paths = {
        "/": _get("Trang chính / Landing page", "getLandingPage", ["f"], _ok("Landing page", JSON, HTML)),
        "/conformance": _get("Chuẩn tuân thủ / Conformance", "getConformance", ["f"], _ok("Conformance", JSON, HTML)),
        "/collections": _get("Tập dữ liệu / Collections", "getCollections", ["f"], _ok("Collections", JSON, HTML)),
    }
    feature_id = {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}}
    for c in collections.values():
        # the items' parameters are accepted (and checked) here too: GDAL sends a collection URL's
        # query to the collection's description before it asks for the items
        paths[f"/collections/{c.id}"] = _get(c.title, f"describe_{c.id}", ITEMS, _ok(c.title, JSON, HTML))
        paths[f"/collections/{c.id}/items"] = _get(
            f"{c.title}: các đối tượng / features", f"getFeatures_{c.id}",
            ITEMS, _ok("Features", GEOJSON, HTML))
        paths[f"/collections/{c.id}/items/{{featureId}}"] = _get(
            f"{c.title}: một đối tượng / one feature", f"getFeature_{c.id}", ["f", "crs"],
            _ok("Feature", GEOJSON, HTML), [feature_id])
    return {
        "openapi": "3.0.2",
        "info": {"title": f"{TITLE_VI} / {TITLE_EN}", "version": "1.0.0",
                 "description": "OGC API – Features phần 1 và phần 2 (hệ tọa độ) trên kho dữ liệu của xã. "
                                "Tham số truy vấn không khai báo ở đây bị từ chối (400). Mã đối tượng: mã "
                                "vùng (/collections/zones/items/NS-01), mã xã, còn lại là thứ tự trong lớp. / "
                                "OGC API – Features Part 1 and Part 2 (CRS) over the commune's store. "
                                "Any query parameter not declared here is refused with 400. Feature ids: "
                                "a zone's id (/collections/zones/items/NS-01), a commune's code, else the "
                                "feature's position in its layer."},
        "servers": [{"url": base}],
        "paths": paths,
        "components": {"parameters": PARAMETERS},
    }
