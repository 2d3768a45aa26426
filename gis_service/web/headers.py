"""Security headers on every response, the static files and the error pages included.

The Content-Security-Policy allows scripts, styles and images from this server only: no inline
script, no inline style, nothing from another host (the opt-in background tiles' host is added
to img-src when GIS_SERVICE_TILES_URL names one). The pages are built for it: data reach the
scripts as JSON in a ``<script type="application/json">`` element and are set as text."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, g

from .. import deadline


def content_security_policy(tiles_url: str = "") -> str:
    images = "'self' data:"
    parts = urlsplit(tiles_url.replace("{s}", "a")) if tiles_url else None
    if parts and parts.scheme in ("http", "https") and parts.hostname:
        host = parts.hostname.replace("a.", "*.", 1) if "{s}" in tiles_url else parts.hostname
        images += f" {parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
    return ("default-src 'none'; script-src 'self'; style-src 'self'; "
            f"img-src {images}; connect-src 'self'; font-src 'self'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def register(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    headers = {
        "Content-Security-Policy": content_security_policy(settings.tiles_url),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    # every request's work is bounded in time as well as in size (deadline.check() in the loops)
    @app.before_request
    def _start_time_limit() -> None:
        g.time_limit = deadline.start(settings.request_time_limit_s)

    @app.teardown_request
    def _end_time_limit(_exc) -> None:
        token = g.pop("time_limit", None)
        if token is not None:
            deadline.end(token)
