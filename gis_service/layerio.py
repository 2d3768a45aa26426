"""Reading vector files of the formats GDAL reads, with errors that name the file, feature and
field. What is not a vector layer is refused by its name before GDAL opens it (a CSV table, a
Shapefile without its .dbf); what GDAL reads is checked before it is used (geomcheck)."""

from __future__ import annotations

import hashlib
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyarrow import ArrowException
from pyproj import CRS
from pyproj.exceptions import CRSError

from .errors import InputError
from .geomcheck import MEASURES_DROPPED, check_area_of_use, check_geometries, feature_label

#: the vector formats a layer may come in, by the file's suffix (.zip: see uploads.vector_source)
VECTOR_SUFFIXES = {".gpkg": "GeoPackage", ".geojson": "GeoJSON", ".json": "GeoJSON",
                   ".shp": "Shapefile", ".fgb": "FlatGeobuf", ".gml": "GML", ".kml": "KML",
                   ".sqlite": "SQLite", ".tab": "MapInfo TAB", ".mif": "MapInfo MIF"}
#: files people send in their place, and what to say
NOT_LAYERS = {".csv": "a CSV table has no geometry GDAL can trust; export the layer as GeoPackage",
              ".txt": "a text file", ".xlsx": "a spreadsheet", ".xls": "a spreadsheet",
              ".dbf": "the attribute table of a Shapefile alone; send the .shp with its .shx, .dbf, .prj",
              ".shx": "the index of a Shapefile alone; send the .shp with its .shx, .dbf, .prj",
              ".prj": "the CRS of a Shapefile alone", ".pdf": "a document", ".dwg": "a CAD drawing",
              ".dxf": "a CAD drawing; export the layer as GeoPackage or Shapefile from the CAD program",
              ".tif": "a raster image", ".tiff": "a raster image", ".png": "an image", ".jpg": "an image"}
SHAPEFILE_PARTS = {".shx": "chỉ mục / index", ".dbf": "bảng thuộc tính / attribute table"}
ACCEPTED = ", ".join(sorted(set(VECTOR_SUFFIXES)))
#: C1 control characters: text decoded with the wrong code page
_GARBLED = re.compile("[\u0080-\u009f]")


def read_vector(path: Path | str, *, layer: str | None = None, assume_crs: str | None = None,
                target_crs=None, label: str | None = None, notes: list[str] | None = None,
                expect: str | tuple[str, ...] | None = None) -> gpd.GeoDataFrame:
    """Read one vector layer, check it, reproject it to ``target_crs``.

    ``label`` names the file in messages (an upload's own name, not our temporary copy);
    ``notes`` receives what was changed without refusing (Z and M dropped); ``expect`` is the
    geometry family the layer must hold. A layer with no CRS is refused unless ``assume_crs``
    names it."""
    path = Path(path)
    label = label or str(path)
    notes = notes if notes is not None else []
    check_vector_file(path, label)
    gdf = _read(path, layer, label, notes)
    if gdf.crs is None:
        if not assume_crs:
            raise InputError("lớp không có hệ tọa độ / the layer has no coordinate reference system; name it "
                             "(e.g. crs: EPSG:9212 in the catalog, or --crs)", file=label, field="crs")
        try:
            gdf = gdf.set_crs(assume_crs)
        except CRSError:
            raise InputError(f"hệ tọa độ không rõ / unknown coordinate reference system {assume_crs!r}", file=label,
                             field="crs") from None
    _check_text(gdf, path, label)
    gdf = check_geometries(gdf, label, notes, expect)
    if target_crs is not None and not CRS.from_user_input(target_crs).equals(gdf.crs):
        gdf = gdf.to_crs(target_crs)
        check_area_of_use(gdf, label, what=" (sau khi chuyển sang hệ tọa độ của quy hoạch / once "
                                           "reprojected to the plan's CRS)")
    return gdf


def check_vector_file(path: Path, label: str) -> None:
    """A file GDAL may open as a layer: it exists, its suffix is a vector format, a Shapefile has
    its index and attribute table beside it."""
    if not path.is_file():
        raise InputError("không tìm thấy tệp / file not found", file=label)
    suffix = path.suffix.lower()
    if suffix in NOT_LAYERS:
        raise InputError(f"không phải lớp bản đồ / not a vector layer: {NOT_LAYERS[suffix]}; accepted: "
                         f"{ACCEPTED} (or a .zip of one)", file=label)
    if suffix not in VECTOR_SUFFIXES:
        raise InputError(f"định dạng {suffix or '(không có đuôi)'} không được nhận / the file type "
                         f"{suffix or '(no suffix)'} is not accepted; accepted: {ACCEPTED} (or a .zip of one)",
                         file=label)
    if suffix == ".shp":
        present = {p.suffix.lower() for p in path.parent.glob(path.stem + ".*") if p.stem == path.stem}
        for part, what in SHAPEFILE_PARTS.items():
            if part not in present:
                raise InputError(f"Shapefile thiếu tệp {path.stem}{part} ({what}) / the Shapefile has no "
                                 f"{path.stem}{part} beside it: send the .shp, .shx, .dbf and .prj together",
                                 file=label)


def file_sha256(path: Path | str) -> str:
    """The checksum of a file as delivered, kept with the version it made ('' if not a file)."""
    path = Path(path)
    if not path.is_file():
        return ""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _read(path: Path, layer: str | None, label: str, notes: list[str]) -> gpd.GeoDataFrame:
    # through Arrow (fast on large layers) unless a Shapefile does not say its encoding: then GDAL
    # must decode its .dbf (as Latin-1), or Arrow meets bytes that are not UTF-8
    arrow = not (path.suffix.lower() == ".shp" and not _has_cpg(path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            gdf = gpd.read_file(path, layer=layer, engine="pyogrio", use_arrow=arrow)
        except UnicodeDecodeError:
            raise InputError("chữ không phải UTF-8 (bảng mã cũ?) / the text is not UTF-8 (a legacy "
                             "encoding such as Windows-1258, TCVN3 or VNI?): save the file as UTF-8",
                             file=label) from None
        except Exception as exc:  # GDAL's own message says what is broken
            raise InputError(f"không đọc được / cannot be read as a vector layer: {_first_line(exc, path, label)}",
                             file=label) from None
    if any("Measured (M)" in str(w.message) for w in caught):  # without Arrow GDAL drops them
        notes.append(MEASURES_DROPPED.format(label=label))
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError("lớp không có cột hình học (một bảng?) / the layer has no geometry column "
                         "(a table?)", file=label, field="geometry")
    if len(gdf) == 0:
        raise InputError("lớp rỗng / the layer is empty (no features)", file=label)
    return gdf


def _check_text(gdf: gpd.GeoDataFrame, path: Path, label: str) -> None:
    """Vietnamese text survives only a known encoding: a Shapefile's .dbf with text beyond ASCII
    needs a .cpg naming its code page (GDAL would read it as Latin-1), and text holding C1
    control characters was decoded with the wrong one."""
    text = gdf.select_dtypes(include=["object", "string"]).drop(columns=gdf.geometry.name, errors="ignore")
    has_cpg = _has_cpg(path)
    for column in text.columns:
        try:
            # each distinct value once, in the order of first appearance (a million parcels repeat
            # their kinds and sources): the first bad value's first row is the first bad feature
            values = pd.Series(text[column].unique(), dtype=object).fillna("").astype(str)
        except (UnicodeDecodeError, ArrowException):
            raise InputError("chữ không phải UTF-8 (bảng mã cũ?) / the text is not UTF-8 (a legacy "
                             "encoding such as Windows-1258, TCVN3 or VNI?): save the file as UTF-8",
                             file=label, field=str(column)) from None
        if path.suffix.lower() == ".shp" and not has_cpg:
            bad = values.map(lambda v: not v.isascii()).to_numpy()
            why = ("chữ ngoài ASCII nhưng thiếu tệp .cpg khai báo bảng mã / non-ASCII text but no .cpg "
                   f"names its encoding: add {path.stem}.cpg holding UTF-8 (or 1258 for Windows-1258); "
                   "convert TCVN3/VNI text to Unicode first")
        else:
            bad = values.str.contains(_GARBLED).to_numpy()
            why = "chữ bị lỗi bảng mã / the text is garbled (decoded with the wrong code page)"
        found = np.flatnonzero(bad)
        if len(found):
            value = values.iloc[int(found[0])]
            every = pd.Series(text[column].to_numpy(dtype=object), dtype=object).fillna("").astype(str)
            row = int(np.flatnonzero(every.to_numpy() == value)[0])
            raise InputError(f"{why}: {value[:60]!r}", file=label, feature=feature_label(gdf, row),
                             field=str(column))


#: GDAL's words for a damaged file, and what to tell the user
_GDAL_SAYS = {
    "not recognized as being in a supported file format":
        "không nhận ra định dạng (tệp hỏng, rỗng hoặc không đúng loại) / not recognized as a vector "
        "format (damaged, empty, or not what its name says)",
    "database disk image is malformed": "GeoPackage bị hỏng (bị cắt?) / the GeoPackage is damaged (cut short?)",
    "file is not a database": "GeoPackage bị hỏng / the GeoPackage is damaged",
}


def _has_cpg(path: Path) -> bool:
    """Whether a Shapefile has the .cpg that names its text encoding."""
    return any(p.suffix.lower() == ".cpg" for p in path.parent.glob(path.stem + ".*") if p.stem == path.stem)


def _first_line(exc: Exception, path: Path, label: str) -> str:
    """What GDAL said, in words for the user; otherwise its first line, with our copy's path
    replaced by the name the user knows."""
    text = str(exc).strip()
    for words, meaning in _GDAL_SAYS.items():
        if words in text:
            return meaning
    first = text.splitlines()[0] if text else type(exc).__name__
    return first.replace(str(path), label)


__all__ = ["ACCEPTED", "VECTOR_SUFFIXES", "check_vector_file", "feature_label", "file_sha256", "read_vector"]
