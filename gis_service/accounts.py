"""Planner accounts: names, scrypt password hashes and failed sign-in counts in a small SQLite file
of their own (``Settings.users_file``), never in the GeoPackage store, whose bytes must not change
when someone signs in. No Flask here; the web layer and the CLI call ``Accounts``."""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Callable, Iterator

from werkzeug.security import check_password_hash, generate_password_hash

from .errors import InputError

NAME_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024
HASH_METHOD = "scrypt"
MIN_SECRET_KEY_CHARS = 32

#: this many failures for one name within WINDOW_S lock that name for LOCK_S
MAX_FAILURES_PER_NAME = 5
#: the same for one client address, across names; higher, because one office's computers often
#: share a single address and a colleague's typos should not lock everyone out
MAX_FAILURES_PER_ADDRESS = 20
WINDOW_S = 15 * 60
LOCK_S = 15 * 60

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,          -- never reused: a removed user's session dies
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_signin_at TEXT
);
CREATE TABLE IF NOT EXISTS failed_signins (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS failed_signins_key_at ON failed_signins (key, at);
CREATE TABLE IF NOT EXISTS lockouts (key TEXT PRIMARY KEY, until REAL NOT NULL);
PRAGMA user_version = 1;
"""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    created_at: str
    last_signin_at: str | None


@dataclass(frozen=True)
class SignIn:
    """The outcome of one attempt: ``user`` when it succeeded; ``locked_until`` (UNIX time) when
    the name or the address is locked, either already or by this very failure."""
    user: User | None
    locked_until: float | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise InputError(f"tên đăng nhập {name!r} không hợp lệ: 1–64 ký tự chữ cái không dấu, chữ số, "
                         f"'.', '_' hoặc '-' / user name {name!r} is not valid: 1–64 characters, "
                         "ASCII letters, digits, '.', '_' or '-'", field="name")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(f"mật khẩu phải có ít nhất {MIN_PASSWORD_CHARS} ký tự / the password must have "
                         f"at least {MIN_PASSWORD_CHARS} characters", field="password")
    if len(password) > MAX_PASSWORD_CHARS:
        raise InputError(f"mật khẩu dài quá {MAX_PASSWORD_CHARS} ký tự / the password is longer than "
                         f"{MAX_PASSWORD_CHARS} characters", field="password")
    return password


@cache
def _dummy_hash() -> str:
    """Checked against when the name does not exist, so a wrong name takes as long as a wrong
    password and the answer time does not tell which names exist."""
    return generate_password_hash(secrets.token_urlsafe(16), method=HASH_METHOD)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")


class Accounts:
    """The users database. One short connection per call: safe from waitress's threads."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.clock = clock

    def __repr__(self) -> str:
        return f"Accounts({str(self.path)!r})"

    @contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # password hashes: readable by the service's user only
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        with closing(sqlite3.connect(self.path, timeout=10, isolation_level=None)) as conn:
            conn.row_factory = sqlite3.Row
            if conn.execute("PRAGMA user_version").fetchone()[0] < 1:
                conn.executescript(SCHEMA)
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # -- users ---------------------------------------------------------------------------------

    def add(self, name: str, password: str) -> User:
        check_name(name)
        check_password(password)
        password_hash = generate_password_hash(password, method=HASH_METHOD)
        with self._db(write=True) as db:
            if db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise InputError(f"tên đăng nhập {name!r} đã có / user {name!r} already exists", field="name")
            db.execute("INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, ?)",
                       (name, password_hash, _iso(self.clock())))
        return self.get(name)  # type: ignore[return-value]

    def remove(self, name: str) -> None:
        check_name(name)
        with self._db(write=True) as db:
            if db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
                raise InputError(f"không có tên đăng nhập {name!r} / no user named {name!r}", field="name")

    def users(self) -> list[User]:
        with self._db() as db:
            rows = db.execute("SELECT * FROM users ORDER BY name COLLATE NOCASE").fetchall()
        return [_user(row) for row in rows]

    def get(self, name: str) -> User | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        return _user(row) if row else None

    def get_by_id(self, user_id: int) -> User | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return _user(row) if row else None

    # -- signing in ----------------------------------------------------------------------------

    def sign_in(self, name: str, password: str, address: str | None) -> SignIn:
        """Check a name and password, counting failures per name and per client address; a
        locked name or address is refused without looking at the password."""
        now = self.clock()
        keys = {"name:" + name.strip().lower()[:64]: MAX_FAILURES_PER_NAME}
        if address:
            keys["addr:" + address] = MAX_FAILURES_PER_ADDRESS
        with self._db(write=True) as db:
            db.execute("DELETE FROM failed_signins WHERE at <= ?", (now - WINDOW_S,))
            db.execute("DELETE FROM lockouts WHERE until <= ?", (now,))
            until = _locked_until(db, keys)
            if until is not None:
                return SignIn(None, until)
            row = db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone() \
                if NAME_PATTERN.fullmatch(name) and len(password) <= MAX_PASSWORD_CHARS else None
            if row is not None and check_password_hash(row["password_hash"], password):
                db.execute("DELETE FROM failed_signins WHERE key = ?", (next(iter(keys)),))
                db.execute("UPDATE users SET last_signin_at = ? WHERE id = ?", (_iso(now), row["id"]))
                return SignIn(_user(row))
            if row is None:
                check_password_hash(_dummy_hash(), password)
            for key, limit in keys.items():
                db.execute("INSERT INTO failed_signins (key, at) VALUES (?, ?)", (key, now))
                count = db.execute("SELECT count(*) FROM failed_signins WHERE key = ?", (key,)).fetchone()[0]
                if count >= limit:
                    db.execute("INSERT OR REPLACE INTO lockouts (key, until) VALUES (?, ?)", (key, now + LOCK_S))
                    db.execute("DELETE FROM failed_signins WHERE key = ?", (key,))
            return SignIn(None, _locked_until(db, keys))


def _locked_until(db: sqlite3.Connection, keys: dict[str, int]) -> float | None:
    marks = ",".join("?" * len(keys))
    until = db.execute(f"SELECT max(until) FROM lockouts WHERE key IN ({marks})", tuple(keys)).fetchone()[0]
    return float(until) if until is not None else None


def _user(row: sqlite3.Row) -> User:
    return User(id=row["id"], name=row["name"], created_at=row["created_at"],
                last_signin_at=row["last_signin_at"])


def check_secret_key(key: str, *, file: str | None = None, field: str | None = None) -> str:
    if len(key) < MIN_SECRET_KEY_CHARS:
        raise InputError(f"khóa bí mật quá ngắn (cần ít nhất {MIN_SECRET_KEY_CHARS} ký tự) / the secret key "
                         f"is too short (at least {MIN_SECRET_KEY_CHARS} characters)", file=file, field=field)
    return key


def load_or_create_secret_key(path: Path) -> str:
    """The key that signs session cookies: read from ``path``, or made once and kept there with
    0600 permissions, so sessions survive a restart and no one else on the machine can read it."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(tmp, path)  # all or nothing, and never over a key another process just made
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    return check_secret_key(path.read_text(encoding="ascii").strip(), file=str(path))
