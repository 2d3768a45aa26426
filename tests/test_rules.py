"""Each rule kind on small fixtures whose answers are computed by hand (EPSG:5899 metres)."""

from __future__ import annotations

import geopandas as gpd
import pytest
from pyproj import Geod, Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from gis_service.config import parse
from gis_service.plan import Plan
from gis_service.validate import run_rules

X0, Y0 = 430_000.0, 1_290_000.0  # inside the commune, so lon/lat and geodesic areas are realistic
KINDS = {k: {"name_vi": k, "name_en": k, "landuse": ["CLN"], "color": "#aabbcc"}
         for k in ("hub", "farm", "reserve", "centre")}


def sq(x, y, w, h=None):
    """A w×h metre rectangle with its lower-left corner (x, y) metres from the origin."""
    return box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + (h if h is not None else w))


def zones(*rows):
    return gpd.GeoDataFrame([{"id": i, "kind": k} for i, k, _ in rows],
                            geometry=[g for _, _, g in rows], crs="EPSG:5899")


def layer(*geoms):
    return gpd.GeoDataFrame({"n": range(len(geoms))}, geometry=list(geoms), crs="EPSG:5899")


def check(rule: dict, zone_frame, boundary=None, layers=None):
    plan = parse({"name_vi": "t", "name_en": "t", "crs": "EPSG:5899", "zone_kinds": KINDS,
                  "remaining": KINDS["farm"], "rules": [{"id": "R", "title_vi": "t", "title_en": "t", **rule}]},
                 Plan, "test")
    boundary = boundary if boundary is not None else sq(-10_000, -10_000, 30_000)
    report = run_rules(plan, zone_frame, boundary, layers or {})
    return report.outcomes[0]


def failing(outcome):
    return [f for f in outcome.findings if not f.passed]


# -- area ---------------------------------------------------------------------------------------

def test_area_per_kind_against_min_and_max():
    # 2,000 m × 2,300 m = 460 ha and 1,000 m × 500 m = 50 ha: 510 ha of kind hub, over 500.
    z = zones(("A", "hub", sq(0, 0, 2000, 2300)), ("B", "hub", sq(5000, 0, 1000, 500)))
    out = check({"check": "area", "zones": ["hub"], "params": {"min_ha": 400, "max_ha": 500}}, z)
    assert not out.passed
    (f,) = out.findings
    assert f.measured == pytest.approx(510.0)
    assert set(f.zone_ids) == {"A", "B"}
    assert "above the target maximum 500 ha" in f.message_en and "vượt mức tối đa" in f.message_vi


def test_area_geodesic_stands_beside_planar():
    z = zones(("A", "hub", sq(0, 0, 2000, 2250)))  # 450 ha planar
    (f,) = check({"check": "area", "zones": ["hub"], "params": {"min_ha": 400, "max_ha": 500}}, z).findings
    assert f.passed and f.measured == pytest.approx(450.0)
    to_ll = Transformer.from_crs("EPSG:5899", "EPSG:4326", always_xy=True)
    ring = [to_ll.transform(x, y) for x, y in sq(0, 0, 2000, 2250).exterior.coords]
    # densify is unnecessary at 2 km: TM-3 lines are near-geodesic; pyproj Geod is the second method
    geodesic = abs(Geod(ellps="WGS84").polygon_area_perimeter(*zip(*ring))[0]) / 10_000
    assert f.geodesic_ha == pytest.approx(geodesic, rel=1e-4)
    assert f.geodesic_ha != pytest.approx(450.0, abs=1e-3)  # scale factor ≠ 1: they differ


def test_area_per_feature_reports_only_the_small_one():
    z = zones(("A", "farm", sq(0, 0, 200, 40)), ("B", "farm", sq(1000, 0, 200, 60)))  # 0.8 ha, 1.2 ha
    out = check({"check": "area", "params": {"per": "feature", "min_ha": 1}}, z)
    assert [f.zone_ids for f in failing(out)] == [("A",)]
    assert failing(out)[0].measured == pytest.approx(0.8)


# -- overlaps -----------------------------------------------------------------------------------

def test_two_squares_overlapping_by_exactly_2_5_ha():
    # 500 m squares, the second 450 m to the right: overlap 50 m × 500 m = 25,000 m² = 2.5 ha
    z = zones(("A", "hub", sq(0, 0, 500)), ("B", "farm", sq(450, 0, 500)))
    out = check({"check": "overlap_matrix", "params": {"tolerance_m2": 100}}, z)
    (f,) = failing(out)
    assert f.zone_ids == ("A", "B") and f.measured == pytest.approx(2.5)
    assert f.geometry.area == pytest.approx(25_000)


def test_allowed_pair_and_tolerance():
    z = zones(("R", "reserve", sq(0, 0, 500)), ("F", "farm", sq(450, 0, 500)),
              ("H", "hub", sq(949, 0, 500)))  # F–H overlap 1 m × 500 m = 500 m²
    rule = {"check": "overlap_matrix", "params": {"tolerance_m2": 600, "allowed": [["reserve", "farm"]]}}
    assert check(rule, z).passed
    rule["params"]["tolerance_m2"] = 400
    (f,) = failing(check(rule, z))
    assert f.zone_ids == ("F", "H") and f.measured == pytest.approx(0.05)


def test_overlap_within_one_kind():
    z = zones(("A", "farm", sq(0, 0, 1000)), ("B", "farm", sq(0, 900, 1000)))  # 10 ha
    (f,) = failing(check({"check": "overlap_matrix"}, z))
    assert f.measured == pytest.approx(10.0)


def test_no_overlap_with_layer():
    lake = layer(sq(800, 0, 1000))
    z = zones(("A", "farm", sq(0, 0, 1000)))  # 200 m × 1,000 m in the lake = 20 ha
    (f,) = failing(check({"check": "no_overlap_with_layer", "params": {"layer": "lake"}}, z, layers={"lake": lake}))
    assert f.measured == pytest.approx(20.0)


# -- geometry -----------------------------------------------------------------------------------

def test_bow_tie_is_reported_with_reason_place_and_repaired_size():
    bow = Polygon([(X0, Y0), (X0 + 200, Y0 + 200), (X0 + 200, Y0), (X0, Y0 + 200), (X0, Y0)])
    z = zones(("BT", "farm", bow), ("OK", "farm", sq(1000, 0, 100)))
    (f,) = failing(check({"check": "geometry_valid"}, z))
    assert f.zone_ids == ("BT",) and "Self-intersection" in f.message_en
    assert (f.geometry.x, f.geometry.y) == pytest.approx((X0 + 100, Y0 + 100))  # where the edges cross
    # repaired: two triangles of base 200 m and height 100 m = 2 × 10,000 m² = 2 ha
    assert f.measured == pytest.approx(2.0)


def test_rules_still_run_on_the_repaired_copy():
    bow = Polygon([(X0, Y0), (X0 + 200, Y0 + 200), (X0 + 200, Y0), (X0, Y0 + 200), (X0, Y0)])
    z = zones(("BT", "farm", bow), ("B", "farm", sq(150, 0, 100)))
    # B (x 150..250, y 0..100) meets the right triangle where 200 - x ≤ y ≤ 100 for x in 150..200:
    # ∫ (x - 100) dx from 150 to 200 = 3,750 m²
    out = check({"check": "overlap_matrix"}, z)
    assert out.error is None
    (f,) = failing(out)
    assert f.geometry.area == pytest.approx(3750.0)


def test_inside_boundary_with_tolerance():
    boundary = sq(0, 0, 5000)
    z = zones(("A", "farm", sq(4500, 0, 600, 500)), ("B", "farm", sq(0, 0, 500)))  # 100 m × 500 m outside
    (f,) = failing(check({"check": "inside_boundary", "params": {"tolerance_m": 5}}, z, boundary))
    assert f.zone_ids == ("A",) and f.measured == pytest.approx((100 - 5) * 500 / 10_000)
    assert check({"check": "inside_boundary", "params": {"tolerance_m": 100}}, z, boundary).passed


def test_gaps_narrower_than_width_are_found_wider_ones_are_not():
    # A and B 10 m apart over 500 m (a 5,000 m² sliver); B and C 30 m apart (a wide gap, allowed)
    z = zones(("A", "farm", sq(0, 0, 500)), ("B", "hub", sq(510, 0, 500)), ("C", "hub", sq(1040, 0, 500)))
    (f,) = failing(check({"check": "gaps", "params": {"max_width_m": 20}}, z))
    assert set(f.zone_ids) == {"A", "B"}
    assert f.measured == pytest.approx(5000, rel=1e-3)
    assert "10.0 m wide" in f.message_en


# -- siting -------------------------------------------------------------------------------------

def test_touches_layer_along_length():
    lake = layer(sq(-1000, 1000, 3000, 1000))  # lake shore along y = 1,000 m
    z = zones(("T", "hub", sq(0, 0, 700, 1000)), ("U", "hub", sq(2500, 0, 300, 990)))
    out = check({"check": "touches_layer", "params": {"layer": "lake", "min_length_m": 500, "tolerance_m": 5}},
                z, layers={"lake": lake})
    by_zone = {f.zone_ids[0]: f for f in out.findings}
    assert by_zone["T"].passed and by_zone["T"].measured == pytest.approx(700 + 2 * 5, abs=0.5)
    assert not by_zone["U"].passed and by_zone["U"].measured == 0


def test_within_and_min_distance():
    road = layer(LineString([(X0 - 5000, Y0 + 3000), (X0 + 5000, Y0 + 3000)]))
    z = zones(("N", "farm", sq(0, 0, 1000, 2700)), ("F", "farm", sq(2000, 0, 1000, 1000)))  # 300 m, 2,000 m
    near = check({"check": "within_distance", "params": {"layer": "road", "max_m": 1000}}, z, layers={"road": road})
    assert {f.zone_ids[0]: (f.passed, f.measured) for f in near.findings} == {"N": (True, 300), "F": (False, 2000)}
    away = check({"check": "min_distance", "params": {"layer": "road", "min_m": 500}}, z, layers={"road": road})
    (f,) = failing(away)
    assert f.zone_ids == ("N",) and f.measured == 300
    assert f.geometry.area == pytest.approx(1000 * 200)  # the strip of N within 500 m of the road


def test_contains_point():
    seat = layer(Point(X0 + 100, Y0 + 100))
    z = zones(("C", "centre", sq(0, 0, 50)))  # the seat is 50·√2 m from the corner
    rule = {"check": "contains_point", "zones": ["centre"], "params": {"layer": "seat"}}
    (f,) = check(rule, z, layers={"seat": seat}).findings
    assert not f.passed and f.measured == pytest.approx(70.7, abs=0.05)
    rule["params"]["max_distance_m"] = 100
    assert check(rule, z, layers={"seat": seat}).passed


def test_corners_of_touching_or_overlapping_zones_are_not_gaps():
    # an L of two zones (touching) and an overlapping pair: the concave corners lie within half
    # the width of both zones, yet they are open land, not a gap
    z = zones(("A", "farm", sq(0, 0, 500)), ("B", "hub", sq(500, 0, 500, 200)),
              ("C", "reserve", sq(3000, 0, 500)), ("D", "farm", sq(3300, 300, 500)))
    assert check({"check": "gaps", "params": {"max_width_m": 20}}, z).passed


def test_a_zone_inside_a_gap_is_not_a_gap():
    # A and B 10 m apart; C fills the middle 100 m of that space: two slivers of 200 m × 10 m remain
    z = zones(("A", "farm", sq(0, 0, 500)), ("B", "hub", sq(510, 0, 500)), ("C", "farm", sq(500, 200, 10, 100)))
    out = failing(check({"check": "gaps", "params": {"max_width_m": 20}}, z))
    assert sorted(round(f.measured) for f in out) == [2000, 2000]


# -- edge cases: holes, mixed ring orientation, empty layers, kinds with no zones, tiling ---------

def _geodesic_ring_ha(coords) -> float:
    """Geodesic area of one ring, by pyproj on its lon/lat vertices: a second method."""
    to_ll = Transformer.from_crs("EPSG:5899", "EPSG:4326", always_xy=True)
    lon_lat = [to_ll.transform(x, y) for x, y in coords]
    return abs(Geod(ellps="WGS84").polygon_area_perimeter(*zip(*lon_lat))[0]) / 10_000


def test_geodesic_area_subtracts_holes_whatever_the_ring_orientation():
    # a 1,000 m square with a 500 m hole, both rings drawn counter-clockwise (GeoJSON does not
    # fix ring order): 100 − 25 = 75 ha planar; geodesic is the shell's less the hole's
    shell, hole = sq(0, 0, 1000).exterior.coords, sq(250, 250, 500).exterior.coords
    holed = Polygon(shell, [hole])
    expected = _geodesic_ring_ha(shell) - _geodesic_ring_ha(hole)
    z = zones(("H", "hub", holed))
    (kind,) = check({"check": "area", "zones": ["hub"], "params": {"max_ha": 50}}, z).findings
    (feature,) = failing(check({"check": "area", "params": {"per": "feature", "max_ha": 50}}, z))
    for f in (kind, feature):
        assert f.measured == pytest.approx(75.0)
        assert f.geodesic_ha == pytest.approx(expected, rel=1e-5)


def test_geodesic_area_of_a_multipolygon_with_parts_drawn_both_ways():
    # 100 ha counter-clockwise and 50 ha clockwise: 150 ha, not their difference
    right = sq(2000, 0, 500, 1000)
    multi = MultiPolygon([sq(0, 0, 1000), Polygon(right.exterior.coords[::-1])])
    expected = _geodesic_ring_ha(sq(0, 0, 1000).exterior.coords) + _geodesic_ring_ha(right.exterior.coords)
    (f,) = failing(check({"check": "area", "params": {"per": "feature", "max_ha": 100}}, zones(("M", "farm", multi))))
    assert f.measured == pytest.approx(150.0) and f.geodesic_ha == pytest.approx(expected, rel=1e-5)


def test_touches_a_line_layer_along_its_length():
    road = layer(LineString([(X0 - 1000, Y0 + 1000), (X0 + 2000, Y0 + 1000)]))  # along y = 1,000 m
    z = zones(("T", "hub", sq(0, 0, 700, 1000)))
    (f,) = check({"check": "touches_layer", "params": {"layer": "road", "min_length_m": 500, "tolerance_m": 5}},
                 z, layers={"road": road}).findings
    assert f.passed and f.measured == pytest.approx(700 + 2 * 5)


EMPTY = gpd.GeoDataFrame({"n": []}, geometry=[], crs="EPSG:5899")


@pytest.mark.parametrize("rule, passes", [
    ({"check": "touches_layer", "params": {"layer": "L", "min_length_m": 10}}, False),
    ({"check": "within_distance", "params": {"layer": "L", "max_m": 10}}, False),
    ({"check": "min_distance", "params": {"layer": "L", "min_m": 10}}, True),  # nothing is too near
    ({"check": "contains_point", "params": {"layer": "L"}}, False),
    ({"check": "no_overlap_with_layer", "params": {"layer": "L"}}, True),
])
def test_a_rule_whose_layer_is_empty_gives_a_verdict_not_a_crash(rule, passes):
    out = check(rule, zones(("A", "farm", sq(0, 0, 500))), layers={"L": EMPTY})
    assert out.error is None and out.passed is passes
    for f in out.findings:
        assert "nan" not in f.message_en and "inf" not in f.message_en
        assert f.measured is None or f.measured == f.measured  # never NaN


def test_contains_point_with_no_zone_of_the_kind():
    seat = layer(Point(X0 + 10, Y0 + 10))
    rule = {"check": "contains_point", "zones": ["centre"], "params": {"layer": "seat"}}
    (f,) = check(rule, zones(("A", "farm", sq(0, 0, 500))), layers={"seat": seat}).findings
    assert not f.passed and f.measured is None
    assert "centre" in f.message_en and "inf" not in f.message_en


def test_validity_names_the_right_zone_whatever_the_frame_index():
    bow = Polygon([(X0, Y0), (X0 + 200, Y0 + 200), (X0 + 200, Y0), (X0, Y0 + 200), (X0, Y0)])
    z = zones(("OK", "farm", sq(1000, 0, 100)), ("BT", "farm", bow))
    for index in ([1, 0], [10, 11]):
        z.index = index
        assert [f.zone_ids for f in failing(check({"check": "geometry_valid"}, z))] == [("BT",)]


def test_a_narrow_inlet_of_one_zone_is_a_gap():
    # a 300 m square with a 10 m wide, 200 m deep inlet cut from its top edge: 2,000 m² of
    # unzoned land narrower than 20 m; a second zone 5 km away, near no other zone.
    u = sq(0, 0, 300).difference(sq(145, 100, 10, 200))
    z = zones(("U", "farm", u), ("F", "farm", sq(5000, 5000, 300)))
    (f,) = failing(check({"check": "gaps", "params": {"max_width_m": 20}}, z))
    assert f.zone_ids == ("U",) and f.measured == pytest.approx(2000, rel=1e-3)
