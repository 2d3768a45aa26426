"""Large polygon layers that tile an area (cadastral parcels, a commune's zones): which polygons
can take part in an overlap, and their union, without testing every pair of neighbours.

In a clean coverage every edge is shared by exactly two polygons that run along it in opposite
directions (shells counter-clockwise, holes clockwise). A polygon all of whose edges have such a
twin cannot overlap a neighbour along them; only the *suspects* (polygons with at least one
edge without its twin: on the outline of the layer, beside a gap, grown into a neighbour, repaired
from a bow-tie, or drawn without snapping) need the exact pairwise test. On a cadastral layer
they are a few per cent of the parcels.

The union follows the same split: the clean polygons' union has its outline along suspects'
edges only, so it is found from the suspects' union and one spatial-index lookup per piece of
what they leave (``union_from_suspects``); the million clean polygons are never overlaid, nor
even coverage-unioned. Below ``SMALL`` polygons the plain union is used directly (it is fast
there).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

#: below this many polygons, union and pair tests are done plainly
SMALL = 5_000


def suspects(geoms: np.ndarray) -> np.ndarray:
    """True for each polygon with an edge that no other polygon runs along the other way."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return np.zeros(0, dtype=bool)
    coords, ring_of, ring_owner, ring_is_shell = _rings(geoms)
    same_ring = ring_of[1:] == ring_of[:-1]
    a, b = coords[:-1][same_ring], coords[1:][same_ring]
    seg_ring = ring_of[:-1][same_ring]
    owner = ring_owner[seg_ring]
    # each ring's turning from its shoelace sum: shells are read counter-clockwise, holes clockwise
    cross = a[:, 0] * b[:, 1] - b[:, 0] * a[:, 1]
    ccw = np.bincount(seg_ring, weights=cross, minlength=len(ring_owner)) > 0
    backwards = (ccw != ring_is_shell)[seg_ring]
    forward = (a[:, 0] < b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] < b[:, 1]))
    lo = np.where(forward[:, None], a, b)
    hi = np.where(forward[:, None], b, a)
    forward ^= backwards
    key = np.column_stack([lo, hi])  # the segment whichever way it runs
    bits = np.ascontiguousarray(key).view(np.uint64)
    h = bits[:, 0] * np.uint64(0x9E3779B97F4A7C15)
    for col, mult in ((1, 0xC2B2AE3D27D4EB4F), (2, 0x165667B19E3779F9), (3, 0x27D4EB2F165667C5)):
        h = (h ^ (h >> np.uint64(29))) + bits[:, col] * np.uint64(mult)
    order = np.argsort(h, kind="stable")
    hs, ks, fs = h[order], key[order], forward[order]
    n = len(hs)
    starts = np.flatnonzero(np.r_[True, hs[1:] != hs[:-1]])
    sizes = np.diff(np.r_[starts, n])
    twins = starts[sizes == 2]
    ok = (ks[twins] == ks[twins + 1]).all(axis=1) & (fs[twins] != fs[twins + 1])
    matched = np.zeros(n, dtype=bool)
    matched[twins[ok]] = True
    matched[twins[ok] + 1] = True
    out = np.zeros(len(geoms), dtype=bool)
    out[owner[order][~matched]] = True
    return out


def _rings(geoms: np.ndarray):
    """Every ring's coordinates, without building ring objects for polygons without holes:
    (coordinates, ring of each coordinate, polygon of each ring, whether each ring is a shell)."""
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    holed = shapely.get_num_interior_rings(parts) > 0
    simple = np.flatnonzero(~holed)
    coords, ring_of = shapely.get_coordinates(parts[simple], return_index=True)
    owners, shells = [part_owner[simple]], [np.ones(len(simple), dtype=bool)]
    if holed.any():
        rings, ring_part = shapely.get_rings(parts[holed], return_index=True)
        more, more_ring = shapely.get_coordinates(rings, return_index=True)
        coords = np.vstack([coords, more])
        ring_of = np.concatenate([ring_of, more_ring + len(simple)])
        owners.append(part_owner[np.flatnonzero(holed)][ring_part])
        shells.append(np.r_[True, ring_part[1:] != ring_part[:-1]])
    return coords, ring_of, np.concatenate(owners), np.concatenate(shells)


@dataclass
class Pairs:
    """Candidate pairs (i < j) of a layer and their intersections (what the overlap check measures)."""
    left: np.ndarray
    right: np.ndarray
    overlaps: np.ndarray  # geometries

    @property
    def areas(self) -> np.ndarray:
        return shapely.area(self.overlaps)


@dataclass
class Layout:
    """A layer's union, and which polygons can overlap another (all of them, when the layer is
    small or the clean polygons turned out not to form a coverage), with the candidate pairs
    and their intersections when they were needed to check the union."""
    union: object
    suspect: np.ndarray
    pairs: Pairs | None = None


#: m² by which the layer's overlapping area may exceed what the candidate pairs account for
AREA_SLACK_M2 = 0.01


def layout(geoms: np.ndarray, tree=None) -> Layout:
    """``tree``: an STRtree or a GeoPandas spatial index of ``geoms`` when the caller has one
    (the overlap check uses the same); built here otherwise.

    The union is checked: the polygons' areas exceed their union's by what overlaps, and with
    no two clean polygons overlapping, every overlap is within a candidate pair (a pair with a
    suspect), so the pairs' intersections account for all of it (more, where three overlap).
    If they do not (two overlapping tilings of the same land, say), every polygon is a suspect
    and the union is the plain one."""
    geoms = np.asarray(geoms, dtype=object)
    everything = np.ones(len(geoms), dtype=bool)
    if len(geoms) < SMALL:
        return Layout(shapely.union_all(geoms), everything)
    tree = shapely.STRtree(geoms) if tree is None else tree
    suspect = suspects(geoms)
    union = union_from_suspects(geoms, suspect, tree)
    left, right = candidate_pairs(geoms, tree, suspect)
    pairs = Pairs(left, right, shapely.intersection(geoms[left], geoms[right]))
    excess = float(shapely.area(geoms).sum()) - union.area
    if excess > float(pairs.areas.sum()) + AREA_SLACK_M2 + 1e-12 * union.area:
        return Layout(shapely.union_all(geoms), everything)
    return Layout(union, suspect, pairs)


def union_from_suspects(geoms: np.ndarray, suspect: np.ndarray, tree):
    """The union of a layer computed from its suspects' union and one point per piece.

    Every edge of a clean polygon has a twin whose polygon lies on the other side of it, so
    the outline of the clean polygons' union runs only along suspects' edges. A box around the
    layer minus the suspects' union therefore falls into pieces that the clean polygons either
    fill completely or do not touch at all (the outside, the gaps, slivers between suspects);
    one point inside each piece, looked up in the spatial index, says which. The union is the
    box minus the empty pieces. This holds when clean polygons overlap each other or a suspect
    lies over a clean polygon: only the suspects' edges are ever overlaid.
    """
    clean = ~suspect
    around = shapely.union_all(geoms[suspect])
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    frame = shapely.box(xmin - 1.0, ymin - 1.0, xmax + 1.0, ymax + 1.0)
    pieces = shapely.get_parts(shapely.difference(frame, around))
    pieces = pieces[shapely.get_type_id(pieces) == 3]  # polygons (an overlay may add lines)
    hit_piece, hit_geom = tree.query(shapely.point_on_surface(pieces), predicate="intersects")
    filled = np.zeros(len(pieces), dtype=bool)
    filled[hit_piece[clean[hit_geom]]] = True
    return shapely.difference(frame, shapely.union_all(pieces[~filled]))


def candidate_pairs(geoms: np.ndarray, tree, suspect: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of polygons whose boxes meet and which can overlap: pairs with a suspect
    in them (a clean polygon's edges all lie against a twin). ``tree``: an STRtree or a
    GeoPandas spatial index of ``geoms``."""
    geoms = np.asarray(geoms, dtype=object)
    if suspect.all():
        left, right = tree.query(geoms, predicate="intersects")
    else:
        which = np.flatnonzero(suspect)
        q, right = tree.query(geoms[which], predicate="intersects")
        left = which[q]
        left, right = np.minimum(left, right), np.maximum(left, right)
        pairs = np.unique(np.column_stack([left, right]), axis=0) if len(left) else np.zeros((0, 2), int)
        left, right = pairs[:, 0], pairs[:, 1]
    keep = left < right
    return left[keep], right[keep]
