"""One error handler for the whole app: every exception becomes a status (one mapping, deep code
raises), answered in the client's format (JSON for programs, an HTML page for browsers), with a
bilingual message that never shows a traceback or a server path. Unexpected errors are logged
here with their traceback, under an incident number the answer gives."""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..deadline import TimeLimit
from ..errors import InputError, NotFound, StoreUnavailable, Unauthorized

#: one mapping from exception type to HTTP status (the first type that matches, so a subclass first)
HTTP_STATUS: dict[type[Exception], int] = {
    StoreUnavailable: 503, InputError: 400, Unauthorized: 401, NotFound: 404, RequestEntityTooLarge: 413, TimeLimit: 503}
TITLES = {400: "Yêu cầu không hợp lệ / Bad request", 401: "Cần xác thực / Authentication required",
          403: "Không được phép / Forbidden", 404: "Không tìm thấy / Not found",
          405: "Phương thức không được hỗ trợ / Method not allowed",
          413: "Tệp quá lớn / Payload too large", 500: "Lỗi máy chủ / Internal server error",
          503: "Máy chủ bận / Service unavailable"}
#: an absolute file path (not the '//' of a URL): /a/b, /a/b.gpkg
_PATH = re.compile(r"(?<![\w:/.\-])/(?:[\w.\-~+@]+/)+[\w.\-~+@]*")


def register(app: Flask) -> None:
    app.register_error_handler(Exception, handle)


def handle(err: Exception) -> Response:
    status = _status(err)
    headers: dict[str, str] = {}
    if status == 500:
        incident = uuid.uuid4().hex[:10]
        current_app.logger.error("lỗi không lường trước / unexpected error %s on %s %s", incident,
                                 request.method, request.path, exc_info=err)
        message = (f"Lỗi máy chủ, đã ghi nhật ký với mã {incident} / internal server error, "
                   f"logged as incident {incident}")
    elif isinstance(err, StoreUnavailable):
        current_app.logger.error("kho dữ liệu không truy cập được / store unavailable: %s", err)
        message = ("Kho dữ liệu tạm thời không truy cập được, xin thử lại sau / "
                   "the data store cannot be reached for now, please try again later")
    elif isinstance(err, RequestEntityTooLarge):
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        message = (f"Tệp tải lên vượt giới hạn {limit:,} byte / "
                   f"the upload is larger than the limit of {limit:,} bytes")
    elif isinstance(err, HTTPException):
        message = TITLES.get(status, err.name)
        if err.code == 405:
            headers["Allow"] = ", ".join(err.valid_methods or [])
    else:
        message = str(err)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="gis-service"' + (
            ', error="invalid_token"' if request.headers.get("Authorization") else "")
    if status == 503:
        headers["Retry-After"] = "30"
    return answer(status, without_paths(message), headers)


def answer(status: int, message: str, headers: dict[str, str]) -> Response:
    if prefers_html():
        page = render_template("error.html", status=status, title=TITLES.get(status, str(status)),
                               message=message)
        response = Response(page, status=status, mimetype="text/html")
    else:
        response = jsonify({"error": message, "status": status})
        response.status_code = status
    response.headers.update(headers)
    return response


def prefers_html() -> bool:
    """A browser gets HTML; a program (GDAL, curl, fetch, no Accept header) gets JSON. ``f``
    decides when given (the data API's format parameter)."""
    f = request.args.get("f")
    if f in ("json", "html"):
        return f == "html"
    return request.accept_mimetypes.best_match(
        ["application/json", "application/geo+json", "text/html"]) == "text/html"


def without_paths(text: str) -> str:
    """``text`` with every absolute file path cut to its last part ('…/store.gpkg'): a message
    may quote a library's, and the server's folders are nobody's business."""
    return _PATH.sub(lambda m: "…/" + m.group(0).rstrip("/").rsplit("/", 1)[-1], text)


def _status(err: Exception) -> int:
    for exc_type, status in HTTP_STATUS.items():
        if isinstance(err, exc_type):
            return status
    if isinstance(err, HTTPException) and err.code:
        return err.code
    return 500
