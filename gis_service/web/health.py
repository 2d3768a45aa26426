"""Liveness: the public display polls this to recover by itself when the server restarts, and
reloads when ``version`` (the store's version, ``Store.version``) changes."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, send_from_directory


bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    store = current_app.config["STORE"]
    # no path: where the server keeps its files is nobody's business
    return jsonify({"status": "ok", "layers": len(store.layer_names()), "version": store.version()})


@bp.get("/favicon.ico")
def favicon():
    """The icon for pages that do not link one (a browser asks for /favicon.ico)."""
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml",
                               max_age=86400)
