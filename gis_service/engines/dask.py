"""The parcel rule set on dask.distributed, for layers beyond one machine's memory: the zones are
read by the workers (dask-geopandas, a range of features each), put in Hilbert order
(``spatial_shuffle``) so that each partition is a compact piece of land, and every per-parcel
step runs on the partitions. The client only ever holds what is small: the suspects (parcels
with an edge without a twin, gathered from every partition), their union, the gaps, and the
findings. The results are the same as the local engine's (tests/test_dask_engine.py).

Per partition: validity (GEOS reasons of the invalid ones), repair, planar area, the suspects
*within the partition* (a parcel whose twin lies in another partition is a suspect here: more
suspects than the local engine finds, never fewer, so nothing is missed), the part of each
parcel outside the commune. Then, with the suspects broadcast: which pieces of the land the
suspects leave are filled by a partition's clean parcels (the union, as in
``coverage.union_from_suspects``), every pair with a suspect in it and its overlap, and the
parcels beside each gap.

Checks run here: geometry_valid, overlap_matrix, gaps, inside_boundary, area per kind, on
rules about every zone kind of the layer; any other rule is that rule's error (run it with the
local engine). The version's repaired zones are carried over, never recomputed here: validate
a version that ``gis-service build`` made.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..coverage import AREA_SLACK_M2, suspects
from ..errors import CheckError, InputError
from ..plan import parse_params
from ..report import Report
from ..rules import at_shown, local_today
from ..rules.area import _finding as area_finding
from ..rules.geometry import gap_finding, gap_parts, invalid_finding, invalid_reason, outside_finding
from ..rules.overlap import overlap_finding
from ..validate import (BOUNDARY_LAYER, PLAN_TABLE, REMAINING_LAYER, ZONE_COLUMNS, ZONES_LAYER, in_plan_crs,
                        kind_areas_of, remaining_frame, remaining_land, repaired_is_current, rule_layers,
                        rule_outcome)
from ..zones import repaired

SUPPORTED = {"geometry_valid", "overlap_matrix", "gaps", "inside_boundary", "area"}
#: parcels per partition (a partition is read, repaired and indexed by one worker thread)
PARTITION_ROWS = 100_000


@contextmanager
def dask_client(scheduler: str = "", *, workers: int | None = None, processes: bool = True):
    """A client of the scheduler at ``scheduler`` (tcp://host:8786), or of a local cluster with
    one single-threaded worker per core."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=processes, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client


# -- on the workers ------------------------------------------------------------------------------
@dataclass
class Piece:
    """One partition, repaired and indexed, kept on its worker between the steps."""
    pos: np.ndarray        # each parcel's row in the layer (the local engine's order)
    ids: np.ndarray
    kinds: np.ndarray
    geoms: np.ndarray      # repaired
    area_ha: np.ndarray
    suspect: np.ndarray    # within the partition
    invalid: list          # (pos, id, area_ha, reason, place) of the parcels invalid as loaded
    tree: shapely.STRtree
    illustrative: bool


def prepare(part: gpd.GeoDataFrame) -> Piece:
    geoms = np.asarray(part.geometry.values, dtype=object)
    valid = shapely.is_valid(geoms)
    fixed = repaired(part, valid)
    out = np.asarray(fixed.geometry.values, dtype=object)
    area_ha = fixed["area_ha"].to_numpy()
    pos, ids = part["pos"].to_numpy(), part["id"].to_numpy()
    invalid = [(int(pos[i]), ids[i], float(area_ha[i]), *invalid_reason(geoms[i])) for i in np.flatnonzero(~valid)]
    return Piece(pos, ids, part["kind"].to_numpy(), out, area_ha, suspects(out), invalid, shapely.STRtree(out),
                 bool(part["illustrative"].astype(bool).any()))


def summary(piece: Piece) -> dict:
    """What the client gathers from a partition before the union."""
    s = np.flatnonzero(piece.suspect)
    return {"invalid": piece.invalid, "suspect_pos": piece.pos[s], "suspect_ids": piece.ids[s],
            "suspect_kinds": piece.kinds[s], "suspect_geoms": piece.geoms[s],
            "bounds": shapely.total_bounds(piece.geoms), "area_m2": float(piece.area_ha.sum()) * 10_000,
            "plain_area_m2": float(shapely.area(piece.geoms).sum()),
            "kinds": pd.Series(piece.kinds).value_counts().to_dict(), "pos": piece.pos, "ids": piece.ids,
            "illustrative": piece.illustrative}


def filled(piece: Piece, points: np.ndarray) -> np.ndarray:
    """The points (one per piece of land the suspects leave) inside a clean parcel of this partition."""
    hit, geom = piece.tree.query(points, predicate="intersects")
    return np.unique(hit[~piece.suspect[geom]])


def pairs(piece: Piece, sus_pos: np.ndarray, sus_geoms: np.ndarray, sus_kinds: np.ndarray) -> pd.DataFrame:
    """Every suspect with a parcel of this partition whose boxes meet, with their overlap (the
    lower row's geometry first, as the local engine intersects them) when it has an area."""
    q, j = piece.tree.query(sus_geoms, predicate="intersects")
    other = piece.pos[j]
    keep = sus_pos[q] != other
    q, j, other = q[keep], j[keep], other[keep]
    first = sus_pos[q] < other
    a = np.where(first, sus_geoms[q], piece.geoms[j])
    b = np.where(first, piece.geoms[j], sus_geoms[q])
    overlaps = shapely.intersection(a, b)
    area = shapely.area(overlaps)
    has = area > 0
    return pd.DataFrame({"left": np.minimum(sus_pos[q], other)[has], "right": np.maximum(sus_pos[q], other)[has],
                         "kind_left": np.where(first, sus_kinds[q], piece.kinds[j])[has],
                         "kind_right": np.where(first, piece.kinds[j], sus_kinds[q])[has],
                         "m2": area[has], "geometry": overlaps[has]})


def outside(piece: Piece, allowed) -> list:
    """(pos, id, outside m², outside part) of the parcels not covered by ``allowed`` (by more
    than the 0.0 m² a report shows, as the local engine keeps them)."""
    shapely.prepare(allowed)
    out = np.flatnonzero(~shapely.covers(allowed, piece.geoms))
    parts = shapely.difference(piece.geoms[out], allowed)
    m2 = shapely.area(parts)
    return [(int(piece.pos[i]), piece.ids[i], float(a), g) for i, a, g in zip(out, m2, parts)
            if at_shown(a, "m²") > 0]


def near(piece: Piece, gaps: np.ndarray) -> list:
    """(gap, id) for the parcels of this partition within 1 cm of each gap."""
    g, j = piece.tree.query(gaps, predicate="dwithin", distance=0.01)
    return list(zip(g.tolist(), piece.ids[j].tolist()))


# -- on the client -------------------------------------------------------------------------------
def check_store_version_dask(view, source, progress=None, *, on: date | None = None, scheduler: str = "",
                             workers: int | None = None, processes: bool = True,
                             partition_rows: int = PARTITION_ROWS) -> tuple[dict[str, pd.DataFrame], Report]:
    """``validate.check_store_version`` with the zones on dask.distributed."""
    plan = source.parse()
    if len(plan.zone_kinds) != 1:
        raise InputError("the dask engine checks a layer of one zone kind (parcels); use the local engine",
                         field="engine")
    if not repaired_is_current(view, plan.crs):
        raise InputError("the dask engine validates a version whose repaired zones are current: "
                         "run gis-service build (or validate with the local engine) first", field="engine")
    layers = {name: in_plan_crs(view, name, plan.crs) for name in rule_layers(plan) | {BOUNDARY_LAYER}}
    boundary = shapely.union_all(layers[BOUNDARY_LAYER].geometry.values)
    location, version = view.store.location, view.version()
    rows, bounds = view.layer_extent(ZONES_LAYER)
    nparts = max(1, -(-rows // partition_rows))
    with dask_client(scheduler, workers=workers, processes=processes) as client:
        if progress:
            progress(f"dask: {rows:,} zones in {nparts} partitions on {client.scheduler.address}")
        zones = read_partitions(location, version, rows, nparts, plan.crs)
        zones = hilbert_partitions(zones, bounds_in(bounds, view.crs(ZONES_LAYER), plan.crs), nparts)
        pieces = [client.submit(prepare, part) for part in client.compute(zones.to_delayed())]
        facts = client.gather([client.submit(summary, p) for p in pieces])
        result = _derive(client, pieces, facts, boundary, progress)
        outcomes = [rule_outcome(plan, rule, lambda rule=rule: _run(client, pieces, plan, rule, boundary, result))
                    for rule in plan.rules]
    counts = pd.DataFrame([f["kinds"] for f in facts]).sum().astype(int).to_dict()
    unions = {kind: result.union for kind in plan.zone_kinds}
    remaining = remaining_land(boundary, [result.union])
    report = Report(plan.name_vi, plan.name_en, plan.crs, datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    outcomes, kind_areas_of(plan, counts, unions, remaining, plan.crs),
                    reference_date=(on or local_today()).isoformat())
    illustrative = any(f["illustrative"] for f in facts)
    tables = {REMAINING_LAYER: remaining_frame(plan, remaining, illustrative), PLAN_TABLE: source.table(),
              **report.to_tables()}
    return tables, report


def read_range(location: str, version: int, start: int, count: int, crs) -> gpd.GeoDataFrame:
    """Rows start … start + count of a version's zones (on a worker, from the store at
    ``location``: a GeoPackage or a PostGIS database), with their row numbers."""
    from ..store import open_location

    store = open_location(location)
    try:
        part = store.read_layer(ZONES_LAYER, version, limit=count, offset=start, columns=ZONE_COLUMNS)
    finally:
        getattr(store, "close", lambda: None)()
    part.index = pd.RangeIndex(start, start + len(part))
    part["pos"] = part.index.to_numpy()
    if part.crs is not None and not part.crs.equals(crs):
        part = part.to_crs(crs)
    return part


def read_partitions(location: str, version: int, rows: int, nparts: int, crs):
    """The zones as a dask-geopandas frame whose partitions the workers read themselves (the
    store must be where the workers reach it: on a cluster, a shared file system or the database)."""
    import dask.dataframe as dd
    import dask_geopandas  # noqa: F401  (makes frames of GeoDataFrames dask-geopandas frames)
    from dask import delayed

    meta = read_range(location, version, 0, 1, crs).iloc[:0]
    size = -(-rows // nparts)
    parts = [delayed(read_range)(location, version, start, min(size, rows - start), crs)
             for start in range(0, rows, size)]
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


def bounds_in(bounds: tuple, layer_crs, crs) -> tuple:
    """A layer's extent, in ``crs``."""
    from pyproj import CRS

    from ..crs import transformer

    if layer_crs and not CRS.from_user_input(layer_crs).equals(CRS.from_user_input(crs)):
        return transformer(layer_crs, crs).transform_bounds(*bounds)
    return bounds


def hilbert_partitions(zones, bounds: tuple, nparts: int):
    """The zones shuffled into ``nparts`` partitions along the Hilbert curve (dask-geopandas's
    ``hilbert_distance`` over the layer's known extent; its ``spatial_shuffle`` computes the
    extent inside the graph, which this dask refuses as a cycle), so each partition is a compact
    piece of land and few parcels have a twin edge in another partition."""
    distance = zones.hilbert_distance(total_bounds=bounds, level=16)
    return zones.assign(hilbert=distance).set_index("hilbert", npartitions=nparts, sort=True)


@dataclass
class Gathered:
    union: object
    invalid: list
    ids: np.ndarray               # in row order
    sus_pos: np.ndarray
    sus_geoms: np.ndarray
    sus_kinds: np.ndarray
    plain_area_m2: float
    pairs: pd.DataFrame | None = None


def _derive(client, pieces, facts, boundary, progress) -> Gathered:
    sus_pos = np.concatenate([f["suspect_pos"] for f in facts])
    sus_geoms = np.concatenate([f["suspect_geoms"] for f in facts])
    if progress:
        progress(f"dask: {len(sus_pos):,} suspects (edges without a twin in their partition)")
    bounds = np.array([f["bounds"] for f in facts])
    xmin, ymin = np.nanmin(bounds[:, 0]), np.nanmin(bounds[:, 1])
    xmax, ymax = np.nanmax(bounds[:, 2]), np.nanmax(bounds[:, 3])
    around = shapely.union_all(sus_geoms)
    frame = shapely.box(xmin - 1.0, ymin - 1.0, xmax + 1.0, ymax + 1.0)
    land = shapely.get_parts(shapely.difference(frame, around))
    land = land[shapely.get_type_id(land) == 3]
    points = shapely.point_on_surface(land)
    points_f = client.scatter(points, broadcast=True)
    hits = client.gather([client.submit(filled, p, points_f) for p in pieces])
    full = np.zeros(len(land), dtype=bool)
    for h in hits:
        full[h] = True
    union = shapely.difference(frame, shapely.union_all(land[~full]))
    pos = np.concatenate([f["pos"] for f in facts])
    ids = np.empty(len(pos), dtype=object)
    ids[pos] = np.concatenate([f["ids"] for f in facts])
    sus_kinds = np.concatenate([f["suspect_kinds"] for f in facts])
    return Gathered(union, [r for f in facts for r in f["invalid"]], ids, sus_pos, sus_geoms, sus_kinds,
                    sum(f["plain_area_m2"] for f in facts))


def _run(client, pieces, plan, rule, boundary, got: Gathered) -> list:
    if rule.check not in SUPPORTED or set(plan.kinds_of(rule)) != set(plan.zone_kinds):
        raise CheckError(f"the dask engine runs {', '.join(sorted(SUPPORTED))} on every zone kind; "
                         f"run rule {rule.id} ({rule.check}) with the local engine")
    params = parse_params(rule)
    crs = plan.crs
    if rule.check == "geometry_valid":
        return [invalid_finding(rule, zid, ha, reason, place, crs)
                for _, zid, ha, reason, place in sorted(got.invalid, key=lambda r: r[0])]
    if rule.check == "inside_boundary":
        allowed = boundary.buffer(params.tolerance_m) if params.tolerance_m else boundary
        found = client.gather([client.submit(outside, p, allowed) for p in pieces])
        return [outside_finding(rule, params, zid, m2, geom)
                for _, zid, m2, geom in sorted((r for rows in found for r in rows), key=lambda r: r[0])]
    if rule.check == "gaps":
        parts, widths = gap_parts(got.union, boundary, params)
        found = client.gather([client.submit(near, p, parts) for p in pieces])
        by_gap: dict[int, list] = {}
        for k, zid in (r for rows in found for r in rows):
            by_gap.setdefault(k, []).append(zid)
        return [gap_finding(rule, params, part, float(width), sorted(by_gap.get(k, [])))
                for k, (part, width) in enumerate(zip(parts, widths))]
    if rule.check == "area":
        if params.per != "kind":
            raise CheckError(f"the dask engine measures areas per kind only; run rule {rule.id} with the local engine")
        (kind,) = plan.kinds_of(rule)
        spec = plan.zone_kinds[kind]
        from ..crs import geodesic_ha
        return [area_finding(rule, params, tuple(got.ids.tolist()), spec.name_vi, spec.name_en,
                             got.union.area / 10_000, got.union, float(geodesic_ha([got.union], crs)[0]))]
    # overlap_matrix
    if params.allowed:
        raise CheckError(f"the dask engine does not take allowed kind pairs; run rule {rule.id} with the local engine")
    table = _pairs(client, pieces, got)
    big = table[[at_shown(m2, "m²") > params.tolerance_m2 for m2 in table["m2"]]]
    names = {k: (spec.name_vi, spec.name_en) for k, spec in plan.zone_kinds.items()}
    return [overlap_finding(rule, params, got.ids[a], got.ids[b], names.get(ka, (ka, ka)), names.get(kb, (kb, kb)),
                            float(m2), geom)
            for a, b, ka, kb, m2, geom in zip(big["left"], big["right"], big["kind_left"], big["kind_right"],
                                              big["m2"], big["geometry"])]


def _pairs(client, pieces, got: Gathered) -> pd.DataFrame:
    """Every pair with a suspect in it that overlaps, once, in row order; checked as the local
    engine checks its union: overlaps between clean parcels (two tilings of the same land)
    would leave area unaccounted for."""
    if got.pairs is None:
        pos_f, geoms_f, kinds_f = client.scatter([got.sus_pos, got.sus_geoms, got.sus_kinds], broadcast=True)
        parts = client.gather([client.submit(pairs, p, pos_f, geoms_f, kinds_f) for p in pieces])
        table = pd.concat(parts, ignore_index=True).drop_duplicates(["left", "right"])
        got.pairs = table.sort_values(["left", "right"], kind="stable").reset_index(drop=True)
    excess = got.plain_area_m2 - got.union.area
    if excess > float(got.pairs["m2"].sum()) + AREA_SLACK_M2 + 1e-12 * got.union.area:
        raise CheckError("the zones overlap where no edge gives it away (two tilings of the same land?): "
                         "run this rule with the local engine, which tests every pair")
    return got.pairs
