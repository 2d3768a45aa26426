"""Crash safety under SIGKILL, as issue 11 asks: writers killed at random (seeded) moments, ≥ 30
runs in all, while a reader in this process reads the current version over and over:
- CLI children running ``gis-service build``, ``import-plan`` and ``import-neighbour`` one after
  another (``cli.main`` in a loop, so a kill lands inside a write, not in Python's start-up);
- a LIVE server, ``gis-service serve`` (waitress) in its own process on a free loopback port,
  killed while a planner's client uploads neighbour boundaries (/sharing/neighbours, bearer write
  token) and consultant drafts (/phien-ban/tai-len, signed in, then accepted).
Each is killed a seeded 0–3 s after it starts, or in 3 runs of 10 after its first finished write
(so that versions pile up even when the machine is slow).
After every kill the store must open at a complete version (every layer table of every version
exists and reads, version rows numbered 1…N with their layer rows); after the next write no
leftover table, journal or temporary file; and the reader must never have seen two versions mixed:
every read of version N's layers gives the same content as a read of version N at the end.

A failure names its seed, run and delay; ``GIS_CRASH_SEED=<seed>`` replays that sequence."""

from __future__ import annotations

import hashlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import requests
import shapely

from gis_service.accounts import Accounts
from gis_service.cli import main
from gis_service.scratch import scratch_dir
from gis_service.settings import PROJECT_ROOT
from gis_service.store import VERSION_LAYERS_TABLE, VERSIONS_TABLE, GeoPackageStore
from gis_service.validate import plan_source_of

SEED = int(os.environ.get("GIS_CRASH_SEED", "20261123"))
CLI_RUNS, SERVER_RUNS = 14, 16
SOURCE_ZONES = PROJECT_ROOT / "layers" / "illustrative" / "draft_zones.geojson"
COMMUNES = PROJECT_ROOT / "layers" / "basemap" / "communes_2025.geojson"
BOOKKEEPING = {"store_versions", "store_version_layers", "store_approvals"}
BASE_LAYERS = {"zones", "zones_repaired", "remaining_land", "plan_file", "validation_rules", "commune_boundary"}
PASSWORD = "mật-khẩu-đủ-dài 2026"
PLANNER = "can_bo.dia-chinh"
TOKEN = "crash-test-write-token"
HTML = {"Accept": "text/html"}

# The writers' parent: imports the service once, then forks one process per line of stdin and
# answers with its pid — "cli N": ``gis-service build / import-plan / import-neighbour`` one after
# another (seeded by N; a line in the file progress/N after each), "serve PORT": ``gis-service
# serve`` on 127.0.0.1:PORT (cli.main, as the console script runs them). A fork starts in
# milliseconds even on a loaded machine, so a kill lands in a write, not in Python's start-up.
# Its children are reaped by the kernel (SIGCHLD ignored).
FORKER = textwrap.dedent("""
    import os, random, signal, sys
    import gis_service.build, gis_service.edgematch, gis_service.importplan, gis_service.web.serve
    from gis_service.cli import main
    store, layers, drafts, neighbours, progress = sys.argv[1:6]
    common = ["--store", store, "--layers", layers, "-q"]
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    print("ready", flush=True)
    for line in sys.stdin:
        kind, arg = line.split()
        pid = os.fork()
        if pid:
            print(pid, flush=True)
            continue
        sys.stdin.close()
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # stdout carries the pids: a child prints nowhere
        sys.stdout = open(os.devnull, "w")
        if kind == "serve":
            main(common + ["serve", "--host", "127.0.0.1", "--port", arg])
        rnd = random.Random(int(arg))
        while True:
            r = rnd.random()
            if r < 0.3:
                main(common + ["build"])
            elif r < 0.65:
                main(common + ["import-plan", rnd.choice(drafts.split(","))])
            else:
                main(common + ["import-neighbour", rnd.choice(neighbours.split(",")), "--name", "Bù Đăng"])
            with open(os.path.join(progress, arg), "a") as done:
                done.write("wrote\\n")
""")


@dataclass
class Run:
    """Kill ``delay_s`` after the writer started, or after its first finished write when
    ``after_a_write`` (so that versions pile up even on a loaded machine)."""
    number: int
    kind: str
    delay_s: float
    after_a_write: bool

    def __str__(self) -> str:
        after = "its first write" if self.after_a_write else "it started"
        return f"run {self.number} ({self.kind}, killed {self.delay_s:.2f} s after {after}; GIS_CRASH_SEED={SEED})"

    def wait_and_kill(self, writes, kill) -> None:
        """Wait for the moment (``writes()`` counts finished writes), then ``kill()``."""
        try:
            deadline = time.monotonic() + 120
            while self.after_a_write and writes() == 0:
                assert time.monotonic() < deadline, f"{self}: no write finished within 120 s"
                time.sleep(0.05)
            time.sleep(self.delay_s)
        finally:
            kill()


# -- the inputs: small variants of the shipped draft and of Bù Đăng's boundary -------------------

@pytest.fixture
def inputs(tmp_path) -> tuple[list[Path], list[Path]]:
    """Drafts and neighbour files shifted by a few metres, so that each write is a new version."""
    rnd = random.Random(SEED)
    zones = gpd.read_file(SOURCE_ZONES)
    communes = gpd.read_file(COMMUNES)
    bu_dang = communes[communes["name"] == "Bù Đăng"][["name", "geometry"]].to_crs(9212)
    drafts, neighbours = [], []
    for i in range(4):
        draft = zones.copy()
        draft["geometry"] = draft.geometry.translate(rnd.uniform(-5, 5), rnd.uniform(-5, 5))
        drafts.append(tmp_path / f"draft_{i}.geojson")
        draft.to_file(drafts[-1])
        neighbour = bu_dang.copy()
        neighbour["geometry"] = neighbour.geometry.translate(rnd.uniform(-3, 3), rnd.uniform(-3, 3))
        neighbours.append(tmp_path / f"bu_dang_{i}.gpkg")
        neighbour.to_file(neighbours[-1])
    return drafts, neighbours


# -- the reader ------------------------------------------------------------------------------------

def fingerprint(frame) -> str:
    """What a read gave: columns, values and geometries (independent of the store's own hash)."""
    h = hashlib.sha256(repr(list(frame.columns)).encode())
    geo = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    attrs = frame.drop(columns=geo) if geo else frame
    h.update(attrs.to_csv(index=False).encode())
    if geo:
        h.update(b"".join(w or b"\0" for w in shapely.to_wkb(frame.geometry.values)))
    return h.hexdigest()


def read_version(store: GeoPackageStore, number: int | None = None) -> tuple[int, dict[str, str]]:
    """Every vector layer and table of one version, read through a pinned view, as fingerprints."""
    view = store.at(number)
    return view.number, {name: fingerprint(view.read_layer(name)) for name in view.layer_names()}


@dataclass
class Reader:
    """A thread reading the current version's layers again and again while writers are killed."""
    store: GeoPackageStore
    seen: dict[int, list[dict[str, str]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    reads: int = 0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                number, prints = read_version(self.store)
            except Exception as err:  # noqa: BLE001 - every failed read is a finding, kept for the test
                self.errors.append(f"{type(err).__name__}: {err}")
                continue
            self.seen.setdefault(number, []).append(prints)
            self.reads += 1
            time.sleep(0.2)  # leave the writers a core

    def __enter__(self) -> "Reader":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


# -- the checks --------------------------------------------------------------------------------

def assert_complete(store: GeoPackageStore, run: Run, checked: set[str]) -> None:
    """The store opens at a complete version: version rows 1…N, each with its layer rows, every
    table they name present and readable (``checked``: tables read at an earlier check; a table is
    written once and never changed, so each is read once)."""
    rows = _query(store.path, f"SELECT number FROM {VERSIONS_TABLE} ORDER BY number")
    numbers = [n for n, in rows]
    assert numbers == list(range(1, len(numbers) + 1)), f"{run}: version numbers {numbers}"
    layer_rows = _query(store.path, f"SELECT version, name, table_name FROM {VERSION_LAYERS_TABLE}")
    assert {v for v, _, _ in layer_rows} == set(numbers), f"{run}: a version without its layer rows"
    tables = {name for name, _ in pyogrio.list_layers(store.path)}
    for version, name, table in layer_rows:
        assert table in tables, f"{run}: version {version}'s {name} table {table} is missing"
    for table in sorted({t for _, _, t in layer_rows} - checked):
        pyogrio.read_dataframe(store.path, layer=table)  # reads whole, or raises
        checked.add(table)
    assert store.at().number == numbers[-1]
    assert_current_complete(store, str(run))


def assert_current_complete(store, label: str = "") -> None:
    """The current version holds every layer a validated version has, its repaired zones match
    its zones, and its rule table has every rule of its plan file (any back end)."""
    view = store.at()
    assert BASE_LAYERS <= set(view.layer_names()), f"{label}: {sorted(view.layer_names())}"
    zones, fixed = view.read_layer("zones"), view.read_layer("zones_repaired")
    assert list(zones["id"]) == list(fixed["id"]) and len(zones) == len(gpd.read_file(SOURCE_ZONES)), label
    assert len(view.read_table("validation_rules")) == len(plan_source_of(view).parse().rules), label


def assert_clean(store: GeoPackageStore, folders: list[Path]) -> None:
    """No table that no version uses, no journal, no scratch or temporary file."""
    used = {t for t, in _query(store.path, f"SELECT DISTINCT table_name FROM {VERSION_LAYERS_TABLE}")}
    tables = {name for name, _ in pyogrio.list_layers(store.path)}
    assert tables - used - BOOKKEEPING == set(), "a killed write's tables outlived the next write"
    left = [p for folder in folders for p in folder.iterdir()
            if ".tmp" in p.name or p.name.endswith(("-journal", "-wal")) or p.name.startswith("gis-")]
    assert left == [], f"left behind: {left}"


def recorded_version(path: Path, number: int) -> dict[str, str]:
    """Version ``number`` as its rows record it, read table by table with GDAL, not through the
    store's code: what every reader of that version must have seen."""
    rows = _query(path, f"SELECT name, table_name FROM {VERSION_LAYERS_TABLE} WHERE version = ?", number)
    return {name: fingerprint(pyogrio.read_dataframe(path, layer=table, use_arrow=True)) for name, table in rows}


def _query(path, sql, *params):
    import sqlite3

    with sqlite3.connect(path) as db:
        return db.execute(sql, params).fetchall()


# -- the writers -------------------------------------------------------------------------------

class Forker:
    """The FORKER process: ``fork(kind, arg)`` starts a writer, ``kill(pid)`` SIGKILLs it."""

    def __init__(self, store: Path, tmp: Path, inputs) -> None:
        drafts, neighbours = inputs
        script = tmp.parent / "forker.py"
        script.write_text(FORKER, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TMPDIR": str(tmp),  # a killed child's scratch stays here
               "GIS_SERVICE_WRITE_TOKEN": TOKEN, "GIS_SERVICE_SECRET_KEY": "crash-test-secret-" + "k" * 32,
               "GIS_SERVICE_USERS_DB": str(store.parent / "users.sqlite")}
        self.log = open(tmp.parent / "writers.log", "wb")
        self.progress = tmp.parent / "progress"
        self.progress.mkdir()
        self.process = subprocess.Popen([sys.executable, str(script), str(store), str(PROJECT_ROOT / "layers"),
                                         ",".join(map(str, drafts)), ",".join(map(str, neighbours)),
                                         str(self.progress)],
                                        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                        text=True)
        self.children: set[int] = set()
        assert self.process.stdout.readline().strip() == "ready"

    def fork(self, kind: str, arg: int) -> int:
        self.process.stdin.write(f"{kind} {arg}\n")
        self.process.stdin.flush()
        pid = int(self.process.stdout.readline())
        self.children.add(pid)
        return pid

    def writes(self, run: "Run") -> int:
        """How many writes the CLI child of ``run`` finished."""
        done = self.progress / str(run.number)
        return done.read_text().count("wrote") if done.exists() else 0

    def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _running(pid) and time.monotonic() < deadline:  # reaped by the kernel
            time.sleep(0.01)
        self.children.discard(pid)

    def close(self) -> None:
        for pid in list(self.children):
            self.kill(pid)
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.process.stdout.close()
        self.log.close()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Uploader:
    """A planner's client sending uploads to the live server until it dies: neighbour boundaries
    with the write token, drafts uploaded and accepted while signed in. Counts what succeeded."""

    def __init__(self, url: str, inputs, rnd: random.Random) -> None:
        self.url, (self.drafts, self.neighbours), self.rnd = url, inputs, rnd
        self.done = 0
        self.failure: str | None = None  # an answer other than the expected one: the test fails on it
        self.session = requests.Session()

    def sign_in(self) -> None:
        r = self.session.post(self.url + "/dang-nhap", headers=HTML, allow_redirects=False,
                              data={"name": PLANNER, "password": PASSWORD, "csrf_token": self._csrf("/dang-nhap")})
        assert r.status_code == 303, r.text[:500]

    def _csrf(self, path: str) -> str:
        html = self.session.get(self.url + path, headers=HTML).text
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def loop(self) -> None:
        try:
            while True:
                if self.rnd.random() < 0.5:
                    self._neighbour(self.rnd.choice(self.neighbours))
                else:
                    self._draft(self.rnd.choice(self.drafts))
                self.done += 1
        except requests.RequestException:  # refused, reset, or an answer cut short
            return  # the server was killed
        except AssertionError as err:
            self.failure = str(err)

    def finished(self) -> int:
        """Uploads finished (a failed one ends the waiting too: the test then fails on it)."""
        return self.done + (self.failure is not None)

    def _neighbour(self, path: Path) -> None:
        with open(path, "rb") as f:
            r = self.session.post(self.url + "/sharing/neighbours", files={"file": (path.name, f)},
                                  data={"name": "Bù Đăng"}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 201, r.text[:500]

    def _draft(self, path: Path) -> None:
        with open(path, "rb") as f:
            r = self.session.post(self.url + "/phien-ban/tai-len", headers=HTML, allow_redirects=False,
                                  files={"file": (path.name, f)},
                                  data={"message": "crash test", "csrf_token": self._csrf("/phien-ban/tai-len")})
        assert r.status_code == 303, r.text[:500]
        preview = r.headers["Location"]
        r = self.session.post(self.url + preview + "/chap-nhan", headers=HTML, allow_redirects=False,
                              data={"csrf_token": self._csrf(preview)})
        assert r.status_code in (303, 409), r.text[:500]  # 409: a neighbour upload came in between


def kill_server(run: Run, forker: Forker, pid: int, url: str, inputs) -> int:
    """Upload until the run's moment, then kill the server; returns how many uploads it finished."""
    uploader = Uploader(url, inputs, random.Random(f"{SEED}-{run.number}"))
    thread = threading.Thread(target=uploader.loop, daemon=True)
    try:
        _wait_healthy(uploader, pid, run)
        uploader.sign_in()
    except BaseException:
        forker.kill(pid)
        raise
    thread.start()
    run.wait_and_kill(uploader.finished, lambda: forker.kill(pid))
    thread.join(timeout=30)
    assert not thread.is_alive(), f"{run}: the client still waits on a killed server"
    assert uploader.failure is None, f"{run}: {uploader.failure}"
    return uploader.done


def _wait_healthy(uploader: Uploader, pid: int, run: Run, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert _running(pid), f"{run}: the server exited (see writers.log)"
        try:
            if uploader.session.get(uploader.url + "/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"{run}: the server did not answer /healthz within {timeout_s} s")


def _start(forker: Forker, run: Run) -> tuple[int, str] | None:
    if run.kind == "cli":
        return None
    port = _free_port()
    return forker.fork("serve", port), f"http://127.0.0.1:{port}"


def plan_runs() -> list[Run]:
    """The runs, in a seeded order, each with its seeded moment (a CLI write takes about 1–8 s
    here, a web upload 1–4 s: kills land in every phase)."""
    rnd = random.Random(SEED)
    kinds = ["cli"] * CLI_RUNS + ["server"] * SERVER_RUNS
    rnd.shuffle(kinds)
    return [Run(i, kind, rnd.uniform(0, 3.0), rnd.random() < 0.3) for i, kind in enumerate(kinds)]


# -- the test ------------------------------------------------------------------------------------

def test_sigkill_of_cli_writes_and_a_live_server_leaves_a_complete_unmixed_store(settings, tmp_path, inputs,
                                                                                 monkeypatch):
    store = GeoPackageStore(settings.store)
    Accounts(settings.store.parent / "users.sqlite").add(PLANNER, PASSWORD)
    tmp = tmp_path / "child-tmp"  # the children's TMPDIR: where a killed one's scratch folders stay
    tmp.mkdir()
    runs = plan_runs()
    assert len(runs) >= 30

    checked: set[str] = set()
    orphans: set[str] = set()
    uploads = 0
    forker = Forker(settings.store, tmp, inputs)
    try:
        with Reader(GeoPackageStore(settings.store)) as reader:
            ahead = _start(forker, runs[0])
            for i, run in enumerate(runs):
                # a server is forked one run ahead: its app starts while the run before is killed
                child, ahead = ahead, _start(forker, runs[i + 1]) if i + 1 < len(runs) else None
                if run.kind == "cli":
                    pid = forker.fork("cli", run.number)
                    run.wait_and_kill(lambda: forker.writes(run), lambda: forker.kill(pid))
                else:
                    uploads += kill_server(run, forker, *child, inputs)
                assert_complete(store, run, checked)
                orphans.update(p.name for p in tmp.glob("gis-*"))  # a kill inside an upload or import
    finally:
        forker.close()
    assert store.version() > 3, "the children wrote versions between the kills"
    assert uploads > 0, "no upload finished before a kill: the server runs proved nothing"
    assert reader.errors == [], reader.errors[:5]
    assert reader.reads > len(runs), "the reader read too seldom to catch a mix"
    for number, reads in reader.seen.items():
        final = recorded_version(store.path, number)
        mixed = [r for r in reads if r != final]
        assert not mixed, f"a read of version {number} differs from that version: " \
                          f"{sorted(k for k in final if mixed[0].get(k) != final[k])}"
    assert orphans, "no kill landed inside an upload or import"
    before = store.version()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))  # the next write, as the CLI makes it, in the same TMPDIR
    assert main(["--store", str(settings.store), "--layers", str(PROJECT_ROOT / "layers"), "-q",
                 "import-neighbour", str(inputs[1][0]), "--name", "Bù Đăng (lần sau)"]) == 0
    assert store.version() == before + 1
    assert_clean(store, [settings.store.parent, tmp])


def test_a_scratch_folder_removes_only_what_dead_processes_left(tmp_path, monkeypatch):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = tmp_path / f"gis-upload-{int(dead.stdout)}-abc123"
    live = tmp_path / f"gis-upload-{os.getpid()}-def456"
    other = tmp_path / "gis-notes"
    for folder in (orphan, live, other):
        (folder / "sub").mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with scratch_dir("import") as work:
        assert work.parent == tmp_path and work.is_dir()
        assert not orphan.exists() and live.is_dir() and other.is_dir()
    assert not work.exists()


KILLED_WRITE = textwrap.dedent("""
    import os, signal, sqlite3, sys
    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    db.execute("PRAGMA cache_size = 2")  # the transaction spills into the file: its journal is hot
    db.execute("BEGIN IMMEDIATE")
    db.execute("UPDATE store_versions SET message = 'half-written'")
    db.execute("CREATE TABLE junk AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
               "SELECT randomblob(2000) AS b FROM n")
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_a_read_racing_a_killed_write_rolls_its_journal_back(settings, monkeypatch):
    """The reader above once met this: it looked its table up, then a writer was killed mid-
    transaction, then GDAL (read-only) met the hot journal: 'attempt to write a readonly database'."""
    store = GeoPackageStore(settings.store)
    table, expected = store.table_name("zones"), gpd.read_file(SOURCE_ZONES)
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITE, str(settings.store)])
    journal = settings.store.with_name(settings.store.name + "-journal")
    assert killed.returncode == -signal.SIGKILL and journal.stat().st_size > 0
    monkeypatch.setattr(store, "_table", lambda name, version: table)  # looked up before the kill
    zones = store.read_layer("zones")
    assert list(zones["id"]) == list(expected["id"])
    assert not journal.exists() and "junk" not in {n for n, _ in pyogrio.list_layers(settings.store)}
    assert {m for m, in _query(settings.store, f"SELECT message FROM {VERSIONS_TABLE}")} != {"half-written"}
