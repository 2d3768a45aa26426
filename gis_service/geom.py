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
