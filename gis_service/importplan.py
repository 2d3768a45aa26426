"""Reading a zoning plan drafted elsewhere into our zones schema: the core of
``gis-service import-plan FILE [--layer L] [--mapping MAPPING.yaml]``. No Flask, no store writes.

Consultants send GeoPackage, zipped Shapefile, GeoJSON, KML or AutoCAD DXF with their own columns
and values. A mapping file (:class:`Mapping`; every field is shown in the commented examples
``layers/mappings/example_mapping.yaml`` and ``example_dxf.yaml``) says which column holds what.
Without one, the file must already be in our schema (``zones.REQUIRED_FIELDS``).

- id: from the DXF text label inside the outline (``id_labels``), else ``columns.id``, else
  ``id_template``. Features with the same id and the same attributes are one zone (pieces united).
- kind: ``kinds`` maps the file's value (a DXF's is its ``Layer``) to our zone kind; null skips
  those features; a value that is already one of our kinds passes; any other is refused, listed.
- a field with no column, or an empty cell, takes ``defaults``, else the plan's zone-kind names
  and land-use codes; status 'draft'; source 'imported from <file>'.
- DXF: closed polylines (and circles) become polygons; HATCH polygons are kept, and dropped when
  they repeat an outline; a ring inside another on the same layer is a hole (even-odd rule);
  open lines, texts and points are dropped. Z coordinates are dropped. Each step leaves a note.
"""

from __future__ import annotations

import hashlib
import re
import string
import tempfile
import unicodedata
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pydantic import PrivateAttr
from pyproj import CRS
from pyproj.exceptions import CRSError

from . import vnencoding as vn
from .config import Strict, load_yaml
from .errors import InputError
from .geomcheck import check_vertices
from .plan import Plan
from .scratch import scratch_dir
from .uploads import extract_zip
from .zones import REQUIRED_FIELDS, STATUSES, check_zone_attributes

DATASET_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".kml", ".kmz", ".dxf")
MAX_UNZIPPED_BYTES = 1 << 30


class Columns(Strict):
    """Our field: the file's column that holds it (None: no such column)."""
    id: str | None = None
    kind: str | None = None  # DXF: Layer
    name_vi: str | None = None
    name_en: str | None = None
    landuse: str | None = None
    status: str | None = None
    source: str | None = None
    illustrative: str | None = None


class Defaults(Strict):
    """Values for a field with no column, or for an empty cell."""
    kind: str | None = None
    name_vi: str | None = None
    name_en: str | None = None
    landuse: str | None = None
    status: Literal[STATUSES] | None = None  # type: ignore[valid-type]
    source: str | None = None
    illustrative: bool = False


class Mapping(Strict):
    """How a consultant's file maps to our zones schema."""
    layer: str | None = None  # the layer to read when the file has several (--layer wins)
    encoding: Literal[vn.ENCODINGS] | None = None  # type: ignore[valid-type]  # DBF text; see vnencoding
    crs: str | None = None  # assumed when the file has none (a DXF never has one)
    columns: Columns = Columns()
    kinds: dict[str, str | None] = {}  # the file's kind value: our zone kind, or null to skip
    id_template: str | None = None  # "{value}-{n:02d}": {value} the file's kind value, {kind} ours,
    #                                 {n} 1, 2, … per id prefix (the template without {n}), file order
    id_labels: str | None = None  # DXF: the layer of TEXT labels; an outline's id is the label inside
    defaults: Defaults = Defaults()
    _file: str = PrivateAttr(default="(mapping)")

    @property
    def file(self) -> str:
        return self._file


@dataclass(frozen=True)
class ImportedPlan:
    zones: gpd.GeoDataFrame  # REQUIRED_FIELDS + geometry in the plan CRS; passes check_zone_attributes
    notes: list[str] = field(default_factory=list)  # what was converted, dropped or assumed
    source_file: str = ""  # the file's name as delivered
    sha256: str = ""  # of the file as delivered (the .zip, not what it holds)


def load_mapping(path: Path | str) -> Mapping:
    """Load and check a mapping file; errors name the file and the field."""
    mapping = load_yaml(Path(path), Mapping)
    mapping._file = str(path)
    if mapping.id_template is not None:
        check_id_template(mapping.id_template, str(path))
    return mapping


#: a field's format: an alignment and a width below 100, for a number optionally zero-padded ("02d")
_TEMPLATE_SPEC = re.compile(r"[<>^]?0?\d{0,2}d?")


def check_id_template(template: str, file: str) -> None:
    """Only {value}, {kind} and {n}, each with at most a small width ({n:02d}): no attribute or
    index ({value.x}, {value[0]}), no conversion, no nested field, no width that would build a
    gigabyte-long id ({n:999999999})."""
    def refuse(why: str) -> InputError:
        return InputError(f"mẫu mã chỉ dùng {{value}}, {{kind}}, {{n}} / the template may use only "
                          f"{{value}}, {{kind}} and {{n}} (e.g. {{value}}-{{n:02d}}): {why}", file=file,
                          field="id_template")
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(template)
                  if name is not None]
    except ValueError as exc:
        raise refuse(str(exc)) from None
    for name, spec, conversion in fields:
        if name not in ("value", "kind", "n") or conversion is not None:
            raise refuse(f"{{{name}{'!' + conversion if conversion else ''}}}"[:60])
        if not _TEMPLATE_SPEC.fullmatch(spec) or (spec.endswith("d") and name != "n"):
            raise refuse(f"{{{name}:{spec}}}"[:60])


def read_plan_file(path: Path | str, *, plan: Plan, layer: str | None = None, mapping: Mapping | None = None,
                   work_dir: Path | None = None, max_unzipped_bytes: int = MAX_UNZIPPED_BYTES) -> ImportedPlan:
    """Read a draft zoning plan (GeoPackage, GeoJSON, KML/KMZ, DXF, Shapefile or a .zip holding
    one of them) into our zones schema, reprojected to the plan CRS. A .zip is unpacked safely
    into ``work_dir`` (a temporary folder when None). Every error is an InputError naming the file,
    the feature and the field."""
    path = Path(path)
    if not path.is_file():
        raise InputError("không tìm thấy tệp / file not found", file=str(path))
    label, notes = path.name, []
    _check_mapping(mapping, plan)
    with _workspace(work_dir) as work:
        dataset = _dataset(path, work, label, max_unzipped_bytes)
        gdf = _read_layer(dataset, layer or (mapping.layer if mapping else None), mapping, label, notes)
    check_vertices(gdf[gdf.geometry.notna()], label)  # before any reprojection: NaN, 1e6 vertices
    gdf = _with_crs(gdf, mapping, label)
    if gdf.has_z.any():
        gdf = gdf.set_geometry(shapely.force_2d(gdf.geometry.values), crs=gdf.crs)
        notes.append("đã bỏ tọa độ Z / Z coordinates dropped")
    is_dxf = dataset.suffix.lower() == ".dxf"
    gdf, labels = _dxf_polygons(gdf, mapping, notes) if is_dxf else (_polygonal_parts(gdf), None)
    zones = _attributes(gdf, mapping or _identity(gdf, label), plan, label, labels, notes, fill=mapping is not None)
    zones = _group_pieces(zones, notes).to_crs(plan.crs)
    check_zone_attributes(zones, plan.zone_kinds, label)
    return ImportedPlan(zones, notes, label, _sha256(path))


# --- the file ---------------------------------------------------------------------------------

@contextmanager
def _workspace(work_dir: Path | None) -> Iterator[Path]:
    if work_dir is None:
        with scratch_dir("plan") as tmp:
            yield tmp
    else:
        Path(work_dir).mkdir(parents=True, exist_ok=True)
        yield Path(tempfile.mkdtemp(prefix="import-plan-", dir=work_dir))


def _dataset(path: Path, work: Path, label: str, max_bytes: int) -> Path:
    suffix = path.suffix.lower()
    if suffix in DATASET_SUFFIXES:
        return path
    if suffix != ".zip":
        raise InputError(f"định dạng không hỗ trợ / unsupported format {suffix!r}; send one of "
                         f"{', '.join(DATASET_SUFFIXES + ('.zip',))}", file=label, field="file")
    extract_zip(path, work / "unzipped", max_bytes, label=label)
    found = sorted(p for p in (work / "unzipped").rglob("*") if p.suffix.lower() in DATASET_SUFFIXES
                   and not any(part.startswith((".", "__MACOSX")) for part in p.parts[len(work.parts):]))
    if len(found) != 1:
        raise InputError(f"tệp nén phải chứa đúng một lớp dữ liệu, có {len(found)} / the archive must hold "
                         f"exactly one vector dataset, found {len(found)}: {', '.join(p.name for p in found) or '-'}",
                         file=label, field="file")
    return found[0]


def _read_layer(dataset: Path, layer: str | None, mapping: Mapping | None, label: str,
                notes: list[str]) -> gpd.GeoDataFrame:
    try:
        names = [str(n) for n in pyogrio.list_layers(dataset)[:, 0]]
    except Exception as exc:  # GDAL's own message says what is broken
        raise InputError(f"không đọc được / cannot be read as a vector dataset: {_gdal_says(exc, dataset)}",
                         file=label) from None
    if (layer is None and len(names) > 1) or (layer is not None and layer not in names):
        raise InputError(f"chọn một lớp (--layer hoặc layer: trong ánh xạ) / pick one layer (--layer, or layer: "
                         f"in the mapping){f'; no layer {layer!r}' if layer else ''}: {', '.join(names)}",
                         file=label, field="layer")
    shapefile = dataset.suffix.lower() == ".shp"
    try:  # a DBF is read as Latin-1 so that its bytes come through one for one
        gdf = pyogrio.read_dataframe(dataset, layer=layer or names[0], encoding="latin1" if shapefile else None)
    except Exception as exc:
        raise InputError(f"không đọc được / cannot be read as a vector layer: {_gdal_says(exc, dataset)}",
                         file=label) from None
    if len(gdf) == 0:
        raise InputError("lớp không có đối tượng nào / the layer is empty (no features)", file=label)
    encoding = mapping.encoding if mapping else None
    if shapefile:
        gdf, more = vn.decode_dbf_text(gdf, shp=dataset, file=label, encoding=encoding)
    else:
        gdf, more = vn.undo_mojibake(gdf, file=label, encoding=encoding)
    notes.extend(more)
    return gdf


def _with_crs(gdf: gpd.GeoDataFrame, mapping: Mapping | None, label: str) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        if not (mapping and mapping.crs):
            raise InputError("tệp không có hệ tọa độ; ghi `crs:` trong tệp ánh xạ (vd. EPSG:9212) / the file has "
                             "no coordinate reference system (a DXF never has one); name it with `crs:` in the "
                             "mapping file (e.g. EPSG:9212)", file=label, field="crs")
        try:
            gdf = gdf.set_crs(mapping.crs)
        except CRSError:
            raise InputError(f"hệ tọa độ lạ / unknown coordinate reference system {mapping.crs!r}",
                             file=mapping.file, field="crs") from None
    _check_area_of_use(gdf, label)
    return gdf


def _check_area_of_use(gdf: gpd.GeoDataFrame, label: str, margin_deg: float = 0.5) -> None:
    """A drawing in local coordinates, or in another zone than its CRS says, lands far away."""
    area = CRS.from_user_input(gdf.crs).area_of_use
    if area is None or gdf.geometry.is_empty.all():
        return
    west, south, east, north = gdf.geometry.to_crs("EPSG:4326").total_bounds
    if not (west >= area.west - margin_deg and east <= area.east + margin_deg
            and south >= area.south - margin_deg and north <= area.north + margin_deg):
        raise InputError(f"tọa độ nằm ngoài vùng dùng của {gdf.crs.to_string()}; sai hệ tọa độ? / coordinates "
                         f"fall outside the area of use of {gdf.crs.to_string()} ({area.name}); is the CRS wrong?",
                         file=label, field="crs")


# --- geometry ---------------------------------------------------------------------------------

def _polygonal_parts(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """KML MultiGeometry and the like: keep the polygons of a collection."""
    collections = (gdf.geom_type == "GeometryCollection").to_numpy()
    if not collections.any():
        return gdf
    geoms = np.array(gdf.geometry.values, dtype=object)
    geoms[collections] = [shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type in
                                             ("Polygon", "MultiPolygon")]) for g in geoms[collections]]
    return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))


def _dxf_polygons(gdf: gpd.GeoDataFrame, mapping: Mapping | None,
                  notes: list[str]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """(the outlines as polygons, the id labels when the mapping names their layer)."""
    types, geoms = gdf.geom_type.to_numpy(), gdf.geometry.values
    closed = (types == "LineString") & shapely.is_closed(geoms) & (shapely.get_num_coordinates(geoms) >= 4)
    polygonal = np.isin(types, ["Polygon", "MultiPolygon"])
    labels = None
    if mapping and mapping.id_labels:
        texts = gdf["Text"].notna().to_numpy() if "Text" in gdf.columns else np.zeros(len(gdf), bool)
        labels = gdf[(types == "Point") & texts & (gdf["Layer"] == mapping.id_labels).to_numpy()]
    dropped = Counter(types[~(closed | polygonal)])
    polys = gdf[closed | polygonal].copy()
    rings = (polys.geom_type == "LineString").to_numpy()
    coords, index = shapely.get_coordinates(polys.geometry.values[rings], return_index=True)
    geoms = np.array(polys.geometry.values, dtype=object)
    geoms[rings] = shapely.polygons(shapely.linearrings(coords, indices=index))
    polys = polys.set_geometry(gpd.GeoSeries(geoms, index=polys.index, crs=gdf.crs))
    notes.append(f"{rings.sum()} đường khép kín DXF đọc thành vùng / {rings.sum()} closed DXF polylines read as "
                 f"polygons" + (f"; {(~rings).sum()} HATCH polygons" if (~rings).any() else ""))
    if dropped:
        what = ", ".join(f"{n} {t}" for t, n in sorted(dropped.items()))
        notes.append(f"bỏ đường hở, chữ và điểm / dropped open lines, texts and points: {what}")
    return _even_odd(_drop_repeats(polys, notes), notes).reset_index(drop=True), labels


def _drop_repeats(polys: gpd.GeoDataFrame, notes: list[str]) -> gpd.GeoDataFrame:
    """A HATCH over its outline, or an outline drawn twice, is one polygon (to 1 cm)."""
    shapes = shapely.to_wkb(shapely.normalize(shapely.set_precision(polys.geometry.values, 0.01)))
    repeated = pd.DataFrame({"layer": polys["Layer"].to_numpy(), "shape": shapes}).duplicated().to_numpy()
    if repeated.any():
        notes.append(f"bỏ {repeated.sum()} hình vẽ trùng / dropped {repeated.sum()} repeated outlines")
    return polys[~repeated]


def _even_odd(polys: gpd.GeoDataFrame, notes: list[str]) -> gpd.GeoDataFrame:
    """A ring inside an odd number of rings of its layer is a hole of the ring just around it."""
    geoms, layers = polys.geometry.values, polys["Layer"].to_numpy()
    inner, outer = shapely.STRtree(geoms).query(geoms, predicate="within")
    same = (inner != outer) & (layers[inner] == layers[outer])
    inner, outer = inner[same], outer[same]
    depth = np.bincount(inner, minlength=len(geoms))
    holes = depth % 2 == 1
    if not holes.any():
        return polys
    result = np.array(geoms, dtype=object)
    for shell in np.flatnonzero(~holes):
        own = inner[(outer == shell) & (depth[inner] == depth[shell] + 1)]
        if len(own):
            result[shell] = shapely.difference(geoms[shell], shapely.union_all(geoms[own]))
    notes.append(f"{holes.sum()} vòng nằm trong vòng khác cùng lớp đọc thành lỗ / {holes.sum()} rings inside "
                 "another on the same layer read as holes")
    return polys.set_geometry(gpd.GeoSeries(result, index=polys.index, crs=polys.crs))[~holes]


# --- attributes -------------------------------------------------------------------------------

def _identity(gdf: gpd.GeoDataFrame, label: str) -> Mapping:
    """No mapping: the file is in our schema; each field is read from its own column."""
    for name in REQUIRED_FIELDS:
        if name not in gdf.columns:
            raise InputError("thiếu trường bắt buộc (hoặc dùng tệp ánh xạ --mapping) / required field is "
                             "missing from the layer (or pass a mapping file)", file=label, field=name)
    return Mapping(columns=Columns(**{f: f for f in REQUIRED_FIELDS}))


def _check_mapping(mapping: Mapping | None, plan: Plan) -> None:
    if mapping is None:
        return
    targets = [(value, "kinds", kind) for value, kind in mapping.kinds.items() if kind is not None]
    targets += [("defaults", "defaults.kind", mapping.defaults.kind)] if mapping.defaults.kind else []
    for value, where, kind in targets:
        if kind not in plan.zone_kinds:
            raise InputError(f"loại vùng lạ / unknown zone kind {kind!r}; known: {', '.join(plan.zone_kinds)}",
                             file=mapping.file, feature=f"'{value}'", field=where)


def _column(gdf: gpd.GeoDataFrame, mapping: Mapping, ours: str, label: str) -> list[str | None] | None:
    name = getattr(mapping.columns, ours)
    if name is None:
        return None
    if name not in gdf.columns:
        others = ", ".join(c for c in gdf.columns if c != gdf.geometry.name)
        raise InputError(f"không có cột {name!r} / the layer has no column {name!r} (columns.{ours} in "
                         f"{mapping.file}); columns: {others}", file=label, field=name)
    return [_clean(v) for v in gdf[name]]


def _clean(value) -> str | None:
    """Text in NFC with single spaces; None for an empty cell; 12.0 → '12'."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(value))).strip() or None


def _kinds(gdf: gpd.GeoDataFrame, mapping: Mapping, plan: Plan, label: str, check: bool) -> tuple[list, list]:
    """(the file's kind value, our kind or None to skip) per feature. Without ``check`` (no
    mapping), unknown kinds are left for the schema check."""
    values = _column(gdf, mapping, "kind", label)
    if values is None and not mapping.defaults.kind:
        raise InputError("ánh xạ không nêu cột loại vùng / the mapping names no kind column (columns.kind) "
                         "nor defaults.kind", file=mapping.file, field="columns.kind")
    values = [v or mapping.defaults.kind for v in (values or [None] * len(gdf))]
    table = {_clean(k): v for k, v in mapping.kinds.items()}
    unmapped = sorted({repr(v) if v else "(trống / empty)" for v in values
                       if v not in table and v not in plan.zone_kinds})
    if unmapped and check:
        raise InputError(f"giá trị loại vùng chưa có trong `kinds:` / kind values not mapped in `kinds:` of "
                         f"{mapping.file}: {', '.join(unmapped[:20])}", file=label, field=mapping.columns.kind)
    return values, [table[v] if v in table else v for v in values]


def _attributes(gdf: gpd.GeoDataFrame, mapping: Mapping, plan: Plan, label: str,
                labels: gpd.GeoDataFrame | None, notes: list[str], fill: bool) -> gpd.GeoDataFrame:
    """Our fields from the file's columns; with ``fill``, empty ones from defaults and the plan."""
    values, kinds = _kinds(gdf, mapping, plan, label, check=fill)
    keep = np.array([k is not None for k in kinds], dtype=bool)
    if not keep.all():
        notes.append(f"bỏ {(~keep).sum()} đối tượng có loại bị bỏ qua / skipped {(~keep).sum()} features whose "
                     "kind value maps to null")
        gdf = gdf[keep]
        values, kinds = [v for v, k in zip(values, keep) if k], [v for v, k in zip(kinds, keep) if k]
    out = {"id": _ids(gdf, mapping, values, kinds, labels, label), "kind": kinds}
    fallback = {"name_vi": lambda k: plan.zone_kinds[k].name_vi, "name_en": lambda k: plan.zone_kinds[k].name_en,
                "landuse": lambda k: ";".join(plan.zone_kinds[k].landuse), "status": lambda k: "draft",
                "source": lambda k: f"Nhập từ / imported from {label}"}
    for name, default_of in fallback.items():
        cells = _column(gdf, mapping, name, label) or [None] * len(gdf)
        given = getattr(mapping.defaults, name)
        out[name] = [c or given or default_of(k) for c, k in zip(cells, kinds)] if fill else cells
    out["illustrative"] = _illustrative(gdf, mapping, label)
    return gpd.GeoDataFrame({f: out[f] for f in REQUIRED_FIELDS}, geometry=gdf.geometry.values, crs=gdf.crs)


def _ids(gdf: gpd.GeoDataFrame, mapping: Mapping, values: list, kinds: list,
         labels: gpd.GeoDataFrame | None, label: str) -> list[str | None]:
    if labels is not None:
        return _ids_from_labels(gdf, labels, mapping.id_labels or "", label)
    column = _column(gdf, mapping, "id", label)
    if column is not None:
        return column
    if mapping.id_template is None:
        raise InputError("ánh xạ không nêu cột mã hay mẫu mã / the mapping names neither an id column "
                         "(columns.id) nor an id_template", file=mapping.file, field="columns.id")
    prefix = re.sub(r"\{n(?:[:!][^{}]*)?\}", "", mapping.id_template)  # the template without {n}
    counts: Counter[str] = Counter()
    ids = []
    for value, kind in zip(values, kinds):
        key = prefix.format(value=value, kind=kind)
        counts[key] += 1
        ids.append(mapping.id_template.format(value=value, kind=kind, n=counts[key]))
    return ids


def _ids_from_labels(gdf: gpd.GeoDataFrame, labels: gpd.GeoDataFrame, layer: str, label: str) -> list[str]:
    """Each label goes to the smallest outline around it (zones may overlap); each outline needs
    exactly one label text (its pieces may each have the same one)."""
    polys, texts = gdf.geometry.values, [_clean(t) for t in labels["Text"]]
    poly_i, point_i = shapely.STRtree(labels.geometry.values).query(polys, predicate="contains")
    order = np.lexsort((shapely.area(polys)[poly_i], point_i))  # per label, the smallest outline first
    first = np.unique(point_i[order], return_index=True)[1]
    poly_i, point_i = poly_i[order][first], point_i[order][first]
    ids = []
    for i in range(len(polys)):
        found = sorted({texts[j] for j in point_i[poly_i == i] if texts[j]})
        if len(found) != 1:
            handle = gdf["EntityHandle"].iloc[i] if "EntityHandle" in gdf.columns else "?"
            raise InputError(f"vùng cần đúng một nhãn mã bên trong / the outline needs exactly one id label (TEXT "
                             f"on layer {layer}) inside, found {found or 'none'}", file=label,
                             feature=f"#{i + 1} (EntityHandle {handle})", field="Text")
        ids.append(found[0])
    return ids


_BOOLEANS = {"true": True, "1": True, "yes": True, "có": True, "false": False, "0": False, "no": False,
             "không": False}


def _illustrative(gdf: gpd.GeoDataFrame, mapping: Mapping, label: str) -> list[bool]:
    cells = _column(gdf, mapping, "illustrative", label) or [None] * len(gdf)
    for i, value in enumerate(cells):
        if value is not None and value.lower() not in _BOOLEANS:
            raise InputError(f"phải là đúng/sai / must be true or false (got {value!r})", file=label,
                             feature=f"#{i + 1}", field=mapping.columns.illustrative)
    return [mapping.defaults.illustrative if v is None else _BOOLEANS[v.lower()] for v in cells]


def _group_pieces(zones: gpd.GeoDataFrame, notes: list[str]) -> gpd.GeoDataFrame:
    """Pieces with the same id and the same attributes are one zone. Pieces with the same id
    but other attributes stay apart, for the schema check to refuse the repeated id."""
    attrs = list(REQUIRED_FIELDS)
    if zones["id"].isna().any() or not zones.duplicated(attrs).any():
        return zones.reset_index(drop=True)
    merged = (zones.groupby(attrs, sort=False)[zones.geometry.name]
              .agg(lambda pieces: shapely.union_all(pieces.values)).reset_index())
    notes.append(f"{len(zones)} mảnh gộp thành {len(merged)} vùng theo mã / {len(zones)} pieces grouped into "
                 f"{len(merged)} zones by id")
    return gpd.GeoDataFrame(merged[attrs], geometry=list(merged[zones.geometry.name]), crs=zones.crs)


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _gdal_says(exc: Exception, dataset: Path) -> str:
    """GDAL's own first line, naming the file without the server path."""
    text = str(exc).strip().replace(str(dataset), dataset.name)
    return text.splitlines()[0] if text else type(exc).__name__
