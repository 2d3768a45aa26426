"""The durian register (sổ vùng trồng sầu riêng): one row per plot with its owner, planting-area
code (mã số vùng trồng), the code's market and validity, certification, export standard and last
inspection. Read from GeoPackage, GeoJSON, zipped Shapefile or CSV (x/y in VN-2000, lon/lat, or
WKT polygons), checked row by row: the first bad row is named with its column.

Column names are at most 10 characters so that a Shapefile keeps them whole."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from .catalog import RegisterEntry, layer_path
from .errors import InputError
from .crsdomain import check_box
from .layerio import read_vector
from .scratch import scratch_dir
from .uploads import MAX_EXPANDED_BYTES, vector_source

#: column → (Vietnamese, English) label, in the order the register is written
COLUMNS = {
    "plot_id": ("Mã thửa", "Plot id"),
    "owner": ("Chủ thửa / HTX / doanh nghiệp", "Owner / cooperative / enterprise"),
    "owner_type": ("Loại chủ", "Owner type"),
    "code": ("Mã số vùng trồng", "Planting-area code"),
    "market": ("Thị trường của mã", "Market of the code"),
    "valid_from": ("Hiệu lực từ", "Valid from"),
    "valid_to": ("Hiệu lực đến", "Valid to"),
    "cert": ("Chứng nhận", "Certification"),
    "export": ("Đạt chuẩn xuất khẩu", "Meets the export standard"),
    "inspected": ("Kiểm tra gần nhất", "Last inspection"),
    "area_ha": ("Diện tích (ha)", "Area (ha)"),
}
DATE_COLUMNS = ("valid_from", "valid_to", "inspected")
OWNER_TYPES = {"household": ("hộ gia đình", "household"), "cooperative": ("HTX", "cooperative"),
               "enterprise": ("doanh nghiệp", "enterprise")}
_OWNER_ALIASES = {"ho": "household", "hộ": "household", "hộ gia đình": "household", "htx": "cooperative",
                  "hợp tác xã": "cooperative", "doanh nghiệp": "enterprise", "dn": "enterprise"}
CERTS = {"vietgap": "VietGAP", "globalgap": "GlobalGAP", "none": "none", "không": "none", "": "none"}
_YES = {"yes", "true", "1", "có", "co", "y"}
_NO = {"no", "false", "0", "không", "khong", "n", ""}
#: plot status on a reference date, with its map colour and bilingual label
STATUSES = {
    "export": ("#1a7f37", "Có mã, đạt chuẩn xuất khẩu", "Coded, meets the export standard"),
    "coded": ("#7fc97f", "Có mã còn hiệu lực", "Valid code"),
    "expired": ("#f0a30a", "Mã hết hạn hoặc chưa hiệu lực", "Code expired or not yet valid"),
    "none": ("#d7191c", "Chưa có mã", "No code"),
}


def read_register(path: Path, entry: RegisterEntry | None, target_crs, *,
                  assume_crs: str | None = None) -> gpd.GeoDataFrame:
    """Read and check a register file; return it in ``target_crs`` with its columns normalised
    (dates as ISO text, export as bool, area_ha planar for polygons)."""
    path = Path(path)
    name = str(path)
    if path.suffix.lower() == ".csv":
        frame, labels = _read_csv(path, assume_crs or (entry.crs if entry else None))
    else:
        with scratch_dir("register") as tmp:
            source, label = vector_source(path, tmp, MAX_EXPANDED_BYTES, name)
            frame = read_vector(source, layer=entry.layer if entry and entry.layer else None,
                                assume_crs=assume_crs or (entry.crs if entry else None), label=label,
                                expect=("polygon", "point"))
        labels = [_feature(frame, i) for i in range(len(frame))]
    frame = frame.reset_index(drop=True)
    _check_geometry(frame, labels, name)
    frame = frame.to_crs(target_crs)
    return _normalise(frame, labels, name)


def _feature(frame: pd.DataFrame, i: int) -> str:
    value = frame["plot_id"].iloc[i] if "plot_id" in frame.columns else None
    return f"'{value}' (#{i + 1})" if isinstance(value, str) and value else f"#{i + 1}"


def _read_csv(path: Path, assume_crs: str | None) -> tuple[gpd.GeoDataFrame, list[str]]:
    """A CSV with x/y (VN-2000, --crs), lon/lat (WGS 84) or wkt (polygons or points, --crs)."""
    name = str(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot be read as UTF-8 CSV: {str(exc).splitlines()[0]}", file=name) from None
    table.columns = [c.strip() for c in table.columns]
    if table.empty:
        raise InputError("the CSV has no rows", file=name)
    labels = [f"row {i + 1} (line {i + 2})" for i in range(len(table))]
    cols = set(table.columns)
    if "wkt" in cols:
        geometry, crs, used = _wkt(table, labels, name), _csv_crs(assume_crs, name, "wkt"), ["wkt"]
    elif {"lon", "lat"} <= cols:
        geometry, crs, used = _points(table, ("lon", "lat"), labels, name), "EPSG:4326", ["lon", "lat"]
    elif {"x", "y"} <= cols:
        geometry, crs, used = _points(table, ("x", "y"), labels, name), _csv_crs(assume_crs, name, "x"), ["x", "y"]
    else:
        raise InputError("the CSV needs a geometry: columns x and y (VN-2000 metres), lon and lat "
                         "(WGS 84 degrees), or wkt", file=name, field="x, y | lon, lat | wkt")
    frame = gpd.GeoDataFrame(table.drop(columns=used), geometry=geometry, crs=crs)
    _check_area_of_use(frame, labels, name, used[0])
    return frame, labels


def _csv_crs(assume_crs: str | None, name: str, field: str) -> str:
    if not assume_crs:
        raise InputError("projected coordinates need their CRS: give --crs EPSG:5899 or EPSG:9212 "
                         "(VN-2000 TM-3)", file=name, field=field)
    try:
        CRS.from_user_input(assume_crs)
    except CRSError:
        raise InputError(f"unknown coordinate reference system {assume_crs!r}", file=name, field="crs") from None
    return assume_crs


def _points(table: pd.DataFrame, columns: tuple[str, str], labels: list[str], name: str) -> np.ndarray:
    values = {}
    for col in columns:
        numbers = pd.to_numeric(table[col].str.strip().str.replace(",", ".", regex=False), errors="coerce")
        bad = np.flatnonzero(numbers.isna().to_numpy())
        if len(bad):
            raise InputError(f"not a number: {table[col].iloc[bad[0]]!r}", file=name,
                             feature=labels[bad[0]], field=col)
        values[col] = numbers.to_numpy(dtype=float)
    return shapely.points(values[columns[0]], values[columns[1]])


def _wkt(table: pd.DataFrame, labels: list[str], name: str) -> np.ndarray:
    geoms = shapely.from_wkt(table["wkt"].to_numpy(dtype=object), on_invalid="ignore")
    bad = np.flatnonzero(pd.isna(geoms) | (table["wkt"].str.strip() == "").to_numpy())
    if len(bad):
        raise InputError(f"not valid WKT: {table['wkt'].iloc[bad[0]][:60]!r}", file=name,
                         feature=labels[bad[0]], field="wkt")
    return geoms


def _check_area_of_use(frame: gpd.GeoDataFrame, labels: list[str], name: str, field: str) -> None:
    """Coordinates outside the CRS's area of use mean the wrong CRS or swapped columns."""
    for i, box in enumerate(shapely.bounds(frame.geometry.values)):
        check_box(tuple(box), frame.crs, field=field, file=name, feature=labels[i], order="xy")


def _check_geometry(frame: gpd.GeoDataFrame, labels: list[str], name: str) -> None:
    types = frame.geometry.geom_type.to_numpy()
    bad = np.flatnonzero(~np.isin(types, ["Polygon", "MultiPolygon", "Point"]))
    if len(bad):
        raise InputError(f"a plot is a polygon or a point, got {types[bad[0]]}", file=name,
                         feature=labels[bad[0]], field="geometry")
    invalid = np.flatnonzero(~shapely.is_valid(frame.geometry.values))
    if len(invalid):
        i = invalid[0]
        raise InputError(f"invalid polygon: {shapely.is_valid_reason(frame.geometry.values[i])}",
                         file=name, feature=labels[i], field="geometry")


def _normalise(frame: gpd.GeoDataFrame, labels: list[str], name: str) -> gpd.GeoDataFrame:
    for col in ("plot_id", "owner", "code", "cert", "export"):
        if col not in frame.columns:
            raise InputError("required column is missing", file=name, field=col)
    text = {c: _texts(frame[c]) if c in frame.columns else [""] * len(frame)
            for c in ("plot_id", "owner", "owner_type", "code", "market", "cert")}
    out: dict[str, list] = {c: [] for c in COLUMNS}
    seen: set[str] = set()
    is_point = (frame.geometry.geom_type == "Point").to_numpy()
    planar = shapely.area(frame.geometry.values) / 10_000
    areas = _numbers(frame, "area_ha", labels, name)
    for i, label in enumerate(labels):
        def bad(field: str, message: str):
            return InputError(message, file=name, feature=label, field=field)
        plot_id, owner, code = text["plot_id"][i], text["owner"][i], text["code"][i]
        if not plot_id:
            raise bad("plot_id", "a plot needs its id")
        if plot_id in seen:
            raise bad("plot_id", f"plot id {plot_id!r} is used twice")
        seen.add(plot_id)
        if not owner:
            raise bad("owner", "a plot needs its owner, cooperative (HTX) or enterprise")
        owner_type = _OWNER_ALIASES.get(text["owner_type"][i].lower(), text["owner_type"][i].lower() or "household")
        if owner_type not in OWNER_TYPES:
            raise bad("owner_type", f"must be one of {', '.join(OWNER_TYPES)} (or hộ, HTX, doanh nghiệp), "
                                    f"got {text['owner_type'][i]!r}")
        cert = CERTS.get(text["cert"][i].lower().replace(" ", ""))
        if cert is None:
            raise bad("cert", f"must be VietGAP, GlobalGAP or none, got {text['cert'][i]!r}")
        dates = {c: _date(frame[c].iloc[i] if c in frame.columns else None, bad, c) for c in DATE_COLUMNS}
        if code and (dates["valid_from"] is None or dates["valid_to"] is None):
            raise bad("valid_to" if dates["valid_from"] else "valid_from",
                      f"code {code!r} needs its validity dates (valid_from, valid_to)")
        if code and dates["valid_from"] > dates["valid_to"]:
            raise bad("valid_to", "the code's validity ends before it starts")
        if is_point[i]:
            if not areas[i] > 0:
                raise bad("area_ha", "a plot given as a point needs its area in hectares (area_ha > 0)")
            area = float(areas[i])
        else:
            area = float(planar[i])
        for col, value in (("plot_id", plot_id), ("owner", owner), ("owner_type", owner_type),
                           ("code", code), ("market", text["market"][i] if code else ""),
                           ("cert", cert), ("export", _yes_no(frame["export"].iloc[i], bad)),
                           ("area_ha", round(area, 6))):
            out[col].append(value)
        for col, day in dates.items():
            out[col].append(day.isoformat() if day else "")
    result = gpd.GeoDataFrame(out, geometry=frame.geometry.values, crs=frame.crs)
    illustrative = frame["illustrative"] if "illustrative" in frame.columns else False
    result["illustrative"] = pd.Series(illustrative, index=result.index).astype(str).str.lower().isin(
        _YES - {""})
    return result


def _texts(column: pd.Series) -> list[str]:
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip() for v in column]


def _numbers(frame: pd.DataFrame, col: str, labels: list[str], name: str) -> np.ndarray:
    if col not in frame.columns:
        return np.full(len(frame), np.nan)
    raw = frame[col].astype(str).str.strip().str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(raw.replace({"": None, "None": None, "nan": None}), errors="coerce")
    bad = np.flatnonzero(numbers.isna().to_numpy() & ~raw.isin(["", "None", "nan"]).to_numpy())
    if len(bad):
        raise InputError(f"not a number: {frame[col].iloc[bad[0]]!r}", file=name, feature=labels[bad[0]],
                         field=col)
    return numbers.to_numpy(dtype=float)


def _date(value, bad, field: str) -> date | None:
    """ISO 2026-11-23 or Vietnamese 23/11/2026; empty is None."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise bad(field, f"not a date (use 2026-11-23 or 23/11/2026): {text!r}")


def _yes_no(value, bad) -> bool:
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise bad("export", f"must be yes or no (có / không), got {value!r}")


def to_date(text: str) -> date | None:
    """An ISO date as stored in the register ('' → None)."""
    return date.fromisoformat(text) if isinstance(text, str) and text else None


def plot_status(plots: pd.DataFrame, on: date) -> np.ndarray:
    """Each plot's status on ``on``: 'export' (valid code, export standard met), 'coded' (valid
    code), 'expired' (a code not valid on that day: past its end or before its start), 'none'."""
    day = on.isoformat()  # ISO text compares in date order
    coded = plots["code"].fillna("").astype(str).str.len().to_numpy() > 0
    start, end = plots["valid_from"].fillna("").astype(str), plots["valid_to"].fillna("").astype(str)
    valid = coded & (start <= day).to_numpy() & (end >= day).to_numpy()
    export = plots["export"].astype(bool).to_numpy()
    return np.where(~coded, "none", np.where(~valid, "expired", np.where(export, "export", "coded")))


def register_layers(catalog, base: Path, crs, progress=None) -> dict[str, gpd.GeoDataFrame]:
    """Each register of the catalog, read and checked, by name (for the build)."""
    out = {}
    for entry in catalog.registers:
        if progress:
            progress(f"sổ / register {entry.name} ← {entry.file}")
        frame = read_register(layer_path(entry, base), entry, crs)  # inside layers/ only
        frame["illustrative"] = frame["illustrative"] | entry.illustrative
        out[entry.name] = frame
    return out


def entry_type(entry) -> str:
    """What kind of catalog entry: 'layer', 'register' or 'raster'."""
    from .catalog import RasterEntry

    return "register" if isinstance(entry, RegisterEntry) else "raster" if isinstance(entry, RasterEntry) \
        else "layer"
