"""The parcel rule set at scale, on 10,000 synthetic parcels (MINH HỌA / ILLUSTRATIVE) with faults
injected at known places: the service finds exactly the injected faults, and the same as an
independent plain-shapely computation written here."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest
import shapely
from shapely.geometry import box

from gis_service.coverage import layout, suspects
from gis_service.crs import equal_area_ha, geodesic_ha
from gis_service.plan import parse_plan
from gis_service.report import MAX_LISTED_IDS, console_table
from gis_service.build import build_store
from gis_service.settings import PROJECT_ROOT, Settings
from gis_service.store import open_store
from gis_service.synthetic import commune_boundary, make_parcels, write_parcels
from gis_service.validate import check_store_version, load_report, plan_source_of, run_rules

PLAN_FILE = PROJECT_ROOT / "layers" / "parcels" / "plan.yaml"


@pytest.fixture(scope="module")
def boundary():
    return commune_boundary(PROJECT_ROOT / "layers")


@pytest.fixture(scope="module")
def parcels(boundary):
    return make_parcels(10_000, boundary, seed=8)


@pytest.fixture(scope="module")
def report(parcels, boundary):
    plan = parse_plan(PLAN_FILE.read_text(encoding="utf-8"), str(PLAN_FILE))
    return run_rules(plan, parcels.frame, boundary, {})


def _failing(report, rule_id):
    return [f for o in report.outcomes if o.rule_id == rule_id for f in o.findings if not f.passed]


@pytest.fixture(scope="module")
def plain(parcels, boundary):
    """Independently: every pair of touching parcels intersected, one plain union, closing."""
    geoms = np.asarray(parcels.frame.geometry.values, dtype=object)
    ids = parcels.frame["id"].to_numpy()
    valid = shapely.is_valid(geoms)
    fixed = geoms.copy()
    fixed[~valid] = shapely.make_valid(geoms[~valid], method="structure")
    left, right = shapely.STRtree(fixed).query(fixed, predicate="intersects")
    keep = left < right
    areas = shapely.area(shapely.intersection(fixed[left[keep]], fixed[right[keep]]))
    pairs = sorted(tuple(sorted(p)) for p in zip(ids[left[keep]][areas > 1], ids[right[keep]][areas > 1]))
    union = shapely.union_all(fixed)
    closed = union.buffer(1, join_style="mitre").buffer(-1, join_style="mitre")
    gaps = [g for g in shapely.get_parts(closed.difference(union).intersection(boundary)) if g.area >= 1]
    allowed = boundary.buffer(0.5)
    return {"invalid": sorted(ids[~valid]), "pairs": pairs, "gap_m2": sorted(g.area for g in gaps),
            "outside": sorted(ids[shapely.area(shapely.difference(fixed, allowed)) > 0]),
            "total_ha": union.area / 10_000}


def assert_the_injected_faults(report, parcels) -> None:
    faults = parcels.faults
    assert len(faults.overlaps) == len(faults.gaps) == len(faults.bowties) == len(faults.outside) == 5
    assert sorted(f.zone_ids[0] for f in _failing(report, "P01")) == sorted(faults.bowties)
    overlaps = {tuple(sorted(f.zone_ids)): f.measured * 10_000 for f in _failing(report, "P02")}
    assert sorted(overlaps) == faults.overlaps
    for pair, m2 in overlaps.items():
        assert m2 == pytest.approx(faults.overlap_m2[pair], abs=0.5)  # kept to 4 decimals of a ha (1 m²)
    gaps = _failing(report, "P03")
    assert len(gaps) == len(faults.gaps)
    for f in gaps:  # each gap is one ring around a shrunk parcel
        (inner,) = set(f.zone_ids) & set(faults.gaps)
        assert f.measured == pytest.approx(faults.gap_m2[inner], abs=0.05)  # kept to 0.1 m²
    assert sorted(f.zone_ids[0] for f in _failing(report, "P04")) == sorted(faults.outside)
    (total,) = [o for o in report.outcomes if o.rule_id == "P05"][0].findings
    assert total.passed and total.measured == pytest.approx(
        (sum(parcels.frame.area) - sum(faults.overlap_m2.values())) / 10_000, abs=0.01)


def assert_the_same_as_plain(report, plain) -> None:
    assert sorted(tuple(sorted(f.zone_ids)) for f in _failing(report, "P02")) == plain["pairs"]
    assert sorted(f.measured for f in _failing(report, "P03")) == pytest.approx(plain["gap_m2"], abs=0.05)
    assert sorted(f.zone_ids[0] for f in _failing(report, "P04")) == plain["outside"]
    assert sorted(f.zone_ids[0] for f in _failing(report, "P01")) == plain["invalid"]
    (total,) = [o for o in report.outcomes if o.rule_id == "P05"][0].findings
    assert total.measured == pytest.approx(plain["total_ha"], abs=1e-4)
    assert [o.error for o in report.outcomes] == [None] * 5


def test_exactly_the_injected_faults(parcels, report):
    assert_the_injected_faults(report, parcels)


def test_the_same_as_plain_shapely(plain, report):
    assert_the_same_as_plain(report, plain)


# -- built by `gis-service build` into each store, validated by each engine ------------------------
@pytest.fixture(scope="module")
def parcel_layers(parcels, tmp_path_factory):
    """A layers folder as scripts/make_parcels.py leaves it: the parcel catalog and plan beside
    the parcels file and the commune's boundary."""
    work = tmp_path_factory.mktemp("parcel_layers")
    layers = work / "parcels"
    layers.mkdir()
    for name in ("plan.yaml", "catalog.yaml"):
        shutil.copy(PROJECT_ROOT / "layers" / "parcels" / name, layers / name)
    write_parcels(parcels, layers / "parcels.gpkg", PROJECT_ROOT / "layers")
    return layers


def _built(settings: Settings):
    store = open_store(settings)
    build_store(settings, store)
    return store


@pytest.fixture(scope="module")
def gpkg_parcel_store(parcel_layers, tmp_path_factory):
    return _built(Settings(layers_dir=parcel_layers, store=tmp_path_factory.mktemp("gpkg") / "store.gpkg"))


@pytest.fixture(scope="module")
def postgis_parcel_store(parcel_layers, pg_cluster, pg_empty_template):
    name = f"gis_test_{os.getpid()}_parcels"
    store = _built(Settings(layers_dir=parcel_layers, store=pg_cluster.create_database(name, template=pg_empty_template)))
    yield store
    store.close()
    pg_cluster.drop_database(name)


@pytest.mark.parametrize("engine", ["local", "dask"])
@pytest.mark.parametrize("backend", ["gpkg", "postgis"])
def test_each_store_and_engine_finds_exactly_the_injected_faults(request, backend, engine, parcels, plain):
    if engine == "dask":
        pytest.importorskip("dask_geopandas")
    store = request.getfixturevalue(f"{backend}_parcel_store")
    view = store.at()
    source = plan_source_of(view)
    if engine == "local":
        _, report = check_store_version(view, source)
    else:  # four partitions on two workers: twins and overlaps cross partitions
        from gis_service.engines.dask import check_store_version_dask

        _, report = check_store_version_dask(view, source, workers=2, processes=False, partition_rows=2_500)
    assert_the_injected_faults(report, parcels)
    assert_the_same_as_plain(report, plain)
    assert report.outcome_key() == load_report(view).outcome_key()  # what the build kept with the version


def test_a_passing_finding_does_not_list_every_parcel(report):
    data = report.to_dict()
    (total,) = [r for r in data["rules"] if r["rule_id"] == "P05"][0]["findings"]
    assert total["passed"] and total["zone_count"] == 10_000 and total["zone_ids"] == []
    assert len(json.dumps(data)) < 200_000
    assert MAX_LISTED_IDS < 10_000


def test_console_lists_failures_with_a_cap_and_a_count(boundary):
    plan = parse_plan(PLAN_FILE.read_text(encoding="utf-8"), str(PLAN_FILE))
    many = make_parcels(10_000, boundary, seed=3, faults_per=30)
    text = console_table(run_rules(plan, many.frame, boundary, {}))
    assert "… và 10 vi phạm khác" in text and "… and 10 more; all of them in --violations FILE" in text


def test_suspects_are_the_polygons_without_a_twin_edge():
    # a 3 × 1 row of unit squares sharing edges exactly, a fourth square overlapping the last,
    # and an exact duplicate of the first: shared edges run both ways, duplicates one way
    row = [box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1), box(2.5, 0.5, 3.5, 1.5), box(0, 0, 1, 1)]
    flags = suspects(np.array(row, dtype=object))
    # every square has an edge on the outline, so all are suspects; inside a 3 × 3 block the
    # middle one has four twin edges and is clean
    assert flags.all()
    block = [box(x, y, x + 1, y + 1) for x in range(3) for y in range(3)]
    assert list(suspects(np.array(block, dtype=object))) == [True] * 4 + [False] + [True] * 4
    assert suspects(np.array(block + [box(1, 1, 2, 2)], dtype=object))[4]  # a duplicate


def test_the_coverage_union_equals_the_plain_union(parcels):
    geoms = np.asarray(parcels.frame.geometry.values, dtype=object)
    fixed = np.where(shapely.is_valid(geoms), geoms, shapely.make_valid(geoms, method="structure"))
    fast = layout(fixed)
    assert not fast.suspect.all()  # the coverage path was taken
    plain = shapely.union_all(fixed)
    assert shapely.symmetric_difference(fast.union, plain).area < 1e-3


def test_the_vectorised_ellipsoidal_area_agrees_with_the_geodesic_one(parcels):
    geoms = np.asarray(parcels.frame.geometry.values[:3000], dtype=object)
    exact = geodesic_ha(geoms, "EPSG:5899")
    fast = equal_area_ha(geoms, "EPSG:5899")
    assert np.abs(fast - exact).max() < 1e-6 * exact.max()
    assert np.abs(fast / exact - 1).max() < 1e-5


def test_two_overlapping_tilings_are_not_taken_for_a_coverage():
    """Two subdivisions of the same land in one layer: inside each, every edge has its twin, so
    the polygons look clean, yet each overlaps the other tiling's. The union's area check
    catches it and every polygon is tested pair by pair."""
    a = [box(x, y, x + 1, y + 1) for x in range(80) for y in range(80)]
    b = [box(x * 80 / 70, y * 80 / 70, (x + 1) * 80 / 70, (y + 1) * 80 / 70) for x in range(70) for y in range(70)]
    geoms = np.array(a + b, dtype=object)
    assert not suspects(geoms)[[81, 6400 + 71]].any()  # interior polygons of both look clean
    fast = layout(geoms)
    assert fast.suspect.all() and fast.pairs is None
    assert fast.union.area == pytest.approx(6400)


def test_the_candidate_pairs_measured_with_the_union_are_the_overlap_checks(parcels):
    geoms = np.asarray(parcels.frame.geometry.values, dtype=object)
    fixed = np.where(shapely.is_valid(geoms), geoms, shapely.make_valid(geoms, method="structure"))
    fast = layout(fixed)
    big = fast.pairs.areas > 1
    ids = parcels.frame["id"].to_numpy()
    assert sorted(zip(ids[fast.pairs.left[big]], ids[fast.pairs.right[big]])) == parcels.faults.overlaps
