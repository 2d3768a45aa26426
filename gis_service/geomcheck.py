"""Checks on the geometries of a file from outside, before anything is stored: present, of one
kind, not too many vertices, every coordinate a finite number inside the area of use of the file's
CRS (and of the plan's once reprojected). Heights (Z) and measures (M) are dropped with a note:
the plan is two-dimensional and its hectares planar. Each refusal names the file, the feature and
the field. No Flask here."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from .crsdomain import check_box
from .errors import InputError

#: a commune boundary drawn to the centimetre has some tens of thousands of vertices
MAX_VERTICES_PER_FEATURE = 100_000
#: a cadastral layer of a commune: a million parcels have some seven million vertices (320 MB of
#: coordinates at this limit, read once)
MAX_VERTICES_PER_LAYER = 20_000_000
FAMILIES = {"Polygon": "polygon", "MultiPolygon": "polygon", "LineString": "line",
            "MultiLineString": "line", "Point": "point", "MultiPoint": "point"}
FAMILY_VI = {"polygon": "vùng / polygons", "line": "đường / lines", "point": "điểm / points"}
MEASURES_DROPPED = "{label}: giá trị M đã bỏ / M (measure) values dropped: the plan does not use them"


def check_geometries(gdf: gpd.GeoDataFrame, label: str, notes: list[str],
                     expect: str | tuple[str, ...] | None = None) -> gpd.GeoDataFrame:
    """``gdf`` checked, Z dropped (with a note in ``notes``); ``expect`` the family the layer must
    hold ('polygon', 'line', 'point'), or the families it may mix (a register: polygons and
    points); by default one family, whichever the first feature is."""
    geoms = gdf.geometry.values
    _refuse_where(gdf.geometry.isna().to_numpy() | shapely.is_empty(geoms), gdf, label,
                  "đối tượng không có hình học / feature has no geometry")
    _one_family(gdf, label, expect)
    check_vertices(gdf, label)
    has_z, has_m = shapely.has_z(geoms).any(), shapely.has_m(geoms).any()
    if has_z:
        notes.append(f"{label}: tọa độ Z (độ cao) đã bỏ, quy hoạch là 2D / Z (height) coordinates "
                     "dropped: the plan is two-dimensional and its hectares planar")
    if has_m:
        notes.append(MEASURES_DROPPED.format(label=label))
    if has_z or has_m:
        gdf = gdf.set_geometry(shapely.force_2d(geoms), crs=gdf.crs)
    check_area_of_use(gdf, label)
    return gdf


def check_vertices(gdf: gpd.GeoDataFrame, label: str) -> None:
    """Not too many vertices, each a finite number (a NaN vertex is named with its feature)."""
    _vertex_counts(gdf, label)
    _finite(gdf, label)


def check_area_of_use(gdf: gpd.GeoDataFrame, label: str, what: str = "") -> None:
    """Every feature inside the area of use of ``gdf``'s CRS, the first one outside named."""
    try:  # the whole layer at once: only a layer reaching outside is looked at feature by feature
        check_box(tuple(gdf.total_bounds), gdf.crs, field="geometry", file=label, order="xy")
        return
    except InputError:
        pass
    for i, box in enumerate(shapely.bounds(gdf.geometry.values)):
        try:
            check_box(tuple(box), gdf.crs, field="geometry", file=label, order="xy")
        except InputError as err:
            err.feature = feature_label(gdf, i)
            err.message += what
            raise


def feature_label(gdf: gpd.GeoDataFrame, index: int, id_field: str = "id") -> str:
    """How a feature is named in messages: its id where it has one, else its position."""
    if id_field in gdf.columns:
        value = gdf[id_field].iloc[index]
        if isinstance(value, str) and value:
            return f"'{value}' (#{index + 1})"
    return f"#{index + 1}"


def _refuse_where(bad: np.ndarray, gdf: gpd.GeoDataFrame, label: str, message: str) -> None:
    found = np.flatnonzero(bad)
    if len(found):
        raise InputError(message, file=label, feature=feature_label(gdf, int(found[0])), field="geometry")


def _one_family(gdf: gpd.GeoDataFrame, label: str, expect: str | tuple[str, ...] | None) -> None:
    types = gdf.geometry.geom_type.to_numpy()
    families = np.array([FAMILIES.get(t, "") for t in types])
    unknown = np.flatnonzero(families == "")
    if len(unknown):
        i = int(unknown[0])
        raise InputError(f"kiểu hình học {types[i]} không được nhận / geometry type {types[i]} is not "
                         "accepted: use Polygon, LineString or Point (or their Multi forms)",
                         file=label, feature=feature_label(gdf, i), field="geometry")
    wanted = (expect,) if isinstance(expect, str) else expect or (families[0],)
    other = np.flatnonzero(~np.isin(families, wanted))
    if len(other):
        i = int(other[0])
        first = "" if expect else f", feature {feature_label(gdf, 0)} is a {types[0]}"
        raise InputError(f"lớp phải chỉ gồm {' hoặc '.join(FAMILY_VI[w] for w in wanted)} / the layer must "
                         f"hold only {' or '.join(w + 's' for w in wanted)}: this one is a {types[i]}{first}",
                         file=label, feature=feature_label(gdf, i), field="geometry")


def _vertex_counts(gdf: gpd.GeoDataFrame, label: str) -> None:
    counts = shapely.get_num_coordinates(gdf.geometry.values)
    over = np.flatnonzero(counts > MAX_VERTICES_PER_FEATURE)
    if len(over):
        i = int(over[0])
        raise InputError(f"quá nhiều đỉnh / too many vertices: {int(counts[i]):,}, at most "
                         f"{MAX_VERTICES_PER_FEATURE:,} per feature (simplify it)",
                         file=label, feature=feature_label(gdf, i), field="geometry")
    if counts.sum() > MAX_VERTICES_PER_LAYER:
        raise InputError(f"quá nhiều đỉnh / too many vertices: {int(counts.sum()):,} in the layer, at "
                         f"most {MAX_VERTICES_PER_LAYER:,}", file=label, field="geometry")


def _finite(gdf: gpd.GeoDataFrame, label: str) -> None:
    coords, index = shapely.get_coordinates(gdf.geometry.values, return_index=True)
    bad = np.flatnonzero(~np.isfinite(coords).all(axis=1))
    if len(bad):
        feature = int(index[bad[0]])
        vertex = int(bad[0] - np.flatnonzero(index == feature)[0]) + 1
        raise InputError(f"đỉnh {vertex} có tọa độ không phải số (NaN) hoặc vô cực / vertex {vertex} "
                         f"has a coordinate that is not a finite number: {coords[bad[0]].tolist()}",
                         file=label, feature=feature_label(gdf, feature), field="geometry")
