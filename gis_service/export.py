"""Downloads a Vietnamese GIS office can open: each layer, or the whole plan, as GeoPackage
(version 1.2, which QGIS 3.22 / GDAL 3.6 open without a warning), GeoJSON (the whole plan as
one FeatureCollection whose features say their ``layer``) or zipped Shapefile (.prj, UTF-8 .cpg,
explicit short ASCII field names and a mapping file), in the plan's VN-2000 TM-3 zone or in
WGS 84. Every file opens under its own name. No Flask here."""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from pathlib import Path

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


def export(store: Store, layer: str, fmt: str, crs: str = PLAN) -> tuple[bytes, str, str]:
    """The file for ``layer`` (a collection id, or 'plan' for the plan's layers) in ``fmt``,
    with its download file name and media type."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", field="format")
    frames = _frames(store, layer)
    deadline.check()
    target, tag = _target_crs(crs, next(iter(frames.values())).crs)
    frames = {name: f.to_crs(target) if f.crs is not None else f for name, f in frames.items()}
    ext, media = FORMATS[fmt]
    filename = f"nghia_trung_{layer}_{tag}.{ext}"
    with scratch_dir("export") as tmp:
        folder = tmp
        if fmt == "gpkg":
            data = _gpkg(frames, folder)
        elif fmt == "geojson":
            data = _geojson(one_collection(frames), folder / "layer.geojson", tag)
        else:
            data = _shapefiles(frames, folder, target)
    return data, filename, media


def _frames(store: Store, layer: str) -> dict[str, gpd.GeoDataFrame]:
    available = collections(store)
    if layer == PLAN:
        return {n: available[n].read() for n in PLAN_LAYERS if n in available}
    if layer not in available:
        raise NotFound(f"no layer {layer!r} to download; available: {PLAN}, {', '.join(available)}")
    return {layer: available[layer].read()}


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


def _gpkg(frames: dict[str, gpd.GeoDataFrame], folder: Path) -> bytes:
    path = folder / "data.gpkg"
    for name, frame in frames.items():
        first = not path.exists()
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", append=not first,
                                dataset_options=GPKG_OPTIONS if first else None,
                                promote_to_multi=is_polygonal(frame))
    return path.read_bytes()


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


def _geojson(frame: gpd.GeoDataFrame, path: Path, tag: str) -> bytes:
    # RFC 7946 for WGS 84; in VN-2000 GDAL writes the (pre-RFC) "crs" member that QGIS and GDAL read
    options = {"RFC7946": "YES"} if tag == "wgs84" else {}
    pyogrio.write_dataframe(frame, path, driver="GeoJSON", layer_options=options)
    return path.read_bytes()


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


def _shapefiles(frames: dict[str, gpd.GeoDataFrame], folder: Path, crs: str) -> bytes:
    files: dict[str, bytes] = {}
    rows = []
    for name, frame in frames.items():
        columns = [c for c in frame.columns if c != frame.geometry.name]
        mapping = shapefile_fields(columns)
        out = frame.rename(columns=mapping)
        for column in out.columns:
            if out[column].dtype == bool:
                out[column] = out[column].astype(int)
        pyogrio.write_dataframe(out, folder / f"{name}.shp", driver="ESRI Shapefile",
                                layer_options={"ENCODING": "UTF-8"}, promote_to_multi=is_polygonal(frame))
        for part in sorted(folder.glob(f"{name}.*")):
            files[part.name] = part.read_bytes()
        rows += [(name, short, full) for full, short in mapping.items()]
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["layer", "shapefile_field", "field"])
    writer.writerows(rows)
    files["fields.csv"] = table.getvalue().encode("utf-8")
    files["README.txt"] = README.format(crs=crs).encode("utf-8")
    return zip_bytes(files)


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()
