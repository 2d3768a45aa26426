"""Typed settings from environment variables prefixed GIS_SERVICE_, read and validated once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import InputError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PREFIX = "GIS_SERVICE_"


@dataclass(frozen=True)
class Settings:
    layers_dir: Path = PROJECT_ROOT / "layers"
    store: Path | str = PROJECT_ROOT / "var" / "store.gpkg"  # a GeoPackage path, or postgresql://… (a str)
    host: str = "127.0.0.1"
    port: int = 5000
    write_token: str = ""
    upload_max_bytes: int = 50 * 1024 * 1024
    tiles_url: str = ""  # opt-in background tiles for the planner map; empty: plain, offline
    chromium: str = "/usr/bin/chromium"  # prints the report to PDF
    users_db: Path | None = None  # planner accounts (SQLite); None: users.sqlite beside the store
    engine: str = "local"  # validate in this process, or "dask" (dask.distributed)
    scheduler: str = ""  # the dask scheduler's address (tcp://host:8786); empty: a local cluster
    secret_key: str = field(default="", repr=False)  # signs session cookies; empty: kept in secret_key beside the store
    request_time_limit_s: int = 60  # a web request's work stops at its next check after this
    tile_threshold: int = 5_000  # a map layer with more features is drawn from vector tiles, not GeoJSON
    tile_cache_bytes: int = 64 * 1024 * 1024  # encoded vector tiles kept in memory (least recently used dropped)

    @property
    def catalog_file(self) -> Path:
        return self.layers_dir / "catalog.yaml"

    @property
    def plan_file(self) -> Path:
        return self.layers_dir / "plan.yaml"

    @property
    def users_file(self) -> Path:
        return self.users_db or self.var_dir / "users.sqlite"

    @property
    def secret_key_file(self) -> Path:
        return self.var_dir / "secret_key"

    @property
    def var_dir(self) -> Path:
        """The service's own small files live beside a GeoPackage store (else in var/)."""
        url = str(self.store)
        if _is_url(url):
            return PROJECT_ROOT / "var"
        return Path(url.removeprefix("gpkg://").removeprefix("gpkg:")).parent

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        """Build settings from GIS_SERVICE_* variables; keyword overrides win."""
        environ = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            raw = environ.get(PREFIX + f.name.upper())
            if raw is None:
                continue
            values[f.name] = raw if f.name == "store" else _convert(f.name, raw, f.type)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("layers_dir", "store", "users_db"):
            if values.get(key) is not None and not (key == "store" and _is_url(str(values[key]))):
                values[key] = Path(values[key])  # a URL stays a str: Path() would fold its '//'
        return cls(**values)


def _is_url(location: str) -> bool:
    return location.startswith(("postgresql:", "postgres:"))


def _convert(name: str, raw: str, type_name: str):
    if type_name == "int":
        try:
            return int(raw)
        except ValueError:
            raise InputError(f"must be a whole number, got {raw!r}", field=PREFIX + name.upper()) from None
    if type_name == "Path":
        return Path(raw)
    if type_name == "Path | None":
        return Path(raw) if raw else None
    return raw
