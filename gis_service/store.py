"""The store: every layer and the last validation results. One small interface; GeoPackage is the
embedded default. Every write is atomic: it goes to a temporary file that then replaces the store,
so a failed write leaves the previous store exactly as it was."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Protocol

import geopandas as gpd
import pandas as pd
import pyogrio

from .errors import NotFound

CATALOG_TABLE = "layer_catalog"


class Store(Protocol):
    def exists(self) -> bool: ...
    def version(self) -> int | None: ...
    def crs(self, name: str): ...
    def updating(self): ...
    def layer_names(self) -> list[str]: ...
    def read_layer(self, name: str, bbox: tuple | None = None) -> gpd.GeoDataFrame: ...
    def read_table(self, name: str) -> pd.DataFrame: ...
    def updating(self) -> threading.RLock:
        """Hold while reading what a write will be based on: ``with store.updating(): …``."""
        return self._write_lock

    def write(self, layers: dict[str, pd.DataFrame], *, descriptions: dict[str, str] | None = None,
              replace_all: bool = False) -> None: ...


class GeoPackageStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # writes copy the store, change the copy and swap it in: one at a time in this process,
        # or two web requests writing at once would each lose the other's change
        self._write_lock = threading.RLock()

    def __repr__(self) -> str:
        return f"GeoPackageStore({str(self.path)!r})"

    def exists(self) -> bool:
        return self.path.exists()

    def version(self) -> int | None:
        """Changes whenever the store is written (None: not built). The file's modification
        time in nanoseconds: whole seconds would miss a second write within the same second."""
        try:
            return self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def crs(self, name: str):
        """A layer's CRS, read from the metadata without reading the features."""
        self._require(name)
        return pyogrio.read_info(self.path, layer=name)["crs"]

    def layer_names(self) -> list[str]:
        if not self.exists():
            return []
        return [str(name) for name, _ in pyogrio.list_layers(self.path)]

    def _require(self, name: str) -> None:
        if name not in self.layer_names():
            raise NotFound(f"layer {name!r} is not in the store {self.path}"
                           + ("" if self.exists() else " (the store has not been built: run gis-service build)"))

    def read_layer(self, name: str, bbox: tuple | None = None) -> gpd.GeoDataFrame:
        self._require(name)
        return gpd.read_file(self.path, layer=name, bbox=bbox, engine="pyogrio")

    def read_table(self, name: str) -> pd.DataFrame:
        self._require(name)
        return pyogrio.read_dataframe(self.path, layer=name, read_geometry=False)

    def layer_description(self, name: str) -> str:
        self._require(name)
        return (pyogrio.read_info(self.path, layer=name).get("layer_metadata") or {}).get("DESCRIPTION", "")

    def updating(self) -> threading.RLock:
        """Hold while reading what a write will be based on: ``with store.updating(): …``."""
        return self._write_lock

    def write(self, layers: dict[str, pd.DataFrame], *, descriptions: dict[str, str] | None = None,
              replace_all: bool = False) -> None:
        """Write (or overwrite) ``layers``; with ``replace_all`` the store holds only these."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._write_lock:
            tmp = self.path.with_name(f".{self.path.stem}.{os.getpid()}.tmp{self.path.suffix}")
            tmp.unlink(missing_ok=True)
            try:
                if self.exists() and not replace_all:
                    shutil.copy2(self.path, tmp)
                for name, frame in layers.items():
                    options = {"OVERWRITE": "YES"}
                    if descriptions and name in descriptions:
                        options["DESCRIPTION"] = descriptions[name]
                    pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG", layer_options=options,
                                            promote_to_multi=isinstance(frame, gpd.GeoDataFrame)
                                            and is_polygonal(frame))
                os.replace(tmp, self.path)
            finally:
                tmp.unlink(missing_ok=True)


def is_polygonal(frame: gpd.GeoDataFrame) -> bool:
    types = set(frame.geometry.geom_type.dropna())
    return bool(types) and types <= {"Polygon", "MultiPolygon"}


def open_store(settings) -> Store:
    """The store named by the settings. One per app, not per request."""
    return GeoPackageStore(settings.store)
