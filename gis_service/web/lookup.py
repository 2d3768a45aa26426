"""Tra cứu quy hoạch / plan lookup: which zone(s) a point lies in. No Flask here.

A point comes as lon/lat (WGS 84) or as VN-2000 TM-3 x/y in metres: x is the easting (E,
500 000 m false easting), y the northing (N), GIS order. Vietnamese survey sheets write X for
the northing; a pair that looks swapped is refused with a message saying so.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from ..crs import DONG_NAI_TM3, PLAN_CRSS, WGS84, transformer
from ..crsdomain import check_box
from ..errors import InputError
from ..l10n import number, plain_decimal
from .plandata import PlanData, ZoneSummary, provenance_json

#: the longest zone id or name a search takes
MAX_QUERY = 100


@dataclass(frozen=True)
class LookupPoint:
    x: float
    y: float
    crs: str  # EPSG:4326 (x = lon, y = lat) or a VN-2000 TM-3 zone


def parse_lookup(args, plan_crs: str = DONG_NAI_TM3) -> LookupPoint:
    """Parse query parameters: lon & lat, or x & y with an optional crs (default EPSG:5899).
    The point must lie where the plan's CRS is defined (its area of use): a point in another
    continent has no VN-2000 coordinates to look up."""
    has_lonlat = "lon" in args or "lat" in args
    has_xy = "x" in args or "y" in args
    if has_lonlat and has_xy:
        raise InputError("give lon/lat or x/y, not both", field="lon")
    if has_lonlat:
        lon, lat = _number(args, "lon"), _number(args, "lat")
        if not -180 <= lon <= 180:
            raise InputError(f"longitude {lon} is outside −180…180", field="lon")
        if not -90 <= lat <= 90:
            raise InputError(f"latitude {lat} is outside −90…90", field="lat")
        check_box((lon, lat, lon, lat), plan_crs, field="lon", order="lonlat")
        return LookupPoint(lon, lat, WGS84)
    if has_xy:
        crs = (args.get("crs") or DONG_NAI_TM3).strip().upper()
        if crs not in PLAN_CRSS:
            raise InputError(f"crs must be one of {', '.join(PLAN_CRSS)} for x/y, got {crs[:40]!r}",
                             field="crs")
        x, y = _number(args, "x"), _number(args, "y")
        if x > 1_000_000 and y < 1_000_000:
            raise InputError(f"x={x} looks like a northing and y={y} like an easting: x is the "
                             "easting (E), y the northing (N); swap them", field="x")
        check_box((x, y, x, y), crs, field="x", order="xy")
        return LookupPoint(x, y, crs)
    raise InputError("give lon and lat (WGS 84), or x and y (VN-2000, crs EPSG:5899 or EPSG:9212)",
                     field="lon")


def _number(args, name: str) -> float:
    raw = args.get(name)
    if raw is None or str(raw).strip() == "":
        raise InputError("is required", field=name)
    try:
        value = float(str(raw).replace(",", "."))
    except ValueError:
        raise InputError(f"must be a number, got {str(raw)[:40]!r}", field=name) from None
    if not math.isfinite(value):
        raise InputError(f"must be a finite number, got {str(raw)[:40]!r}", field=name)
    return value


def lookup(data: PlanData, point: LookupPoint) -> dict:
    """The zones that cover the point, with land-use code, official area and rule status."""
    plan_crs = data.plan.crs
    px, py = (point.x, point.y) if point.crs == plan_crs else \
        transformer(point.crs, plan_crs).transform(point.x, point.y)
    lon, lat = (point.x, point.y) if point.crs == WGS84 else \
        transformer(point.crs, WGS84).transform(point.x, point.y)
    where = shapely.Point(px, py)
    zones = data.zones
    hits = [str(i) for i in zones["id"][shapely.covers(zones.geometry.values, where)]]
    inside = bool(data.boundary.covers(where))
    found = [data.zone(i).to_json() for i in hits]
    if inside and not found:
        spec = data.plan.remaining
        found = [{"id": None, "kind": "remaining", "name_vi": spec.name_vi, "name_en": spec.name_en,
                  "landuse": ", ".join(spec.landuse), "area_ha": None, "status": None,
                  "rules": [], "passed": None, "illustrative": data.is_illustrative("remaining_land"),
                  "provenance": provenance_json(data.provenance)}]  # computed from the same zones
    return {
        "query": {"x": point.x, "y": point.y, "crs": point.crs},
        "lon": round(lon, 7), "lat": round(lat, 7),
        "plan_crs": plan_crs, "plan_x": round(px, 2), "plan_y": round(py, 2),
        "version": data.version,
        "inside_commune": inside,
        "zones": found,
        "message_vi": _message_vi(inside, found),
        "message_en": _message_en(inside, found),
    }


def _message_vi(inside: bool, found: list) -> str:
    if not inside:
        return "Điểm nằm ngoài ranh giới xã Nghĩa Trung"
    return "Điểm thuộc: " + "; ".join(f"{z['name_vi']}" + (f" ({z['id']})" if z["id"] else "")
                                      for z in found)


def _message_en(inside: bool, found: list) -> str:
    if not inside:
        return "The point is outside the Nghĩa Trung commune boundary"
    return "The point lies in: " + "; ".join(f"{z['name_en']}" + (f" ({z['id']})" if z["id"] else "")
                                             for z in found)


#: a search by id or name lists at most this many zones, and says how many match in all
MAX_MATCHES = 50


@dataclass(frozen=True)
class Matches:
    """The zones a search lists (at most ``MAX_MATCHES``, in the zones' order) and how many matched."""
    zones: list[ZoneSummary]
    total: int


@dataclass(frozen=True)
class FoldedColumn:
    """A text column folded once: each row's code into ``values``, its distinct folded texts (a
    name shared by a million parcels is folded and searched once)."""
    codes: np.ndarray
    values: pd.Series

    @classmethod
    def of(cls, column: pd.Series) -> "FoldedColumn":
        codes, uniques = pd.factorize(column.fillna("").astype(str), use_na_sentinel=False)
        return cls(codes, fold_all(pd.Series(uniques)))

    def rows_where(self, matched: np.ndarray) -> np.ndarray:
        """Which rows hold one of the distinct values ``matched`` (a boolean array over ``values``)."""
        return matched[self.codes]


@dataclass(frozen=True)
class ZoneIndex:
    """The zones' searchable texts, folded once per version (``PlanData.derived``): ids, names in
    either language, and the kinds' names."""
    ids: FoldedColumn
    names: tuple[FoldedColumn, ...]
    kinds: FoldedColumn

    @classmethod
    def of(cls, data: PlanData) -> "ZoneIndex":
        zones = data.zones
        kind_names = {k: f"{spec.name_vi}\n{spec.name_en}" for k, spec in data.plan.zone_kinds.items()}
        return cls(FoldedColumn.of(zones["id"]),
                   tuple(FoldedColumn.of(zones[c]) for c in ("name_vi", "name_en") if c in zones),
                   FoldedColumn.of(zones["kind"].map(kind_names)))

    def exact_id(self, wanted: str) -> np.ndarray:
        return self.ids.rows_where((self.ids.values == wanted).to_numpy(bool))

    def containing(self, wanted: str) -> np.ndarray:
        found = np.zeros(len(self.ids.codes), dtype=bool)
        for column in (self.ids, *self.names, self.kinds):
            found |= column.rows_where(column.values.str.contains(wanted, regex=False).to_numpy(bool))
        return found


def search_zones(data: PlanData, query: str, limit: int | None = None) -> Matches:
    """Zones whose id is the query, else whose name (either language), kind or id contains it;
    case and Vietnamese diacritics are ignored (``sau rieng`` finds ``sầu riêng``). Whole columns
    are compared at once (a million parcels: no summary of each); at most ``limit`` are listed."""
    wanted = folded(query)
    if not wanted:
        raise InputError("type a zone id or a part of its name / nhập mã hoặc tên vùng", field="q")
    index = data.derived("zone_index", lambda: ZoneIndex.of(data))
    rows = index.exact_id(wanted)
    if not rows.any():
        rows = index.containing(wanted)
    positions = np.flatnonzero(rows)
    shown = positions[:MAX_MATCHES if limit is None else limit]
    return Matches(data.zone_summaries_at(shown), len(positions))


def lookup_text(data: PlanData, text: str, crs: str = "") -> dict:
    """What one typed text asks for (the planner map's lookup box): two numbers are a point,
    longitude and latitude when they look like degrees, else VN-2000 x and y in ``crs``
    (default the plan's); anything else is a zone's id or name."""
    pair = parse_pair(text)
    if pair is None:
        return find_zones_json(data, text)
    a, b = pair
    looks_like_degrees = abs(a) <= 180 and abs(b) <= 90
    args = {"lon": a, "lat": b} if looks_like_degrees else {"x": a, "y": b, "crs": crs or data.plan.crs}
    try:
        point = parse_lookup(args, data.plan.crs)
    except InputError as err:  # the person typed one text: name it, and which number was wrong
        raise InputError(f"“{text.strip()[:40]}” read as {err.field} = {args[err.field]}: {err.message}"
                         if err.field in args else err.message, field="q") from None
    return lookup(data, point)


def parse_pair(text: str) -> tuple[float, float] | None:
    """Two numbers typed as one text, either way of writing numbers: '431104,79; 1294868,52',
    '1.294.868,52; 431.104,79', '107,05 11,80', '107.05, 11.8'; None when it is not two numbers."""
    parts = text.split(";") if ";" in text else re.split(r"\s*,\s+|\s+", text.strip())
    parts = [part.strip() for part in parts if part.strip()]
    if len(parts) != 2:
        return None
    try:
        a, b = (float(plain_decimal(part)) for part in parts)
    except ValueError:
        return None
    return a, b


def find_zones_json(data: PlanData, query: str) -> dict:
    """``search_zones`` as /lookup?q= answers it: the zones as the planner map's panel shows them,
    how many matched in all and how many are listed."""
    found = search_zones(data, query)
    vi, en = match_messages(query, found.total, len(found.zones))
    return {"query": {"q": query.strip()}, "version": data.version, "zones": [z.to_json() for z in found.zones],
            "total": found.total, "shown": len(found.zones), "message_vi": vi, "message_en": en}


def match_messages(query: str, count: int, shown: int | None = None) -> tuple[str, str]:
    """What a search by id or name says about its result, in Vietnamese and English: how many
    zones match and, when fewer are listed, how many are ('hiển thị 50/1.000.000')."""
    typed = query.strip()
    if not count:
        return f"Không tìm thấy vùng nào khớp với “{typed}”", f"No zone matches “{typed}”"
    vi, en = (f"Tìm thấy {number(count, 0)} vùng khớp với “{typed}”",
              f"{number(count, 0, 'en')} zone(s) match “{typed}”")
    if shown is not None and shown < count:
        vi += f"; hiển thị {number(shown, 0)}/{number(count, 0)} vùng đầu tiên"
        en += f"; the first {number(shown, 0, 'en')} of {number(count, 0, 'en')} shown"
    return vi, en


def folded(text: str) -> str:
    """Lower case without diacritics (đ → d), spaces collapsed: for matching what people type."""
    text = str(text).replace("đ", "d").replace("Đ", "D")
    plain = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return " ".join(plain.casefold().split())


def fold_all(texts: pd.Series) -> pd.Series:
    """``folded`` of each text: plain ASCII words (most ids) lower-cased at once, column-wise; the
    others (diacritics, spaces to collapse) one by one."""
    texts = texts.astype("string")
    plain = texts.str.isascii().to_numpy(bool)
    for space in " \t\n\r\x0b\x0c":
        plain &= ~texts.str.contains(space, regex=False).to_numpy(bool)
    out = texts.str.lower()
    out[~plain] = [folded(t) for t in texts[~plain]]
    return out
