"""A planner's draft in the browser: upload a consultant's drawing (/phien-ban/tai-len, alias
/versions/upload) → preview what it would be (rules, hectares, map, changes) → accept it as a new
version or discard it. Planners only. The staged draft waits in memory (``pending``); nothing is
written to the store before Accept.

Each view has a Vietnamese path and an English alias; the Vietnamese one is registered first (the
route decorator nearest the function), so ``url_for`` builds it."""

from __future__ import annotations

import secrets
import time
import unicodedata
from datetime import datetime
from pathlib import Path

from flask import (Blueprint, Response, current_app, jsonify, redirect, render_template, request, session,
                   url_for)
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from ..build import load_sources
from ..diff import compare_zones
from ..drafts import StagedDraft, accept, stage_draft
from ..errors import InputError
from ..importplan import load_mapping, read_plan_file
from ..plan import Plan
from ..scratch import scratch_dir
from ..store import WriteInfo
from ..uploads import EXPANSION_FACTOR
from ..validate import BOUNDARY_LAYER, REPAIRED_LAYER, in_plan_crs
from ..versions import MAX_TEXT
from .appdata import store
from .auth import current_user, planner_required
from .diffview import map_data, totals, zone_rows
from .pending import PendingDraft, PendingDrafts
from .plandata import hectare_targets
from .reporting import report_rule_rows
from .vi import LOCAL_TIME

bp = Blueprint("drafts", __name__)
SUFFIXES = (".gpkg", ".geojson", ".json", ".kml", ".kmz", ".dxf", ".zip")
MAPPING_SUFFIXES = (".yaml", ".yml")
MAPPING_MAX_BYTES = 256 * 1024
_PENDING = "gis_service.pending_drafts"


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def pending() -> PendingDrafts:
    return current_app.extensions.setdefault(_PENDING, PendingDrafts())


def _owner(create: bool = False) -> str | None:
    """This session's key for its drafts (the session is cleared at sign-in and sign-out)."""
    if create and "draft_owner" not in session:
        session["draft_owner"] = secrets.token_urlsafe(16)
    return session.get("draft_owner")


# -- upload ------------------------------------------------------------------------------------

@bp.route("/versions/upload", methods=["GET", "POST"])
@bp.route("/phien-ban/tai-len", methods=["GET", "POST"])
@planner_required
def upload():
    if request.method == "GET":
        return _form(discarded=request.args.get("da_huy") == "1")
    message = " ".join(request.form.get("message", "").split())
    layer = request.form.get("layer", "").strip() or None
    try:
        if len(message) > MAX_TEXT:
            raise InputError(f"tối đa {MAX_TEXT} ký tự / at most {MAX_TEXT} characters", field="message")
        draft = _stage(request.files.get("file"), request.files.get("mapping"), layer, message)
    except InputError as err:
        return _form(error=error_text(err), message=message, layer=layer or "", status=400)
    return redirect(url_for("drafts.preview", token=draft.token), 303)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(err):
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    text = (f"Tệp tải lên vượt giới hạn {_mb(limit)} / the upload is larger than the limit of "
            f"{limit:,} bytes")
    if request.endpoint == "drafts.upload" and current_user():
        return _form(error=text, status=413)
    return jsonify({"error": text, "status": 413}), 413


def _form(*, error: str | None = None, message: str = "", layer: str = "", discarded: bool = False,
          status: int = 200) -> Response:
    limit = current_app.config["SETTINGS"].upload_max_bytes
    html = render_template("upload.html", error=error, message=message, layer=layer, discarded=discarded,
                           suffixes=SUFFIXES, limit=_mb(limit), max_text=MAX_TEXT)
    return Response(html, status=status, mimetype="text/html")


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB".replace(".", ",") if n >= 1024 * 1024 else f"{n} byte"


def _stage(file: FileStorage | None, mapping_file: FileStorage | None, layer: str | None,
           message: str) -> PendingDraft:
    """Save the upload in a temporary folder, read it, check it with the plan: a pending draft."""
    if file is None or not file.filename:
        raise InputError("chưa chọn tệp / no file chosen", field="file")
    name = safe_name(file.filename)
    if Path(name).suffix.lower() not in SUFFIXES:
        raise InputError(f"định dạng không hỗ trợ / unsupported format; gửi một trong / send one of "
                         f"{', '.join(SUFFIXES)} (Shapefile: nén .zip / zipped)", file=name, field="file")
    settings = current_app.config["SETTINGS"]
    with scratch_dir("upload") as tmp:
        try:
            path = tmp / name
            file.save(path)
            mapping = _mapping(mapping_file, tmp) if mapping_file and mapping_file.filename else None
            _, plan, source = load_sources(settings)
            imported = read_plan_file(path, plan=plan, layer=layer, mapping=mapping, work_dir=tmp,
                                      max_unzipped_bytes=settings.upload_max_bytes * EXPANSION_FACTOR)
            info = WriteInfo("import-plan", current_user(), imported.source_file, imported.sha256, message,
                             "; ".join(imported.notes))
            staged = stage_draft(store(), imported.zones, plan, source, info)
            preview = preview_model(staged, plan, imported.notes)
        except InputError as err:
            raise InputError(_without(error_text(err), tmp)) from None  # never a server path in a message
    return pending().add(_owner(create=True), current_user(), staged, imported.notes, preview)


def _mapping(upload: FileStorage, tmp: Path):
    name = safe_name(upload.filename or "mapping.yaml")
    if Path(name).suffix.lower() not in MAPPING_SUFFIXES:
        raise InputError("tệp ánh xạ phải là .yaml / the mapping must be a .yaml file", file=name, field="mapping")
    data = upload.stream.read(MAPPING_MAX_BYTES + 1)
    if len(data) > MAPPING_MAX_BYTES:
        raise InputError(f"tệp ánh xạ quá lớn (tối đa {MAPPING_MAX_BYTES // 1024} KB) / the mapping file is "
                         f"larger than {MAPPING_MAX_BYTES // 1024} KB", file=name, field="mapping")
    folder = tmp / "mapping"
    folder.mkdir()
    (folder / name).write_bytes(data)
    return load_mapping(folder / name)


def error_text(err: InputError) -> str:
    """Where, then what: 'Tệp / File a.gpkg, đối tượng / feature 3, trường / field 'kind': …'."""
    where = []
    if err.file:
        where.append(f"Tệp / File {err.file}")
    if err.feature is not None:
        where.append(f"đối tượng / feature {err.feature}")
    if err.field and err.field not in ("file", "mapping"):
        where.append(f"trường / field “{err.field}”")
    return (", ".join(where) + ": " if where else "") + err.message


def _without(text: str, tmp: Path) -> str:
    for prefix in (str(tmp.resolve()), str(tmp)):
        text = text.replace(prefix + "/mapping/", "").replace(prefix + "/", "").replace(prefix, "")
    return text


def safe_name(filename: str) -> str:
    """The uploaded file's own name (shown and kept with the version): no folders, no control
    characters, at most 120 characters; Vietnamese letters stay."""
    name = unicodedata.normalize("NFC", filename.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*').strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = stem[:100] or "upload"
    return f"{stem}.{suffix[:10]}" if suffix else stem


def preview_model(staged: StagedDraft, plan: Plan, notes: list[str]) -> dict:
    """What the preview shows, computed once: rules, targets, areas, changes, map."""
    report = staged.report
    rules = report_rule_rows(report)  # capped as the report's: a draft of a million parcels too
    view = store().at(staged.based_on)
    draft = staged.zones.set_index("id", drop=False)
    before = in_plan_crs(view, REPAIRED_LAYER, plan.crs).set_index("id", drop=False)
    changes, pieces = compare_zones(before, draft)
    names = {z.id: z.name_vi for z in changes}
    boundary = in_plan_crs(view, BOUNDARY_LAYER, plan.crs) if BOUNDARY_LAYER in view.layer_names() else None
    return {
        "rules": rules, "n_failed": len(report.failed_rules), "pass_summary": report.pass_summary,
        "targets": hectare_targets(plan, report), "areas": report.areas, "zones_count": len(draft),
        "changes": zone_rows(changes, plan), "totals": totals(changes),
        "map": map_data(boundary, [("removed", pieces), ("added", pieces)], names, zones=draft, plan=plan),
    }


# -- preview, accept, discard ------------------------------------------------------------------

def _find(token: str) -> PendingDraft | None:
    return pending().get(token, _owner(), current_user())


def _gone() -> Response:
    html = render_template("draft_gone.html")
    return Response(html, status=404, mimetype="text/html")


@bp.get("/versions/draft/<token>")
@bp.get("/phien-ban/ban-nhap/<token>")
@planner_required
def preview(token: str):
    draft = _find(token)
    if draft is None:
        return _gone()
    return _preview_page(draft)


def _preview_page(draft: PendingDraft, *, error: str | None = None, status: int = 200) -> Response:
    expires = time.time() + (pending().expires_at(draft) - pending().clock())
    html = render_template("draft_preview.html", draft=draft, info=draft.staged.info, p=draft.preview,
                           based_on=draft.staged.based_on, error=error,
                           expires=datetime.fromtimestamp(expires, LOCAL_TIME).strftime("%H:%M %d/%m/%Y"))
    return Response(html, status=status, mimetype="text/html")


@bp.post("/versions/draft/<token>/accept")
@bp.post("/phien-ban/ban-nhap/<token>/chap-nhan")
@planner_required
def accept_draft(token: str):
    draft = _find(token)
    if draft is None:
        return _gone()
    s = store()
    with s.updating():
        newest = s.version()
        if newest != draft.staged.based_on:
            return _preview_page(draft, status=409, error=(
                f"Kho dữ liệu đã có phiên bản {newest} sau khi bản nháp này được kiểm tra với phiên bản "
                f"{draft.staged.based_on}: hãy hủy và tải lên lại / The store has version {newest} since this "
                f"draft was checked against version {draft.staged.based_on}: discard it and upload again"))
        number = accept(s, draft.staged)
    pending().pop(token, _owner(), current_user())
    return redirect(url_for("versions.index", moi=number, _anchor=f"v{number}"), 303)


@bp.post("/versions/draft/<token>/discard")
@bp.post("/phien-ban/ban-nhap/<token>/huy")
@planner_required
def discard(token: str):
    pending().pop(token, _owner(), current_user())
    return redirect(url_for("drafts.upload", da_huy=1), 303)
