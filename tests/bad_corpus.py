"""Running one file of the bad-input corpus (tests/data/bad/, scripts/make_bad_corpus.py) the way
a user meets it: as the zones layer, catalog or plan of a build, or as a neighbour's boundary
through the CLI and the web upload. Each run is measured: exit code or status, the message,
wall time, peak memory growth, and whether the store's bytes changed."""

from __future__ import annotations

import hashlib
import io
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from gis_service.cli import main

from memory import peak_growth_mb

BAD = Path(__file__).parent / "data" / "bad"


@dataclass(frozen=True)
class Case:
    """``path`` (in tests/data/bad, or in the large files' folder) used as ``role``: 'zones',
    'catalog', 'plan' or 'neighbour'; the expected exit code (2 refused, 0 accepted with a note)
    and the words the message must hold."""
    name: str
    role: str
    path: str
    code: int
    words: tuple[str, ...]
    large: bool = False


@dataclass
class Outcome:
    code: int
    message: str
    seconds: float
    peak_mb: float
    store_changed: bool


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def place(case: Case, folder: Path, layers: Path) -> Path:
    """Copy the case's file (with a Shapefile's parts: its whole folder) into ``layers``/bad."""
    source = folder / case.path
    target = layers / "bad" / case.path
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.parent != folder:  # a Shapefile and its parts
        shutil.copytree(source.parent, target.parent, dirs_exist_ok=True)
    else:
        shutil.copy2(source, target)
    return target


def run_build_case(case: Case, folder: Path, layers: Path, store: Path, capsys) -> Outcome:
    if case.role == "zones":
        place(case, folder, layers)
        catalog = yaml.safe_load((layers / "catalog.yaml").read_text(encoding="utf-8"))
        (entry,) = [e for e in catalog["layers"] if e["name"] == "zones"]
        entry["file"] = f"bad/{case.path}"
        (layers / "catalog.yaml").write_text(yaml.safe_dump(catalog, allow_unicode=True), encoding="utf-8")
    else:  # a catalog or plan file replaces the shipped one
        shutil.copy2(folder / case.path, layers / f"{case.role}.yaml")
    return _measured(capsys, store, "--store", str(store), "--layers", str(layers), "build")


def run_cli_neighbour(case: Case, folder: Path, layers: Path, store: Path, capsys) -> Outcome:
    return _measured(capsys, store, "--store", str(store), "--layers", str(layers), "import-neighbour",
                     str(folder / case.path))


def run_cli_plan(case: Case, folder: Path, layers: Path, store: Path, capsys) -> Outcome:
    return _measured(capsys, store, "--store", str(store), "--layers", str(layers), "import-plan",
                     str(folder / case.path))


def run_web_neighbour(case: Case, folder: Path, client, store: Path) -> tuple[int, str, float, float, bool]:
    before = sha256(store)
    data = (folder / case.path).read_bytes()
    with peak_growth_mb() as grown:
        started = time.perf_counter()
        response = client.post("/sharing/neighbours", headers={"Authorization": "Bearer test-token"},
                               content_type="multipart/form-data",
                               data={"file": (io.BytesIO(data), Path(case.path).name)})
        seconds = time.perf_counter() - started
    body = response.get_json(silent=True) or {}
    return Outcome(response.status_code, body.get("error") or " ".join(body.get("notes", [])), seconds,
                   grown(), sha256(store) != before)


def _measured(capsys, store: Path, *argv: str) -> Outcome:
    before = sha256(store)
    capsys.readouterr()
    with peak_growth_mb() as grown:
        started = time.perf_counter()
        code = main(list(argv))
        seconds = time.perf_counter() - started
    out, err = capsys.readouterr()
    return Outcome(code, err + out, seconds, grown(), sha256(store) != before)
