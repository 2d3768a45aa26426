"""How a data frame's columns are kept in PostgreSQL and read back as the GeoPackage store reads
them: integers, floats, booleans, text, dates and times (with their time zone), bytes; any other
value as text. Used by ``store_postgis``."""

from __future__ import annotations

import numpy as np
import pandas as pd

MAX_IDENTIFIER = 63  # bytes; PostgreSQL cuts longer names
_TEXT_DTYPE = pd.Series(["x"]).dtype  # what this pandas makes of text (str in pandas 3)


def columns_of(attrs: pd.DataFrame, reserved: tuple[str, ...] = ()) -> list[dict]:
    """How each column is kept: its original name, a PostgreSQL name (``c<i>`` when the name is
    one of ``reserved``, too long or not allowed), type and a kind that says how to read it back."""
    out, used = [], set(reserved)
    for i, name in enumerate(attrs.columns):
        column = str(name)
        if column in used or len(column.encode()) > MAX_IDENTIFIER or "\0" in column:
            column = f"c{i}"
            while column in used:
                column += "_"
        used.add(column)
        out.append({"name": str(name), "column": column, **_kind(attrs.iloc[:, i])})
    return out


def _kind(series: pd.Series) -> dict:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) and not series.isna().any():
        return {"kind": "bool", "sql_type": "boolean", "dtype": "bool", "tz": None}
    if pd.api.types.is_integer_dtype(dtype):
        numpy_dtype = np.dtype(str(dtype).lower())
        size = numpy_dtype.itemsize * (2 if numpy_dtype.kind == "u" else 1)  # unsigned: the next size up
        sql_type = {1: "smallint", 2: "smallint", 4: "integer", 8: "bigint"}.get(size, "numeric")
        return {"kind": "int", "sql_type": sql_type, "dtype": numpy_dtype.name, "tz": None}
    if pd.api.types.is_float_dtype(dtype):
        float_dtype = np.dtype(str(dtype).lower())
        return {"kind": "float", "sql_type": "real" if float_dtype.itemsize == 4 else "double precision",
                "dtype": float_dtype.name, "tz": None}
    if isinstance(dtype, pd.DatetimeTZDtype):
        return {"kind": "datetime", "sql_type": "timestamptz", "dtype": None, "tz": str(dtype.tz)}
    if pd.api.types.is_datetime64_dtype(dtype):
        return {"kind": "datetime", "sql_type": "timestamp", "dtype": None, "tz": None}
    inferred = pd.api.types.infer_dtype(series, skipna=True)  # what an object column holds
    kind, sql_type = {"boolean": ("object_bool", "boolean"), "date": ("date", "date"),
                      "bytes": ("bytes", "bytea")}.get(inferred, ("text", "text"))
    return {"kind": kind, "sql_type": sql_type, "dtype": None, "tz": None}


def to_sql(series: pd.Series, column: dict) -> list:
    """A column as Python values for COPY: None for every kind of missing value."""
    kind = column["kind"]
    if kind == "datetime":
        utc = series.dt.tz_convert("UTC") if column["tz"] else series
        return [None if pd.isna(v) else v.to_pydatetime() for v in utc]
    values = series.to_numpy(dtype=object).tolist()
    missing = pd.isna(series).tolist()
    if kind == "bool" or kind == "object_bool":
        return [None if m else bool(v) for v, m in zip(values, missing)]
    if kind == "int":
        return [None if m else int(v) for v, m in zip(values, missing)]
    if kind == "float":
        return [None if m else float(v) for v, m in zip(values, missing)]
    if kind == "text":
        if pd.api.types.is_string_dtype(series.dtype) and not isinstance(series.dtype, np.dtypes.ObjectDType):
            return [None if m else v for v, m in zip(values, missing)]  # text already
        return [None if m else (v if isinstance(v, str) else str(v)) for v, m in zip(values, missing)]
    return [None if m else v for v, m in zip(values, missing)]


def from_sql(values: list, column: dict) -> pd.Series:
    """A column read back as the GeoPackage store reads it (an int column with nulls: float)."""
    kind, dtype = column["kind"], column["dtype"]
    if kind in ("int", "float"):
        floats = kind == "float" or any(v is None for v in values)
        array = np.array([np.nan if v is None else v for v in values], dtype=object)
        return pd.Series(array, dtype=(dtype if kind == "float" else "float64") if floats else dtype)
    if kind == "bool":
        return pd.Series(values, dtype=bool)
    if kind == "text":
        return pd.Series(values, dtype=_TEXT_DTYPE)
    if kind == "datetime":
        stamps = pd.to_datetime(pd.Series(values, dtype=object), utc=column["tz"] is not None)
        if column["tz"]:
            return stamps.dt.tz_convert(column["tz"]).astype(f"datetime64[ms, {column['tz']}]")
        return stamps.astype("datetime64[ms]")
    return pd.Series(values, dtype=object)
