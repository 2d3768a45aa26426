"""Small geometry operations the checks, the edge-matching and the pages share."""

from __future__ import annotations

import shapely


def polygonal(geom):
    """The polygonal parts of an overlay or repair result (it may also hold lines and points)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def closing(geom, half_width_m: float):
    """Morphological closing: out, then in, by half the width, mitred so right-angle corners
    stay put. It fills exactly the spaces narrower than twice ``half_width_m``."""
    return geom.buffer(half_width_m, join_style="mitre").buffer(-half_width_m, join_style="mitre")


def greatest_width_m(polygon):
    """Greatest width: the diameter of the largest circle that fits inside the polygon (or
    each polygon of an array)."""
    return 2.0 * shapely.length(shapely.maximum_inscribed_circle(polygon, tolerance=0.05))


#: below this many geometries a vectorised call runs in one piece
PARALLEL_MIN = 50_000


def in_chunks(fn, geoms, *args, **kwargs):
    """``fn(geoms, *args)`` for a vectorised shapely function, run over a large array in one
    piece per core on threads (shapely releases the GIL inside GEOS), results concatenated."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    geoms = np.asarray(geoms, dtype=object)
    workers = min(os.cpu_count() or 1, 4)
    if len(geoms) < PARALLEL_MIN or workers < 2:
        return fn(geoms, *args, **kwargs)
    pieces = np.array_split(geoms, workers)
    with ThreadPoolExecutor(workers) as pool:
        return np.concatenate(list(pool.map(lambda part: fn(part, *args, **kwargs), pieces)))
