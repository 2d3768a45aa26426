"""Liveness: the public display polls this to recover by itself when the server restarts, and
reloads when ``version`` (the store's version, ``Store.version``) changes."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify


bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    store = current_app.config["STORE"]
    # no path: where the server keeps its files is nobody's business
    return jsonify({"status": "ok", "layers": len(store.layer_names()), "version": store.version()})


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it on every page: no icon, and no 404 in their console."""
    return "", 204
