"""MINH HỌA / ILLUSTRATIVE: synthetic cadastral parcels for benchmarks and tests, never real data.

A Voronoi tessellation of the real commune (random seeds inside the boundary, cells clipped to
it), so the parcels cover the commune exactly like a cadastral layer, with faults injected at
known places, far from each other and from the boundary:

- overlaps: parcel A grows into its neighbour B by a half-disc on their shared edge
  (one pair (A, B), overlapping by the half-disc's area);
- gap rings: parcel G shrunk by 1.5 m (mitred), leaving a 1.5 m ring between G and its
  neighbours (one gap, G minus the shrunk G);
- bow-ties: parcel T's ring gets a tiny self-crossing loop inside it (invalid; any repair
  gives T within 0.05 m², so it causes no other fault);
- outside: a parcel on the commune edge reaches past the boundary by a disc of a few metres
  (outside area beyond the 0.5 m tolerance > 0).

The faults are returned with the frame, so a test knows by construction what a check must find.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from .geom import polygonal

#: what a synthetic parcel layer says about itself, in its rows and its description
ILLUSTRATIVE_NOTE = "MINH HỌA / ILLUSTRATIVE: thửa đất tổng hợp / synthetic parcels (Voronoi)"
GAP_WIDTH_M = 1.5
PARCEL_KIND = "parcel"
#: the commune's feature of the basemap, written beside a parcels file: a layer set reads only
#: files inside its own folder (layers/parcels/catalog.yaml names it)
BOUNDARY_FILE = "commune_boundary.gpkg"
COMMUNES_FILE = Path("basemap") / "communes_2025.geojson"


@dataclass
class Faults:
    """The injected faults, by parcel id: what an exact parcel check finds, and nothing else."""
    overlaps: list[tuple[str, str]] = field(default_factory=list)  # (grown, overlapped), sorted ids
    overlap_m2: dict[tuple[str, str], float] = field(default_factory=dict)
    gaps: list[str] = field(default_factory=list)        # the shrunk parcel inside each gap ring
    gap_m2: dict[str, float] = field(default_factory=dict)
    bowties: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


@dataclass
class SyntheticParcels:
    frame: gpd.GeoDataFrame
    faults: Faults


def commune_boundary(layers_dir: Path, crs: str = "EPSG:5899", code: str = "25417"):
    return commune_feature(layers_dir, code).to_crs(crs).geometry.iloc[0]


def commune_feature(layers_dir: Path, code: str = "25417") -> gpd.GeoDataFrame:
    """The commune's row of the basemap, as it is there (its attributes, its CRS)."""
    communes = gpd.read_file(layers_dir / COMMUNES_FILE)
    return communes[communes["code"] == code].reset_index(drop=True)


def make_parcels(n: int, boundary, *, seed: int = 8, faults_per: int | None = None,
                 crs: str = "EPSG:5899") -> SyntheticParcels:
    """``n`` parcels tiling ``boundary``; ``faults_per`` of each fault kind (default n / 2000, ≥ 3)."""
    rng = np.random.default_rng(seed)
    cells = _tessellation(n, boundary, rng)
    ids = np.array([f"P{i:07d}" for i in range(len(cells))], dtype=object)
    k = faults_per if faults_per is not None else max(3, n // 2000)
    faults = Faults()
    interior, edge = _fault_sites(cells, boundary, rng, 3 * k, k)
    tree = shapely.STRtree(cells)
    for i in interior[:k]:  # overlaps
        j = _longest_neighbour(cells, tree, i)
        grown, piece = _grow_into(cells[i], cells[j])
        cells[i] = grown
        pair = tuple(sorted((ids[i], ids[j])))
        faults.overlaps.append(pair)
        faults.overlap_m2[pair] = piece.area
    for i in interior[k:2 * k]:  # gap rings
        shrunk = cells[i].buffer(-GAP_WIDTH_M, join_style="mitre")
        faults.gaps.append(ids[i])
        faults.gap_m2[ids[i]] = cells[i].area - shrunk.area
        cells[i] = shrunk
    for i in interior[2 * k:3 * k]:  # bow-ties
        cells[i] = _bowtie(cells[i])
        faults.bowties.append(ids[i])
    for i in edge:  # outside the commune
        cells[i] = _reach_out(cells[i], boundary)
        faults.outside.append(ids[i])
    frame = gpd.GeoDataFrame({
        "id": ids, "kind": PARCEL_KIND, "name_vi": "Thửa đất tổng hợp (minh họa)",
        "name_en": "Synthetic parcel (illustrative)", "landuse": "CLN", "status": "draft",
        "source": ILLUSTRATIVE_NOTE, "illustrative": True}, geometry=cells, crs=crs)
    faults.overlaps.sort()
    return SyntheticParcels(frame, faults)


def _tessellation(n: int, boundary, rng) -> np.ndarray:
    minx, miny, maxx, maxy = boundary.bounds
    shapely.prepare(boundary)
    draw = int(n * (maxx - minx) * (maxy - miny) / boundary.area * 1.2) + 100
    x, y = rng.uniform(minx, maxx, draw), rng.uniform(miny, maxy, draw)
    keep = shapely.contains_xy(boundary, x, y)
    x, y = x[keep][:n], y[keep][:n]
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(np.c_[x, y]), extend_to=boundary.envelope, ordered=True))
    cut = ~shapely.covers(boundary, cells)
    cells[cut] = [polygonal(g) for g in shapely.intersection(cells[cut], boundary)]
    return cells[~shapely.is_empty(cells)]  # a cell touching the commune at a point only


def _fault_sites(cells, boundary, rng, n_interior: int, n_edge: int) -> tuple[np.ndarray, np.ndarray]:
    """Parcels for the faults: interior ones well inside the commune, edge ones on its boundary,
    no two within three cells of each other, so no fault touches another."""
    typical = np.sqrt(boundary.area / len(cells))
    inner = boundary.buffer(-5 * typical)
    shapely.prepare(inner)
    area = shapely.area(cells)
    is_inner = shapely.covers(inner, cells) & (area >= np.median(area))  # room for a 1.5 m ring
    simple = shapely.get_num_geometries(cells) == 1
    # on the outline itself: a cell merely within 1 m of it (a Voronoi corner short of the
    # outline) would get no bulge, and be listed as a fault it does not have
    on_edge = ~shapely.covers(boundary.buffer(-1.0), cells) & simple & shapely.intersects(cells, boundary.boundary)
    tree = shapely.STRtree(cells)
    taken = np.zeros(len(cells), dtype=bool)
    picked: dict[bool, list[int]] = {True: [], False: []}
    wanted = {True: n_interior, False: n_edge}
    for i in rng.permutation(len(cells)):
        kind = bool(is_inner[i]) if (is_inner[i] or on_edge[i]) else None
        if kind is None or taken[i] or len(picked[kind]) >= wanted[kind]:
            continue
        if kind and not simple[i]:
            continue
        picked[kind].append(int(i))
        taken[tree.query(cells[i], predicate="dwithin", distance=3 * typical)] = True
        if all(len(picked[k]) >= wanted[k] for k in picked):
            break
    return np.array(picked[True], dtype=int), np.array(picked[False], dtype=int)


def _longest_neighbour(cells, tree, i: int) -> int:
    near = [j for j in tree.query(cells[i], predicate="touches") if j != i]
    shared = shapely.length(shapely.intersection(cells[i].boundary, cells[near]))
    return int(near[int(np.argmax(shared))])


def _grow_into(cell, neighbour):
    """``cell`` grown into ``neighbour`` by a half-disc on the middle of their shared edge."""
    edge = shapely.line_merge(cell.boundary.intersection(neighbour.boundary))
    edge = max(shapely.get_parts(edge), key=lambda e: e.length)
    middle = edge.interpolate(0.5, normalized=True)
    piece = neighbour.intersection(middle.buffer(0.3 * edge.length))
    return cell.union(piece), piece


def _bowtie(cell):
    """The cell's ring with a tiny figure-eight loop (0.3–0.6 m from its first vertex, 0.2 m
    wide) inside the cell: the ring crosses itself (invalid, 'Self-intersection'), and whatever
    a repair keeps of the loop's lobes (GEOS 'structure', 'linework', PostGIS, DuckDB) differs
    by under 0.05 m², far below every tolerance, so it leaves no gap or overlap behind."""
    ring = np.asarray(cell.exterior.coords)[:-1]
    v0 = ring[0]
    e = np.asarray(cell.centroid.coords[0]) - v0
    e /= np.hypot(*e)
    m = np.array([-e[1], e[0]])
    loop = [v0, v0 + 0.3 * e + 0.1 * m, v0 + 0.6 * e - 0.1 * m, v0 + 0.6 * e + 0.1 * m,
            v0 + 0.3 * e - 0.1 * m, v0]
    return shapely.Polygon(np.vstack([loop, ring[1:], ring[:1]]))


def _reach_out(cell, boundary):
    """The cell with a disc beyond the commune boundary on its outer edge (a few metres out)."""
    outer = cell.boundary.intersection(boundary.boundary.buffer(0.01))
    if outer.is_empty:
        raise ValueError("an edge parcel must touch the commune outline")
    outer = max(shapely.get_parts(outer), key=lambda e: e.length)
    middle = outer.interpolate(0.5, normalized=True)
    bulge = middle.buffer(max(3.0, 0.2 * outer.length)).difference(boundary)
    return polygonal(cell.union(bulge))


def write_parcels(parcels: SyntheticParcels, path: Path, layers_dir: Path) -> None:
    """The parcels as a GeoPackage layer (version 1.2, so GDAL 3.6 and QGIS 3.22 read it quietly),
    and beside it the commune's feature of ``layers_dir``'s basemap (``BOUNDARY_FILE``)."""
    import pyogrio

    write_boundary(path.parent, layers_dir)
    path.unlink(missing_ok=True)
    pyogrio.write_dataframe(parcels.frame, path, layer="parcels", driver="GPKG", promote_to_multi=True,
                            dataset_options={"VERSION": "1.2"}, layer_options={"DESCRIPTION": ILLUSTRATIVE_NOTE})


def parcel_layers(gpkg: Path, folder: Path, shipped_layers: Path) -> Path:
    """A layers folder of its own for a parcels file: the shipped parcel plan and catalog, the
    commune boundary file beside them (a catalog may not point out of its folder) and the parcels
    file hard-linked (or copied) in as parcels.gpkg. Returns ``folder``."""
    import os
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("plan.yaml", "catalog.yaml"):
        shutil.copy(shipped_layers / "parcels" / name, folder / name)
    write_boundary(folder, shipped_layers)
    target = folder / "parcels.gpkg"
    if not target.exists():
        try:
            os.link(gpkg, target)
        except OSError:
            shutil.copy(gpkg, target)
    return folder


def write_boundary(folder: Path, layers_dir: Path) -> None:
    """The commune's feature of ``layers_dir``'s basemap as ``folder``/``BOUNDARY_FILE``."""
    import pyogrio

    folder.mkdir(parents=True, exist_ok=True)
    (folder / BOUNDARY_FILE).unlink(missing_ok=True)
    pyogrio.write_dataframe(commune_feature(layers_dir), folder / BOUNDARY_FILE, layer="commune_boundary",
                            driver="GPKG", dataset_options={"VERSION": "1.2"})
