"""The catalog of layers (layers/catalog.yaml): where each layer comes from and what it is."""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath
from typing import Literal

import geopandas as gpd

from .config import Strict, load_yaml
from .errors import InputError
from .layerio import read_vector
from .uploads import vector_source

ILLUSTRATIVE_MARK_VI = "MINH HỌA"
ILLUSTRATIVE_MARK_EN = "ILLUSTRATIVE"
#: the mark every illustrative (invented) layer carries, wherever it is published
ILLUSTRATIVE_MARK = f"{ILLUSTRATIVE_MARK_VI} / {ILLUSTRATIVE_MARK_EN}"
#: the layers every rule set stands on hold polygons, whatever the catalog says
POLYGON_LAYERS = ("commune_boundary", "zones", "communes")
#: a layer given as a .zip may expand to at most this many bytes
MAX_EXPANDED_BYTES = 512 * 1024 * 1024


class LayerEntry(Strict):
    name: str
    file: str
    layer: str | None = None
    filter: dict[str, str] | None = None
    crs: str | None = None  # the CRS to assume when the file has none
    role: Literal["basemap", "plan", "context"] = "context"
    title_vi: str
    title_en: str
    source: str
    licence: str = "not stated"
    illustrative: bool
    attribution: str = ""  # the short credit shown on every map that draws the layer
    notes: str = ""

    @property
    def description(self) -> str:
        mark = f"{ILLUSTRATIVE_MARK}. " if self.illustrative else ""
        notes = f" {self.notes}" if self.notes else ""
        return f"{mark}{self.title_vi} / {self.title_en}. Source: {self.source}. Licence: {self.licence}.{notes}"


class Catalog(Strict):
    layers: list[LayerEntry]

    def entry(self, name: str) -> LayerEntry:
        for e in self.layers:
            if e.name == name:
                return e
        raise KeyError(name)


def load_catalog(path: Path) -> Catalog:
    catalog = load_yaml(path, Catalog)
    names = [e.name for e in catalog.layers]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise InputError(f"layer name used twice: {sorted(dupes)}", file=str(path), field="name")
    for name in ("commune_boundary", "zones"):  # the two layers every rule set stands on
        if name not in names:
            raise InputError(f"the catalog must have a layer named {name!r}", file=str(path), field="name")
    return catalog


def layer_path(entry: LayerEntry, base: Path) -> Path:
    """The entry's file, which must lie inside the layers folder ``base``: no absolute path, no
    '..', no URL or GDAL virtual path, no link leading out."""
    raw = entry.file
    pure = PurePosixPath(raw.replace("\\", "/"))
    where = {"file": str(base / "catalog.yaml"), "feature": f"'{entry.name}'", "field": "file"}
    if "://" in raw or raw.lower().startswith("/vsi") or pure.is_absolute() or ".." in pure.parts:
        raise InputError(f"tệp lớp phải nằm trong thư mục layers / the layer file must be a path inside "
                         f"the layers folder (no absolute path, no '..', no URL), got {raw!r}", **where)
    path = base / pure
    if not path.resolve().is_relative_to(base.resolve()):
        raise InputError(f"{raw!r} dẫn ra ngoài thư mục layers / leads outside the layers folder "
                         "(a symbolic link?); copy the file into it", **where)
    return path


def read_entry(entry: LayerEntry, base: Path, target_crs, notes: list[str] | None = None) -> gpd.GeoDataFrame:
    """Read one catalog layer from its file (a .zip is unpacked under limits), checked, filtered
    and reprojected to the plan CRS."""
    path = layer_path(entry, base)
    with tempfile.TemporaryDirectory(prefix="gis-layer-") as tmp:
        source, label = vector_source(path, Path(tmp), MAX_EXPANDED_BYTES, str(path))
        gdf = read_vector(source, layer=entry.layer, assume_crs=entry.crs, target_crs=target_crs,
                          label=label, notes=notes,
                          expect="polygon" if entry.name in POLYGON_LAYERS else None)
    for column, value in (entry.filter or {}).items():
        if column not in gdf.columns:
            raise InputError(f"filter column {column!r} is not in the layer", file=str(path), field=column)
        gdf = gdf[gdf[column].astype(str) == value]
        if gdf.empty:
            raise InputError(f"no feature has {column} = {value!r}", file=str(path), field=column)
    return gdf.reset_index(drop=True)
