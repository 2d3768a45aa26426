"""Downloads a Vietnamese GIS office can open: each layer, or the whole plan, as GeoPackage
(version 1.2, which QGIS 3.22 / GDAL 3.6 open without a warning), GeoJSON (the whole plan as
one FeatureCollection whose features say their ``layer``) or zipped Shapefile (.prj, UTF-8 .cpg,
explicit short ASCII field names and a mapping file), in the plan's VN-2000 TM-3 zone or in
WGS 84. Every file opens under its own name. No Flask here."""

from __future__ import annotations

import csv
import io
import itertools
import unicodedata
import zipfile
from pathlib import Path
from typing import Iterator

import geopandas as gpd
import pandas as pd
import pyogrio

from . import deadline
from .crs import PLAN_CRSS, WGS84
from .errors import InputError, NotFound
from .ogcapi.collections import PLAN_LAYERS, collections
from .scratch import scratch_dir
from .store import Store
from .store import is_polygonal

FORMATS = {"gpkg": ("gpkg", "application/geopackage+sqlite3"),
           "geojson": ("geojson", "application/geo+json"),
           "shp": ("shp.zip", "application/zip")}
PLAN = "plan"

#: Shapefile (dBASE) field names are at most 10 ASCII bytes. Our long names get these explicit
#: short names; any other field is folded to ASCII (đ → d, diacritics dropped) and cut to 10,
#: with a number added where two would collide. Every zip carries fields.csv with the mapping.
SHP_FIELDS = {
    "illustrative": "illustr",
    "area_km2_published": "area_km2",
    "population_published": "population",
    "admin_centre_address": "seat_addr",
    "formed_from": "formed_frm",
    "shared_border_m": "border_m",
    "message_vi": "msg_vi",
    "message_en": "msg_en",
    "geodesic_ha": "geod_ha",
    "source_file": "src_file",
    "imported_at": "imported",
    "max_width_m": "max_wid_m",
    "neighbour": "neighbour",
    "source_sha256": "src_sha256",
    "zones_version": "zones_ver",
    "decision_number": "decision",
    "decision_date": "dec_date",
    "issuing_body": "dec_body",
    "kind_target": "kind_tgt",
    "kind_area_ha": "kind_ha",
    "kind_passed": "kind_pass",
    "rules_failed": "rules_fail",
}
#: GeoPackage 1.2: GDAL 3.12 (the wheels) writes 1.4 by default, which GDAL 3.6 and QGIS 3.22
#: (common in offices) open with a warning
GPKG_OPTIONS = {"VERSION": "1.2"}
#: the property of the whole plan's GeoJSON that says which layer a feature belongs to
LAYER_FIELD = "layer"
README = """Dữ liệu xã Nghĩa Trung (Đồng Nai) / Nghĩa Trung commune (Đồng Nai) data
Hệ tọa độ / CRS: {crs} (xem tệp .prj / see the .prj file). Mã ký tự / encoding: UTF-8 (.cpg).
Tên trường Shapefile tối đa 10 ký tự: xem fields.csv để biết tên đầy đủ.
Shapefile field names are at most 10 characters: fields.csv maps them to the full names.
Văn bản dài hơn 254 ký tự bị cắt trong Shapefile; dùng GeoPackage để có bản đầy đủ.
Text longer than 254 bytes is cut in a Shapefile; use the GeoPackage for the full text.
"""


#: a layer with more features than this is read, converted and written this many at a time, so
#: a download of a million parcels never holds the whole layer in memory
EXPORT_ROWS = 50_000


def export(store: Store, layer: str, fmt: str, crs: str = PLAN) -> tuple[bytes, str, str]:
    """The file for ``layer`` (a collection id, or 'plan' for the plan's layers) in ``fmt``,
    with its download file name and media type."""
    with scratch_dir("export") as tmp:
        path, filename, media = export_file(store, layer, fmt, crs, tmp)
        return path.read_bytes(), filename, media


def export_file(store: Store, layer: str, fmt: str, crs: str, folder: Path) -> tuple[Path, str, str]:
    """Write the file for ``layer`` in ``fmt`` into ``folder`` (empty, this call's own); its path,
    download file name and media type. Large layers are written a slice at a time."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", field="format")
    sources = _sources(store, layer)
    deadline.check()
    target, tag = _target_crs(crs, _plan_crs(sources))
    frames = {name: _in_crs(chunks, target) for name, chunks in sources.items()}
    ext, media = FORMATS[fmt]
    filename = f"nghia_trung_{layer}_{tag}.{ext}"
    if fmt == "gpkg":
        path = _gpkg(frames, folder)
    elif fmt == "geojson":
        path = _geojson(frames, folder / "layer.geojson", tag)
    else:
        path = _shapefiles(frames, folder, target)
    return path, filename, media


def _sources(store: Store, layer: str) -> dict[str, "Chunks"]:
    available = collections(store)
    if layer == PLAN:
        return {n: Chunks(available[n]) for n in PLAN_LAYERS if n in available}
    if layer not in available:
        raise NotFound(f"no layer {layer!r} to download; available: {PLAN}, {', '.join(available)}")
    return {layer: Chunks(available[layer])}


class Chunks:
    """A collection's features as frames of at most EXPORT_ROWS (one frame when it is small)."""

    def __init__(self, collection) -> None:
        self.collection = collection
        self.large = collection.layer is not None and collection.layer.count > EXPORT_ROWS

    @property
    def crs(self):
        return self.collection.layer.crs if self.large else self.first().crs

    def first(self) -> gpd.GeoDataFrame:
        return next(iter(self))

    def __iter__(self) -> Iterator[gpd.GeoDataFrame]:
        if not self.large:
            yield self.collection.read()
            return
        for offset in range(0, self.collection.layer.count, EXPORT_ROWS):
            deadline.check()
            yield self.collection.layer.read(offset=offset, limit=EXPORT_ROWS)


def _plan_crs(sources: dict[str, Chunks]):
    from pyproj import CRS

    crs = next(iter(sources.values())).crs
    return None if crs is None else CRS.from_user_input(crs)


def _in_crs(chunks: Chunks, target: str) -> Iterator[gpd.GeoDataFrame]:
    for frame in chunks:
        yield frame.to_crs(target) if frame.crs is not None else frame


def canonical_crs(crs: str | None) -> str:
    """The CRS a download asks for, one spelling per choice: plan, wgs84, EPSG:5899, EPSG:9212."""
    choice = (crs or PLAN).strip()
    if choice.lower() == PLAN:
        return PLAN
    if choice.lower() in ("wgs84", "epsg:4326"):
        return "wgs84"
    if choice.upper() in PLAN_CRSS:
        return choice.upper()
    raise InputError(f"unknown CRS {crs!r}; use plan, wgs84 or one of {', '.join(PLAN_CRSS)}", field="crs")


def _target_crs(crs: str, plan_crs) -> tuple[str, str]:
    choice = (crs or PLAN).strip()
    if choice.lower() == PLAN:
        code = f"EPSG:{plan_crs.to_epsg()}"
        return code, f"vn2000_{plan_crs.to_epsg()}"
    if choice.lower() in ("wgs84", "epsg:4326"):
        return WGS84, "wgs84"
    if choice.upper() in PLAN_CRSS:
        return choice.upper(), f"vn2000_{choice.split(':')[1]}"
    raise InputError(f"unknown CRS {crs!r}; use plan, wgs84 or one of {', '.join(PLAN_CRSS)}", field="crs")


def _gpkg(frames: dict[str, Iterator[gpd.GeoDataFrame]], folder: Path) -> Path:
    path = folder / "data.gpkg"
    for name, chunks in frames.items():
        _write(chunks, path, name, "GPKG", {}, lambda first: GPKG_OPTIONS if not path.exists() else None)
    return path


def _write(chunks: Iterator[gpd.GeoDataFrame], path: Path, name: str | None, driver: str, options: dict,
           dataset_options=lambda first: None) -> None:
    """Write a layer's frames into ``path`` one after another (the first creates the layer)."""
    for i, frame in enumerate(chunks):
        pyogrio.write_dataframe(frame, path, layer=name, driver=driver, append=i > 0 or (
            driver == "GPKG" and path.exists()), layer_options=options if i == 0 else None,
            dataset_options=dataset_options(i == 0) if i == 0 else None,
            promote_to_multi=is_polygonal(frame))


def one_collection(frames: dict[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """One layer's frame as it is; several layers as one frame whose first column, ``layer``,
    names the layer each feature comes from (the other columns are the union of theirs)."""
    if len(frames) == 1:
        return next(iter(frames.values()))
    parts = [f.assign(**{LAYER_FIELD: name}) for name, f in frames.items()]
    whole = pd.concat(parts, ignore_index=True)
    columns = [LAYER_FIELD] + [c for c in whole.columns if c not in (LAYER_FIELD, whole.geometry.name)]
    for column in columns:  # a column some layers lack holds missing values: keep it writable
        if whole[column].dtype == object:
            whole[column] = whole[column].astype(object).where(whole[column].notna(), None)
    return gpd.GeoDataFrame(whole[columns + [whole.geometry.name]], geometry=whole.geometry.name,
                            crs=next(iter(frames.values())).crs)


def _in_columns(frame: gpd.GeoDataFrame, columns: list[str], like: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.reindex(columns=columns)
    for column in columns:
        if column != like.geometry.name and out[column].dtype == object:
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return gpd.GeoDataFrame(out, geometry=like.geometry.name, crs=frame.crs)


def _geojson(frames: dict[str, Iterator[gpd.GeoDataFrame]], path: Path, tag: str) -> Path:
    # RFC 7946 for WGS 84; in VN-2000 GDAL writes the (pre-RFC) "crs" member that QGIS and GDAL read
    options = {"RFC7946": "YES"} if tag == "wgs84" else {}
    iterators = {name: iter(chunks) for name, chunks in frames.items()}
    firsts = {name: next(it, None) for name, it in iterators.items()}
    seconds = {name: next(it, None) for name, it in iterators.items()}
    firsts = {name: frame for name, frame in firsts.items() if frame is not None}
    like = one_collection(firsts)
    if all(frame is None for frame in seconds.values()):  # every layer in one slice: as it always was
        pyogrio.write_dataframe(like, path, driver="GeoJSON", layer_options=options)
        return path
    columns = list(like.columns)

    like = like.iloc[:1_000].copy()  # the columns and their types, not a whole slice more

    def slices() -> Iterator[gpd.GeoDataFrame]:
        """Layer after layer, slice after slice, each in the columns of the whole plan's file
        (each slice let go once written)."""
        for name, it in iterators.items():
            for frame in itertools.chain([firsts.pop(name, None), seconds.pop(name)], it):
                if frame is not None:
                    yield frame if len(frames) == 1 else _in_columns(frame.assign(**{LAYER_FIELD: name}), columns, like)
    # GDAL's GeoJSON appends by reading the file again: stream every slice into one write
    _stream(like, slices(), path, "GeoJSON", options)
    return path


def _stream(like: gpd.GeoDataFrame, chunks: Iterator[gpd.GeoDataFrame], path: Path, driver: str,
            options: dict) -> None:
    """Write frames in ``like``'s columns and types as one layer through one GDAL write
    (pyogrio's Arrow stream): a slice in memory at a time. Polygons are written as one-part
    MultiPolygons, as ``promote_to_multi`` does."""
    import pyarrow as pa

    multi = is_polygonal(like)
    # GDAL writes a column of Python objects as text (True → 'True'): so do the slices
    texts = [c for c in like.columns if c != like.geometry.name and like[c].dtype == object]

    def table(frame: gpd.GeoDataFrame) -> pa.Table:
        frame = frame.assign(**{c: frame[c].map(_text, na_action="ignore").astype(object) for c in texts})
        if multi:
            frame = frame.set_geometry(_as_multi(frame.geometry.values), crs=frame.crs)
        return pa.table(frame.to_arrow(geometry_encoding="WKB"))

    schema = pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f
                        for f in table(like).schema]).remove_metadata()

    def batches() -> Iterator[pa.RecordBatch]:
        for frame in chunks:
            deadline.check()
            yield from table(frame).select(schema.names).cast(schema).to_batches()
    reader = pa.RecordBatchReader.from_batches(schema, batches())
    pyogrio.write_arrow(reader, path, driver=driver, geometry_name=like.geometry.name,
                        geometry_type="MultiPolygon" if multi else "Unknown",
                        crs=like.crs.to_wkt() if like.crs is not None else None, layer_options=options)


def _text(value) -> str:
    return value if isinstance(value, str) else str(value)


def _as_multi(geoms):
    import numpy as np
    import shapely

    single = np.flatnonzero(shapely.get_type_id(geoms) == shapely.GeometryType.POLYGON)
    out = np.asarray(geoms, dtype=object).copy()
    if len(single):
        out[single] = shapely.multipolygons(out[single], indices=np.arange(len(single)))
    return out


def shapefile_fields(columns) -> dict[str, str]:
    """Full field name → Shapefile field name (≤ 10 ASCII characters, unique, case-insensitive)."""
    out: dict[str, str] = {}
    for column in columns:
        short = SHP_FIELDS.get(column) or _ascii(column)[:10] or "field"
        base, n = short, 1
        while short.lower() in {v.lower() for v in out.values()}:
            n += 1
            short = f"{base[:10 - len(str(n))]}{n}"
        out[column] = short
    return out


def _ascii(name: str) -> str:
    folded = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    return "".join(c if c.isascii() and (c.isalnum() or c == "_") else "" for c in folded)


def _shapefiles(frames: dict[str, Iterator[gpd.GeoDataFrame]], folder: Path, crs: str) -> Path:
    parts = folder / "shp"
    parts.mkdir()
    rows = []
    for name, chunks in frames.items():
        mapping: dict[str, str] = {}

        def renamed(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
            if not mapping:
                mapping.update(shapefile_fields([c for c in frame.columns if c != frame.geometry.name]))
            out = frame.rename(columns=mapping)
            for column in out.columns:
                if out[column].dtype == bool:
                    out[column] = out[column].astype(int)
            return out
        _write(map(renamed, chunks), parts / f"{name}.shp", None, "ESRI Shapefile", {"ENCODING": "UTF-8"})
        rows += [(name, short, full) for full, short in mapping.items()]
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["layer", "shapefile_field", "field"])
    writer.writerows(rows)
    (parts / "fields.csv").write_text(table.getvalue(), encoding="utf-8")
    (parts / "README.txt").write_text(README.format(crs=crs), encoding="utf-8")
    path = folder / "data.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in [*frames, "fields.csv", "README.txt"]:
            for part in sorted(parts.glob(f"{name}.*")) if name in frames else [parts / name]:
                zf.write(part, part.name)
    return path


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()
