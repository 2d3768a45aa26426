"""A throw-away PostgreSQL + PostGIS cluster for the tests: initdb + pg_ctl in a temporary folder,
listening on 127.0.0.1 only, on a free port, run as the ``postgres`` user when the tests run as
root (CI), stopped and removed at the end of the session.

``GIS_SERVICE_TEST_POSTGRES=postgresql://superuser@host:port/db`` uses a running server instead.
Without PostgreSQL binaries the PostGIS tests are skipped, naming what is missing; under CI
(``CI=true``) they fail instead, since CI installs postgresql-15-postgis-3."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

BIN_GLOB = "/usr/lib/postgresql/*/bin"
POSTGIS_CONTROL = "/usr/share/postgresql/{major}/extension/postgis.control"


class Unavailable(Exception):
    """Why there is no PostgreSQL server for the tests."""


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


class Cluster:
    """A server the tests may create and drop databases in (as a superuser)."""

    def __init__(self, host: str, port: int, user: str) -> None:
        self.host, self.port, self.user = host, port, user
        self._stop = None

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def execute(self, statement) -> None:
        self.execute_in("postgres", statement)

    def execute_in(self, database: str, statement) -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(statement)

    def create_database(self, name: str, template: str | None = None) -> str:
        from psycopg import sql

        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {} STRATEGY FILE_COPY").format(sql.Identifier(template))
        self.execute(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        from psycopg import sql

        self.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def stop(self) -> None:
        if self._stop:
            self._stop()


def start_cluster() -> Cluster:
    """The server of GIS_SERVICE_TEST_POSTGRES, or a new loopback cluster; Unavailable says why not."""
    url = os.environ.get("GIS_SERVICE_TEST_POSTGRES")
    if url:
        import psycopg

        info = psycopg.conninfo.conninfo_to_dict(url)
        return Cluster(info.get("host", "127.0.0.1"), int(info.get("port", 5432)), info.get("user", "postgres"))
    bindir = _bindir()
    as_user = _run_as()
    # as root, in /tmp itself: the postgres user must reach the folder (TMPDIR may be root-only)
    folder = Path(tempfile.mkdtemp(prefix="gis-service-pg-", dir="/tmp" if as_user else None))
    data = folder / "data"
    if as_user:
        shutil.chown(folder, user="postgres")
    port = _free_port()
    try:
        _run(as_user + [f"{bindir}/initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                        "--locale=C.UTF-8"])
        _run(as_user + [f"{bindir}/pg_ctl", "-D", str(data), "-l", str(folder / "server.log"), "-w", "-t", "60",
                        "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off "
                        "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB", "start"])
    except Unavailable:
        log = folder / "server.log"
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise Unavailable(f"the test cluster did not start: {detail}") from None
    cluster = Cluster("127.0.0.1", port, "postgres")

    def stop() -> None:
        subprocess.run(as_user + [f"{bindir}/pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)

    cluster._stop = stop
    return cluster


def _bindir() -> str:
    candidates = sorted(glob.glob(BIN_GLOB), key=lambda p: int(Path(p).parent.name), reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for bindir in candidates:
        if os.access(f"{bindir}/initdb", os.X_OK) and os.access(f"{bindir}/pg_ctl", os.X_OK):
            major = Path(bindir).parent.name
            if major.isdigit() and not Path(POSTGIS_CONTROL.format(major=major)).exists():
                continue
            return bindir
    raise Unavailable("PostgreSQL with PostGIS is not installed (initdb, pg_ctl and postgis.control: Debian's "
                      "postgresql-15-postgis-3; `make system-deps` installs it)")


def _run_as() -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the postgres user."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise Unavailable("running as root and there is no 'postgres' user to run the server as") from None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise Unavailable("running as root and runuser (util-linux) is missing")
    return [runuser, "-u", "postgres", "--"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise Unavailable(f"{Path(command[command.index('--') + 1 if '--' in command else 0]).name} failed: "
                          f"{done.stderr.strip() or done.stdout.strip()}")
