"""Planner accounts and sign-in: the CLI, password hashes, sign-in and sign-out, lockout, CSRF,
the ``next=`` guard, ``planner_required`` and ``writer``. Expected values are written out by hand
or checked with werkzeug's and sqlite3's own functions, not with the code under test."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import sqlite3
import stat
from datetime import datetime, timezone
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.security import check_password_hash

from gis_service.accounts import Accounts
from gis_service.cli import main
from gis_service.errors import Unauthorized
from gis_service.web.auth import planner_required, writer

PASSWORD = "đúng-mật-khẩu 2026"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
JSON = {"Accept": "application/json"}
# 23/11/2026 07:00:00 UTC is 14:00 in Vietnam (UTC+7)
T0 = datetime(2026, 11, 23, 7, 0, 0, tzinfo=timezone.utc).timestamp()


@pytest.fixture
def settings(settings, tmp_path):
    """conftest's settings, with the users in a database of their own in a folder of its own."""
    return dataclasses.replace(settings, users_db=tmp_path / "accounts" / "users.sqlite")


@pytest.fixture
def app(app):
    @app.get("/_test/planners-only")
    @planner_required
    def planners_only():
        return "planner page"

    @app.get("/_test/writer")
    def who_writes():
        try:
            return writer()
        except Unauthorized:
            return "nobody", 401
    return app


@pytest.fixture
def planner(settings) -> str:
    Accounts(settings.users_file).add("can_bo.dia-chinh", PASSWORD)
    return "can_bo.dia-chinh"


@pytest.fixture
def clock(app) -> list[float]:
    """The accounts' clock, moved by the test: now[0]."""
    now = [T0]
    app.config["ACCOUNTS"].clock = lambda: now[0]
    return now


def csrf_from(client, path: str = "/dang-nhap") -> str:
    html = client.get(path, headers=HTML).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, name: str, password: str, next_: str | None = None, token: str | None = None):
    form = {"name": name, "password": password, "csrf_token": token or csrf_from(client)}
    if next_ is not None:
        form["next"] = next_
    return client.post("/dang-nhap", data=form, headers=HTML)


# -- command line --------------------------------------------------------------------------------

def run_cli(monkeypatch, argv: list[str], stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(argv)


@pytest.fixture
def users_env(tmp_path, monkeypatch):
    path = tmp_path / "cli" / "users.sqlite"
    monkeypatch.setenv("GIS_SERVICE_USERS_DB", str(path))
    return path


def test_cli_add_list_remove(monkeypatch, capsys, users_env):
    assert run_cli(monkeypatch, ["user", "add", "nguyen.van-a", "--password-stdin"], PASSWORD + "\n") == 0
    assert run_cli(monkeypatch, ["user", "add", "tran_b", "--password-stdin"], "mat khau thu hai\n") == 0
    assert "nguyen.van-a" in capsys.readouterr().out

    with sqlite3.connect(users_env) as db:
        rows = dict(db.execute("SELECT name, password_hash FROM users").fetchall())
    assert set(rows) == {"nguyen.van-a", "tran_b"}
    stored = rows["nguyen.van-a"]
    assert PASSWORD not in stored and stored.startswith("scrypt:")
    assert check_password_hash(stored, PASSWORD)
    assert not check_password_hash(stored, PASSWORD + "x")
    assert check_password_hash(rows["tran_b"], "mat khau thu hai")
    assert stat.S_IMODE(users_env.stat().st_mode) == 0o600

    assert run_cli(monkeypatch, ["user", "list"]) == 0
    listed = capsys.readouterr().out
    assert "nguyen.van-a" in listed and "tran_b" in listed and PASSWORD not in listed

    assert run_cli(monkeypatch, ["user", "remove", "tran_b"]) == 0
    capsys.readouterr()
    run_cli(monkeypatch, ["user", "list"])
    listed = capsys.readouterr().out
    assert "tran_b" not in listed and "nguyen.van-a" in listed

    assert run_cli(monkeypatch, ["user", "remove", "tran_b"]) == 2
    assert "no user named 'tran_b'" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["", "x" * 65, "an tran", "ng/uyen", "hùng", "a'b", "ng\u0000a"])
def test_cli_refuses_bad_names(monkeypatch, capsys, users_env, name):
    assert run_cli(monkeypatch, ["user", "add", name, "--password-stdin"], PASSWORD + "\n") == 2
    err = capsys.readouterr().err
    assert "user name" in err and "not valid" in err and "Bad input" in err


def test_cli_name_of_64_characters_is_accepted(monkeypatch, users_env):
    assert run_cli(monkeypatch, ["user", "add", "a" * 64, "--password-stdin"], PASSWORD) == 0


def test_cli_refuses_short_password_duplicates_and_no_terminal(monkeypatch, capsys, users_env):
    assert run_cli(monkeypatch, ["user", "add", "ngan", "--password-stdin"], "1234567\n") == 2
    assert "at least 8 characters" in capsys.readouterr().err
    assert run_cli(monkeypatch, ["user", "add", "ngan", "--password-stdin"], "") == 2
    assert run_cli(monkeypatch, ["user", "add", "ngan", "--password-stdin"], PASSWORD) == 0
    assert run_cli(monkeypatch, ["user", "add", "NGAN", "--password-stdin"], PASSWORD) == 2
    assert "already exists" in capsys.readouterr().err
    # no --password-stdin and no terminal: no silent read of a password from a pipe
    assert run_cli(monkeypatch, ["user", "add", "other"], PASSWORD + "\n" + PASSWORD + "\n") == 2
    assert "--password-stdin" in capsys.readouterr().err


def test_cli_password_typed_twice_at_a_terminal(monkeypatch, users_env):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal())
    answers = iter([PASSWORD, PASSWORD + "!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["user", "add", "typo"]) == 2  # the two differ
    answers = iter([PASSWORD, PASSWORD])
    assert main(["user", "add", "typo"]) == 0
    with sqlite3.connect(users_env) as db:
        (stored,) = db.execute("SELECT password_hash FROM users WHERE name = 'typo'").fetchone()
    assert check_password_hash(stored, PASSWORD)


# -- signing in and out --------------------------------------------------------------------------

def test_sign_in_with_the_right_password(client, settings, planner):
    store_bytes = hashlib.sha256(settings.store.read_bytes()).hexdigest()
    response = sign_in(client, planner, PASSWORD, next_="/dashboard?period=year")
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard?period=year"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("nghia_trung_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie

    assert client.get("/_test/planners-only", headers=HTML).get_data(as_text=True) == "planner page"
    page = client.get("/dang-nhap", headers=HTML).get_data(as_text=True)
    assert f"<strong>{planner}</strong>" in page and 'action="/dang-xuat"' in page
    # the GeoPackage store is not touched by signing in; the users db is where it happened
    assert hashlib.sha256(settings.store.read_bytes()).hexdigest() == store_bytes
    with sqlite3.connect(settings.users_file) as db:
        assert db.execute("SELECT last_signin_at FROM users").fetchone()[0] is not None


def test_sign_in_with_a_wrong_password_or_name(client, planner):
    for name, password in [(planner, PASSWORD + "x"), ("khong-co-ai", PASSWORD), (planner, "")]:
        response = sign_in(client, name, password)
        assert response.status_code in (400, 401)
        assert "Location" not in response.headers
        page = response.get_data(as_text=True)
        assert "Sai tên đăng nhập hoặc mật khẩu" in page or "Hãy nhập" in page
        assert client.get("/_test/planners-only", headers=JSON).status_code == 401
    assert sign_in(client, planner, PASSWORD + "x").headers["WWW-Authenticate"].startswith("Session")


def test_five_failures_lock_the_name_for_15_minutes(client, app, settings, planner, clock):
    for attempt in range(1, 5):
        response = sign_in(client, planner, f"wrong {attempt}")
        assert response.status_code == 401, attempt
    response = sign_in(client, planner, "wrong 5")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    # locked at 14:00 Vietnam time, for 15 minutes: try again after 14:15
    assert "thử lại sau 14:15 ngày 23/11/2026" in page
    assert "try again after 14:15 on 23 Nov 2026" in page
    assert "15 phút" in page
    assert response.headers["Retry-After"] == "900"

    clock[0] = T0 + 10 * 60  # ten minutes later, even the right password is refused
    response = sign_in(client, planner, PASSWORD)
    assert response.status_code == 429 and "14:15" in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "300"
    # the count is kept in the users db: another app on the same db sees the lock
    with sqlite3.connect(settings.users_file) as db:
        ((key, until),) = db.execute("SELECT key, until FROM lockouts").fetchall()
    assert key == "name:can_bo.dia-chinh" and until == T0 + 900

    clock[0] = T0 + 15 * 60 + 1
    assert sign_in(client, planner, PASSWORD).status_code == 303


def test_failures_older_than_15_minutes_do_not_count(client, planner, clock):
    for attempt in range(4):
        assert sign_in(client, planner, f"wrong {attempt}").status_code == 401
    clock[0] = T0 + 15 * 60 + 1
    for attempt in range(4):
        assert sign_in(client, planner, f"wrong again {attempt}").status_code == 401
    assert sign_in(client, planner, PASSWORD).status_code == 303


def test_many_failures_from_one_address_lock_that_address(client, planner, clock):
    for n in range(20):  # 20 different names, each under its own limit of 5
        assert sign_in(client, f"doan-{n}", "wrong password").status_code in (401, 429)
    response = sign_in(client, planner, PASSWORD)
    assert response.status_code == 429 and "14:15" in response.get_data(as_text=True)


def test_post_without_csrf_token_is_400(client, planner):
    response = client.post("/dang-nhap", data={"name": planner, "password": PASSWORD}, headers=HTML)
    assert response.status_code == 400 and "mã bảo vệ" in response.get_data(as_text=True)
    response = client.post("/dang-nhap", data={"name": planner, "password": PASSWORD,
                                               "csrf_token": "forged"}, headers=HTML)
    assert response.status_code == 400
    assert client.get("/_test/planners-only", headers=JSON).status_code == 401

    assert sign_in(client, planner, PASSWORD).status_code == 303
    response = client.post("/dang-xuat", headers=JSON)
    assert response.status_code == 400 and "security token" in response.get_json()["error"]
    assert client.get("/_test/planners-only", headers=JSON).status_code == 200  # still signed in


def test_sign_out_clears_the_session(client, planner):
    assert sign_in(client, planner, PASSWORD).status_code == 303
    token = csrf_from(client, "/dang-nhap")
    response = client.post("/dang-xuat", data={"csrf_token": token}, headers=HTML)
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/dang-nhap"
    with client.session_transaction() as session:
        assert dict(session) == {}
    assert "Đã đăng xuất" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/_test/planners-only", headers=HTML).status_code == 302


def test_aliases(client, planner):
    assert client.get("/signin", headers=HTML).status_code == 200
    form = {"name": planner, "password": PASSWORD, "csrf_token": csrf_from(client, "/signin")}
    assert client.post("/signin", data=form).status_code == 303
    assert client.post("/signout", data={"csrf_token": csrf_from(client)}).status_code == 303
    assert client.get("/_test/planners-only", headers=JSON).status_code == 401


@pytest.mark.parametrize("evil", ["https://evil.example/", "//evil.example/", "/\\evil.example",
                                  "\\\\evil.example", "javascript:alert(1)", "http:/evil.example",
                                  "/ok\r\nLocation: https://evil.example/", "evil.example"])
def test_next_to_another_site_is_not_followed(client, planner, evil):
    response = sign_in(client, planner, PASSWORD, next_=evil)
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_a_user_removed_after_signing_in_is_signed_out(client, settings, planner):
    assert sign_in(client, planner, PASSWORD).status_code == 303
    Accounts(settings.users_file).remove(planner)
    Accounts(settings.users_file).add(planner, PASSWORD)  # same name again: a new account
    assert client.get("/_test/planners-only", headers=JSON).status_code == 401


# -- planner_required and writer -----------------------------------------------------------------

def test_planner_required_redirects_pages_and_answers_401_to_json(client):
    response = client.get("/_test/planners-only?tab=2", headers=HTML)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/dang-nhap" and not location.netloc
    assert parse_qs(location.query) == {"next": ["/_test/planners-only?tab=2"]}

    for headers in (JSON, {"Accept": "*/*"}, {}):
        response = client.get("/_test/planners-only", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Session ")
        assert response.get_json()["status"] == 401


def test_signing_in_after_the_redirect_comes_back(client, planner):
    location = client.get("/_test/planners-only?tab=2", headers=HTML).headers["Location"]
    next_ = parse_qs(urlsplit(location).query)["next"][0]
    response = sign_in(client, planner, PASSWORD, next_=next_)
    assert response.headers["Location"] == "/_test/planners-only?tab=2"


def test_writer_names_the_planner_or_the_token(client, planner):
    assert client.get("/_test/writer").status_code == 401
    wrong = client.get("/_test/writer", headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 401
    by_token = client.get("/_test/writer", headers={"Authorization": "Bearer test-token"})
    assert by_token.get_data(as_text=True) == "token:" + hashlib.sha256(b"test-token").hexdigest()[:8]
    assert "test-token" not in by_token.get_data(as_text=True)
    sign_in(client, planner, PASSWORD)
    assert client.get("/_test/writer").get_data(as_text=True) == planner


def test_bearer_uploads_need_no_csrf_token_only_with_the_right_token(client, planner):
    def upload(headers):
        return client.post("/sharing/neighbours", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"hello"), "notes.txt")})

    # valid token, no CSRF token: the request reaches the view, which refuses the file itself
    response = upload({"Authorization": "Bearer test-token"})
    assert response.status_code == 400 and ".gpkg" in response.get_json()["error"]
    for headers in ({"Authorization": "Bearer wrong"}, {"Authorization": "test-token"}, {}):
        response = upload(headers)
        assert response.status_code == 401 and "write token" in response.get_json()["error"]
    # a signed-in browser without the token is held to the CSRF check like any form
    sign_in(client, planner, PASSWORD)
    response = upload({})
    assert response.status_code == 400 and "security token" in response.get_json()["error"]


def test_post_to_a_page_that_does_not_exist_is_404_not_a_csrf_error(client):
    assert client.post("/khong-co-trang-nay", data={"x": "1"}).status_code == 404


# -- keys, cookies and the page ------------------------------------------------------------------

def test_secret_key_is_made_once_and_kept_private(settings, app):
    from gis_service.web import create_app

    path = settings.store.parent / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert app.secret_key == path.read_text().strip() and len(app.secret_key) >= 32
    assert create_app(settings).secret_key == app.secret_key
    given = "k" * 40
    assert create_app(dataclasses.replace(settings, secret_key=given)).secret_key == given
    assert given not in repr(dataclasses.replace(settings, secret_key=given))


def test_settings_from_the_environment(tmp_path):
    from gis_service.settings import Settings

    env = {"GIS_SERVICE_STORE": str(tmp_path / "s.gpkg"), "GIS_SERVICE_SECRET_KEY": "s" * 40}
    assert Settings.from_env(env).users_file == tmp_path / "users.sqlite"
    env["GIS_SERVICE_USERS_DB"] = str(tmp_path / "elsewhere.sqlite")
    settings = Settings.from_env(env)
    assert settings.users_file == tmp_path / "elsewhere.sqlite" and settings.secret_key == "s" * 40


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.h1 = ""
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_h1 = self._in_h1 or tag == "h1"

    def handle_endtag(self, tag):
        self._in_h1 = self._in_h1 and tag != "h1"

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data


def test_sign_in_page_markup(client):
    response = client.get("/dang-nhap", headers=HTML)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = _Page()
    page.feed(response.get_data(as_text=True))
    html = [attrs for tag, attrs in page.tags if tag == "html"][0]
    assert html["lang"] == "vi"
    assert " ".join(page.h1.split()) == "Đăng nhập / Sign in"
    inputs = {a["name"]: a for tag, a in page.tags if tag == "input"}
    labels = {a["for"] for tag, a in page.tags if tag == "label"}
    assert inputs["name"]["id"] in labels and inputs["password"]["id"] in labels
    assert inputs["name"]["autocomplete"] == "username"
    assert inputs["password"]["autocomplete"] == "current-password" and inputs["password"]["type"] == "password"
    assert inputs["csrf_token"]["type"] == "hidden"
    text = response.get_data(as_text=True)
    for words in ("Tên đăng nhập", "User name", "Mật khẩu", "Password"):
        assert words in text
    assert not [t for t, a in page.tags if t == "script"] and " style=" not in text and "<style" not in text
    sheets = [a["href"] for tag, a in page.tags if tag == "link" and a.get("rel") == "stylesheet"]
    assert sheets and all(href.startswith("/static/") for href in sheets)
    assert client.get(sheets[0]).status_code == 200
