"""The catalog of layers (layers/catalog.yaml): where each layer comes from and what it is."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Literal

import geopandas as gpd
from pydantic import Field, model_validator

from .config import Strict, load_yaml
from .errors import InputError
from .layerio import read_vector
from .scratch import scratch_dir
from .uploads import MAX_EXPANDED_BYTES, vector_source

ILLUSTRATIVE_MARK_VI = "MINH HỌA"
ILLUSTRATIVE_MARK_EN = "ILLUSTRATIVE"
#: the mark every illustrative (invented) layer carries, wherever it is published
ILLUSTRATIVE_MARK = f"{ILLUSTRATIVE_MARK_VI} / {ILLUSTRATIVE_MARK_EN}"
#: the layers every rule set stands on hold polygons, whatever the catalog says
POLYGON_LAYERS = ("commune_boundary", "zones", "communes")


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


class RegisterEntry(LayerEntry):
    """A register: a vector layer whose rows follow a fixed attribute schema (e.g. durian plots
    with their planting-area codes), checked row by row on build and import."""

    schema_name: Literal["durian_plots"] = "durian_plots"


class RasterClass(Strict):
    value: int
    code: str
    name_vi: str
    name_en: str
    color: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")


class RampStop(Strict):
    """Cells up to ``upto`` (inclusive, in the raster's unit) are drawn in ``color``."""
    upto: float
    color: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")
    label_vi: str
    label_en: str


class RasterEntry(LayerEntry):
    """A raster (GeoTIFF or any GDAL raster): classes (soil suitability) or a continuous
    quantity (slope in degrees). ``crs`` is assumed only when the file has none."""

    kind: Literal["classes", "continuous"]
    unit: str = ""
    classes: list[RasterClass] = []
    ramp: list[RampStop] = []

    @model_validator(mode="after")
    def _legend(self):
        if self.kind == "classes" and not self.classes:
            raise ValueError("a raster of classes needs its classes (value, code, names, colour)")
        if self.kind == "continuous" and not self.ramp:
            raise ValueError("a continuous raster needs its colour ramp (upto, color, labels)")
        return self


class Catalog(Strict):
    layers: list[LayerEntry]
    registers: list[RegisterEntry] = []
    rasters: list[RasterEntry] = []

    def entry(self, name: str) -> LayerEntry:
        for e in [*self.layers, *self.registers, *self.rasters]:
            if e.name == name:
                return e
        raise KeyError(name)


def load_catalog(path: Path) -> Catalog:
    catalog = load_yaml(path, Catalog)
    names = [e.name for e in [*catalog.layers, *catalog.registers, *catalog.rasters]]
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
    with scratch_dir("layer") as tmp:
        source, label = vector_source(path, tmp, MAX_EXPANDED_BYTES, str(path))
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
