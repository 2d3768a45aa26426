"""The plan's versions (/phien-ban, alias /versions): the list, the comparison of two versions
(/phien-ban/A/so-sanh/B and .json), restoring (POST) and approving (POST) a version. Anonymous
visitors see the versions the public may see, read-only; planners see every version and the forms.

Each view has a Vietnamese path and an English alias; the Vietnamese one is registered first (the
route decorator nearest the function), so ``url_for`` builds it."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for

from ..diff import diff_versions
from ..errors import InputError
from ..store import WriteInfo
from ..validate import BOUNDARY_LAYER, in_plan_crs, plan_source_of
from ..versions import MAX_TEXT, approve as approve_version, parse_date
from .appdata import kept, store
from .auth import _sign_in_needed, current_user, planner_required
from .diffview import diff_model
from .history import list_rows
from .versionstate import public_numbers, version_state

bp = Blueprint("versions", __name__)
#: the approval form's fields as a person calls them (errors name the field this way)
APPROVAL_FIELDS = {"decision": "Số quyết định / Decision number", "date": "Ngày quyết định / Decision date",
                   "body": "Cơ quan ban hành / Issuing body", "version": "Phiên bản / Version"}


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"  # drafts and forms: never kept by a proxy
    return response


def _visible() -> set[int] | None:
    """None: every version (a planner); else the versions the public may see."""
    return None if current_user() else public_numbers(store())


@bp.get("/versions")
@bp.get("/phien-ban")
def index():
    return _index_page()


def _index_page(form_error: dict | None = None, status: int = 200):
    rows = list_rows(store(), _visible())
    newest = store().version()
    notice = _notice()
    html = render_template("versions.html", rows=rows, notice=notice, form_error=form_error or {},
                           planner=current_user() is not None, max_text=MAX_TEXT,
                           vstate=version_state(store(), newest) if newest else None,
                           highlight=_int_arg("moi") or _int_arg("phe_duyet"))
    return Response(html, status=status, mimetype="text/html")


def _notice() -> str | None:
    if (n := _int_arg("moi")) is not None:
        restored = _int_arg("tu")
        if restored is not None:
            return (f"Đã khôi phục phiên bản {restored} thành phiên bản mới {n} / "
                    f"Version {restored} restored as the new version {n}")
        return f"Đã lưu phiên bản mới {n} / New version {n} saved"
    if (n := _int_arg("phe_duyet")) is not None:
        return f"Đã ghi quyết định phê duyệt phiên bản {n} / The decision approving version {n} is recorded"
    return None


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@bp.get("/versions.json")
@bp.get("/phien-ban.json")
def index_json():
    keys = ("number", "created_at", "time_local", "user", "action", "action_vi", "action_en", "source_file",
            "source_sha256", "message", "notes", "status", "status_vi", "status_en", "decision_number",
            "decision_date", "issuing_body", "decision_vi", "decision_en")
    return jsonify([{k: row[k] for k in keys} for row in list_rows(store(), _visible())])


# -- comparing two versions --------------------------------------------------------------------

@bp.get("/versions/<int:a>/compare/<int:b>")
@bp.get("/phien-ban/<int:a>/so-sanh/<int:b>")
def compare(a: int, b: int):
    model = _diff(a, b)
    if isinstance(model, Response):
        return model
    return render_template("version_diff.html", d=model, planner=current_user() is not None,
                           state_a=version_state(store(), a), state_b=version_state(store(), b))


@bp.get("/versions/<int:a>/compare/<int:b>.json")
@bp.get("/phien-ban/<int:a>/so-sanh/<int:b>.json")
def compare_json(a: int, b: int):
    model = _diff(a, b)
    if isinstance(model, Response):
        return model
    return jsonify(model["data"])


def _diff(a: int, b: int) -> dict | Response:
    visible = _visible()
    s = store()
    s.at(a), s.at(b)  # 404 for a version that does not exist
    if visible is not None and not {a, b} <= visible:
        return _sign_in_needed()

    def build() -> dict:
        view = s.at(b)
        plan = plan_source_of(view).parse()
        boundary = in_plan_crs(view, BOUNDARY_LAYER, plan.crs) if BOUNDARY_LAYER in view.layer_names() else None
        return diff_model(diff_versions(s, a, b), plan, boundary)

    return kept("version_diff", (a, b), build, keep=8)  # versions never change: nor does their diff


# -- restoring and approving (planners) --------------------------------------------------------

@bp.post("/versions/<int:number>/restore")
@bp.post("/phien-ban/<int:number>/khoi-phuc")
@planner_required
def restore(number: int):
    s = store()
    message = " ".join(request.form.get("message", "").split())
    try:
        s.at(number)
        if request.form.get("confirm") != "yes":
            raise InputError("hãy đánh dấu ô xác nhận / tick the confirmation box", field="confirm")
        if len(message) > MAX_TEXT:
            raise InputError(f"ghi chú tối đa {MAX_TEXT} ký tự / the note may have at most {MAX_TEXT} characters")
        with s.updating():
            if number == s.version():
                raise InputError(f"phiên bản {number} đã là phiên bản mới nhất / version {number} is already the newest")
            text = f"Khôi phục phiên bản {number} / Restored version {number}" + (f" — {message}" if message else "")
            new = s.restore(number, WriteInfo("restore", current_user(), message=text))
    except InputError as err:
        return _index_page({"number": number, "kind": "restore", "message": err.message,
                            "values": {"message": message}}, status=400)
    return redirect(url_for("versions.index", moi=new, tu=number, _anchor=f"v{new}"), 303)


@bp.post("/versions/<int:number>/approve")
@bp.post("/phien-ban/<int:number>/phe-duyet")
@planner_required
def approve(number: int):
    values = {k: request.form.get(k, "") for k in ("decision", "date", "body")}
    try:
        store().at(number)
        _check_approval(values)
        approve_version(store(), number, values["decision"], values["date"], values["body"], current_user())
    except InputError as err:
        label = APPROVAL_FIELDS.get(err.field or "", "")
        message = f"{label}: {err.message}" if label and not err.message.startswith(label) else err.message
        return _index_page({"number": number, "kind": "approve", "message": message, "values": values},
                           status=400)
    return redirect(url_for("versions.index", phe_duyet=number, _anchor=f"v{number}"), 303)


def _check_approval(values: dict[str, str]) -> None:
    """The form's fields, with messages in the words of the form (the core checks them again)."""
    for field in ("decision", "body"):
        vi, en = APPROVAL_FIELDS[field].split(" / ")
        text = " ".join(values[field].split())
        if not text:
            raise InputError(f"{vi}: không được để trống / {en}: must not be empty", field=field)
        if len(text) > MAX_TEXT:
            raise InputError(f"{vi}: tối đa {MAX_TEXT} ký tự / {en}: at most {MAX_TEXT} characters", field=field)
    try:
        parse_date(values["date"], "date")
    except InputError:
        raise InputError(f"Ngày quyết định không hợp lệ: “{values['date'].strip()}”; hãy ghi ngày/tháng/năm, ví dụ "
                         f"23/11/2026 / The decision date is not a date: write dd/mm/yyyy, e.g. 23/11/2026",
                         field="date") from None
