"""Sharing with neighbouring communes under /sharing: the edge-matching report (JSON, text; its map
is on /chia-se, where the old /sharing/edgematch page now leads) and the authenticated upload of a
neighbour's boundary. Thin over ``edgematch`` and ``uploads``."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, redirect, request, url_for

from ..edgematch import DEFAULT_TOLERANCE_M, edgematch_store, import_neighbour, report_text, summary_frame
from ..errors import InputError
from ..scratch import scratch_dir
from ..uploads import EXPANSION_FACTOR, check_write_token, save_upload
from ..validate import BOUNDARY_LAYER
from .appdata import cached, store
from .auth import writer

bp = Blueprint("sharing", __name__, url_prefix="/sharing")


def tolerance_arg() -> float:
    """The ``tolerance`` parameter in metres (the default when absent), range-checked."""
    raw = request.args.get("tolerance", f"{DEFAULT_TOLERANCE_M:g}")
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"must be a number of metres, got {raw!r}", field="tolerance") from None
    if not 0 < value <= 1000:
        raise InputError(f"must be between 0 and 1000 m, got {value:g}", field="tolerance")
    return value


def edgematch_results(tolerance: float):
    """The newest version's edge-matching (boundaries are shared as they arrive, not with the
    plan's approval) and that version. At the default tolerance, what the pages and the data API
    ask for, it is computed once per version (a second of work, which anonymous requests could
    otherwise repeat at will); another tolerance is computed on request, within its time limit."""
    newest = store().at()
    if tolerance != DEFAULT_TOLERANCE_M:
        return edgematch_store(newest, tolerance), newest
    return cached("edgematch", newest.version(), lambda: edgematch_store(newest, tolerance)), newest


@bp.get("/edgematch")
def edgematch_map():
    """The old full-screen map, folded into /chia-se: a permanent redirect to its map (the
    tolerance asked for kept)."""
    args = {"tolerance": f"{tolerance_arg():g}"} if "tolerance" in request.args else {}
    return redirect(url_for("chiase.sharing_page", **args, _anchor="edgematch"), 308)


@bp.get("/edgematch.json")
def edgematch_json():
    results, _ = edgematch_results(tolerance_arg())
    return jsonify({"tolerance_m": results[0].tolerance_m,
                    "neighbours": summary_frame(results).to_dict("records")})


@bp.get("/edgematch.txt")
def edgematch_text():
    text = report_text(edgematch_results(tolerance_arg())[0])
    return Response(text + "\n", mimetype="text/plain")


@bp.post("/neighbours")
def upload_neighbour():
    """multipart/form-data: file (.gpkg, .geojson, .zip), optional name and crs;
    header Authorization: Bearer <write token>."""
    settings = current_app.config["SETTINGS"]
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    check_write_token(settings.write_token, token.strip() if scheme == "Bearer" else None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InputError("no file sent: use the form field 'file'", field="file")
    store = current_app.config["STORE"]
    notes: list[str] = []
    with scratch_dir("upload") as tmp:
        path, label = save_upload(upload.read(), upload.filename, tmp,
                                  EXPANSION_FACTOR * settings.upload_max_bytes)
        added = import_neighbour(store, path, store.crs(BOUNDARY_LAYER),
                                 name=request.form.get("name") or None,
                                 assume_crs=request.form.get("crs") or None, display_name=label,
                                 notes=notes, source_file=Path(upload.filename).name, user=writer())
    names = list(added[added["source_file"] == Path(upload.filename).name]["name"])
    results = [r for r in edgematch_store(store.at()) if r.source.startswith("imported") and r.neighbour in names]
    return jsonify({"imported": names, "notes": notes, "edgematch": [r.summary() for r in results]}), 201




