"""Planner sign-in (/dang-nhap, alias /signin) and sign-out (/dang-xuat, alias /signout): the
session cookie, CSRF protection on every form, and what other views use: ``current_user``,
``planner_required`` and ``writer``. Thin over ``accounts``; ``init_app`` wires it into the app."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from functools import wraps
from math import ceil
from typing import Callable, TypeVar
from urllib.parse import urlsplit

from flask import (Blueprint, Flask, Response, current_app, g, jsonify, redirect, render_template,
                   request, session, url_for)
from flask_wtf.csrf import CSRFError, CSRFProtect

from ..accounts import (LOCK_S, MAX_FAILURES_PER_NAME, WINDOW_S, Accounts, check_secret_key,
                        load_or_create_secret_key)
from ..errors import Unauthorized
from ..uploads import check_write_token

bp = Blueprint("auth", __name__)

VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")  # Asia/Ho_Chi_Minh has no daylight saving
SESSION_HOURS = 12
CHALLENGE = 'Session realm="gis-service", signin="/dang-nhap"'
#: views machines call with ``Authorization: Bearer <write token>``; with a valid token they need no
#: CSRF token (a cross-site form can neither set that header nor know the token). New views say so
#: with ``@accepts_write_token``; this names the one written before that decorator existed.
TOKEN_ENDPOINTS = frozenset({"sharing.upload_neighbour"})

F = TypeVar("F", bound=Callable)


def init_app(app: Flask) -> None:
    """Session cookie, secret key, CSRF protection, the users database and the blueprint."""
    settings = app.config["SETTINGS"]
    app.secret_key = (check_secret_key(settings.secret_key, field="GIS_SERVICE_SECRET_KEY")
                      if settings.secret_key else load_or_create_secret_key(settings.secret_key_file))
    app.config.update(
        # 127.0.0.1's cookies are shared by every port: a name of our own, not Flask's "session"
        SESSION_COOKIE_NAME="nghia_trung_session", SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        # _csrf_guard decides, so that machine endpoints with a valid bearer token are exempt
        WTF_CSRF_CHECK_DEFAULT=False,
        # a form left open all day at the office still works; the token dies with the session
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.config["ACCOUNTS"] = Accounts(settings.users_file)
    CSRFProtect(app)
    app.before_request(_csrf_guard)
    app.register_error_handler(CSRFError, _csrf_failed)
    app.jinja_env.globals["current_user"] = current_user
    app.register_blueprint(bp)


# -- who is asking -----------------------------------------------------------------------------

def current_user() -> str | None:
    """The signed-in planner's name, or None. A user removed since signing in is signed out."""
    if "auth_user" in g:
        return g.auth_user
    name = None
    if "uid" in session:
        user = current_app.config["ACCOUNTS"].get_by_id(session["uid"])
        if user is not None and user.name == session.get("user"):
            name = user.name
        else:
            session.clear()
    g.auth_user = name
    return name


def bearer_token_valid() -> bool:
    try:
        check_write_token(current_app.config["SETTINGS"].write_token, _bearer_token())
    except Unauthorized:
        return False
    return True


def writer() -> str:
    """Who makes this write, to record with it: the signed-in planner's name, or for a machine
    upload with the write token ``token:`` and the first 8 hex digits of the token's SHA-256 (which
    token, never the token itself). Raises Unauthorized (401) when it is neither."""
    name = current_user()
    if name:
        return name
    token = _bearer_token()
    if token and bearer_token_valid():
        return "token:" + hashlib.sha256(token.encode()).hexdigest()[:8]
    raise Unauthorized("cần đăng nhập hoặc mã ghi / sign in or send the write token")


def _bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme == "Bearer" else None


def accepts_write_token(view: F) -> F:
    """Mark a view that machines call with the bearer write token (see TOKEN_ENDPOINTS)."""
    view.accepts_write_token = True  # type: ignore[attr-defined]
    return view


def planner_required(view: F) -> F:
    """Only for signed-in planners: a browser is sent to the sign-in page and back (``next=``),
    any other client gets 401 with a ``WWW-Authenticate`` header."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            return _sign_in_needed()
        return view(*args, **kwargs)
    return wrapped  # type: ignore[return-value]


def _sign_in_needed() -> Response:
    if _wants_html():
        return redirect(url_for("auth.signin", next=request.full_path.rstrip("?")))
    response = jsonify({"error": "cần đăng nhập / sign in first", "status": 401, "signin": url_for("auth.signin")})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = CHALLENGE
    return response


def _wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and not request.is_json


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only, never another host."""
    if (not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//")
            or "\\" in target or not target.isprintable()):
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


# -- CSRF --------------------------------------------------------------------------------------

def _csrf_guard() -> None:
    config = current_app.config
    if (not config["WTF_CSRF_ENABLED"] or request.method not in config["WTF_CSRF_METHODS"]
            or request.endpoint is None):  # no such page (404, 405): nothing to protect
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if request.endpoint in TOKEN_ENDPOINTS or getattr(view, "accepts_write_token", False):
        if "Authorization" in request.headers or current_user() is None:
            # the bearer token decides: a valid one needs no CSRF token, anything else is the 401
            # the view itself would give
            check_write_token(config["SETTINGS"].write_token, _bearer_token())
            return
    current_app.extensions["csrf"].protect()


def _csrf_failed(err: CSRFError):
    message = ("Biểu mẫu thiếu mã bảo vệ hoặc mã đã hết hạn: hãy tải lại trang rồi thử lại / "
               "The form's security token is missing or has expired: reload the page and try again")
    if request.endpoint == "auth.signin":
        return _signin_page(safe_next(request.values.get("next")), error=message, status=400)
    return jsonify({"error": message, "status": 400}), 400


# -- pages -------------------------------------------------------------------------------------

@bp.route("/signin", methods=["GET", "POST"])
@bp.route("/dang-nhap", methods=["GET", "POST"])  # registered first: url_for builds this one
def signin():
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        notice = "Đã đăng xuất / You have signed out." if request.args.get("signed_out") else None
        return _signin_page(target, notice=notice)
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    if not name or not password:
        return _signin_page(target, name=name, status=400,
                            error="Hãy nhập tên đăng nhập và mật khẩu / Enter your user name and password")
    accounts: Accounts = current_app.config["ACCOUNTS"]
    result = accounts.sign_in(name, password, request.remote_addr)
    if result.user is not None:
        session.clear()  # nothing from before signing in carries over (session fixation)
        session["uid"], session["user"] = result.user.id, result.user.name
        g.auth_user = result.user.name
        return redirect(target, 303)
    if result.locked_until is not None:
        wait_s = max(1, ceil(result.locked_until - accounts.clock()))
        response = _signin_page(target, name=name, status=429, error=lock_message(result.locked_until, wait_s))
        response.headers["Retry-After"] = str(wait_s)
        return response
    response = _signin_page(target, name=name, status=401, error=(
        f"Sai tên đăng nhập hoặc mật khẩu; sau {MAX_FAILURES_PER_NAME} lần sai trong {WINDOW_S // 60} phút, "
        f"tên này bị tạm khóa {LOCK_S // 60} phút / Wrong user name or password; after "
        f"{MAX_FAILURES_PER_NAME} failures within {WINDOW_S // 60} minutes the name is locked for "
        f"{LOCK_S // 60} minutes"))
    response.headers["WWW-Authenticate"] = CHALLENGE
    return response


@bp.post("/signout")
@bp.post("/dang-xuat")
def signout():
    session.clear()
    g.auth_user = None
    return redirect(url_for("auth.signin", signed_out=1), 303)


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def lock_message(until: float, wait_s: int) -> str:
    """When to try again, in Vietnam's local time (the office's clock)."""
    local = datetime.fromtimestamp(until, VIETNAM_TIME)
    minutes = max(1, ceil(wait_s / 60))
    return (f"Đăng nhập bị tạm khóa vì sai quá nhiều lần; hãy thử lại sau {local:%H:%M} ngày {local:%d/%m/%Y} "
            f"(giờ Việt Nam, khoảng {minutes} phút nữa) / Signing in is locked after too many failed "
            f"attempts; try again after {local:%H:%M} on {local.day} {local:%b %Y} "
            f"(Vietnam time, in about {minutes} minutes)")


def _signin_page(target: str, *, name: str = "", error: str | None = None, notice: str | None = None,
                 status: int = 200) -> Response:
    html = render_template("signin.html", next=target, name=name, error=error, notice=notice)
    return Response(html, status=status, mimetype="text/html")
