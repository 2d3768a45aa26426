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


def _mix(x: np.ndarray) -> np.ndarray:
    """A 64-bit integer hash (splitmix64's finaliser), element by element, in place."""
    for shift, mult in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
        x ^= x >> np.uint64(shift)
        x *= np.uint64(mult)
    x ^= x >> np.uint64(31)
    return x


def suspects(geoms: np.ndarray) -> np.ndarray:
    """True for each polygon with an edge that no other polygon runs along the other way.

    Each segment is hashed by its two end points, whichever way it runs; segments are sorted by
    hash, and a group of exactly two whose coordinates match with opposite directions (after
    reading shells counter-clockwise and holes clockwise) is a twin. Arrays stay one number per
    coordinate or segment (32-bit indices), so a million parcels (seven million segments) take
    a few hundred MB."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return np.zeros(0, dtype=bool)
    coords, ring_of, ring_owner, ring_is_shell = _rings(geoms)
    index = np.int32 if len(coords) < 2**31 - 1 else np.int64
    inner = ring_of[1:] == ring_of[:-1]
    seg = np.empty(int(inner.sum()), dtype=index)  # segment k: coordinate k to k + 1
    filled = 0
    for part in _slices(len(inner)):
        found = np.flatnonzero(inner[part]) + part.start
        seg[filled:filled + len(found)] = found
        filled += len(found)
    del inner
    seg_ring = ring_of[seg].astype(index, copy=False)
    del ring_of
    x, y = coords[:, 0], coords[:, 1]
    bits = coords.view(np.uint64)
    hv = np.empty(len(coords), dtype=np.uint64)
    for part in _slices(len(coords)):  # a slice at a time: the temporaries stay a few MB
        hv[part] = _mix(bits[part, 0] ^ _mix(bits[part, 1] + np.uint64(0x9E3779B97F4A7C15)))
    twice_area = np.zeros(len(ring_owner))  # each ring's signed area (shoelace), doubled
    for part in _slices(len(seg)):
        s = seg[part]
        twice_area += np.bincount(seg_ring[part], weights=x[s] * y[s + 1] - x[s + 1] * y[s],
                                  minlength=len(ring_owner))
    flip = (twice_area > 0) != ring_is_shell  # read the other way round: shells counter-clockwise, holes clockwise
    del twice_area
    h = np.empty(len(seg), dtype=np.uint64)
    for part in _slices(len(seg)):
        s = seg[part]
        h[part] = hv[s] + hv[s + 1]  # the same whichever way the segment runs
    del hv
    # the order within a group of equal hashes does not matter (a twin test is symmetric): the
    # default sort needs no work array
    order = np.argsort(h).astype(index)
    h.sort()  # in place: the same values as h[order], without a second array of them
    n = len(h)
    first = np.flatnonzero(np.r_[True, h[1:] != h[:-1]])
    del h
    pair = first[np.diff(np.r_[first, n]) == 2]
    del first
    a, b = order[pair], order[pair + 1]
    i, j = seg[a], seg[b]
    si = np.where(flip[seg_ring[a]], i + 1, i)  # where each runs from, and to
    ei = np.where(flip[seg_ring[a]], i, i + 1)
    sj = np.where(flip[seg_ring[b]], j + 1, j)
    ej = np.where(flip[seg_ring[b]], j, j + 1)
    del a, b, i, j
    ok = np.ones(len(pair), dtype=bool)
    for col in (0, 1):
        column = bits[:, col]
        ok &= column[si] == column[ej]
        ok &= column[ei] == column[sj]
    matched = np.zeros(n, dtype=bool)
    matched[pair[ok]] = True
    matched[pair[ok] + 1] = True
    out = np.zeros(len(geoms), dtype=bool)
    out[ring_owner[seg_ring[order[~matched]]]] = True
    return out


def _slices(n: int, size: int = 1 << 20):
    return [slice(start, start + size) for start in range(0, n, size)]


def _rings(geoms: np.ndarray, chunk: int = 100_000):
    """Every ring's coordinates: (coordinates, ring of each coordinate, polygon of each ring,
    whether each ring is a shell). Read a chunk of polygons at a time: shapely makes a Python
    object of every part (and of the rings of holed ones), a gigabyte for a million parcels
    at once; the coordinates go straight into one array, never into a list of chunks first."""
    if len(geoms) <= chunk:
        return _rings_of_parts(geoms)
    total = int(shapely.get_num_coordinates(geoms).sum())
    coords = np.empty((total, 2))
    ring_of = np.empty(total, dtype=np.int32 if total < 2**31 - 1 else np.int64)
    owners, shells = [], []
    rings = filled = 0
    for start in range(0, len(geoms), chunk):
        c, r, o, s = _rings_of_parts(geoms[start:start + chunk])
        coords[filled:filled + len(c)] = c
        ring_of[filled:filled + len(c)] = r + rings
        filled += len(c)
        owners.append(o + start)
        shells.append(s)
        rings += len(o)
    return coords, ring_of, np.concatenate(owners), np.concatenate(shells)


def _rings_of_parts(geoms: np.ndarray):
    """``_rings`` through shapely's parts, for layers with other geometry types mixed in."""
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
