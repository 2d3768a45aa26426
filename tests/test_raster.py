"""Raster rules on tiny rasters whose answers are computed by hand (a polygon covering half a
cell counts half), the CRS and coverage errors, and the shipped rasters cross-checked against a
second engine (shapely cell-by-cell intersection)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from pyproj import Transformer
from rasterio.transform import from_origin
from shapely.geometry import box

from gis_service.catalog import RasterEntry
from gis_service.config import parse
from gis_service.errors import InputError
from gis_service.plan import Plan
from gis_service.raster import load_raster_file, zone_cells
from gis_service.settings import PROJECT_ROOT
from gis_service.validate import run_rules

X0, Y0 = 430_000.0, 1_290_000.0
KINDS = {k: {"name_vi": k, "name_en": k, "landuse": ["CLN"], "color": "#aabbcc"} for k in ("farm", "hub")}
SOIL = {"name": "soil", "file": "soil.tif", "kind": "classes", "title_vi": "Đất", "title_en": "Soil",
        "source": "test", "illustrative": True,
        "classes": [{"value": v, "code": c, "name_vi": c, "name_en": c, "color": "#000000"}
                    for v, c in ((1, "S1"), (2, "S2"), (3, "S3"), (4, "N"))]}
SLOPE = {"name": "slope", "file": "slope.tif", "kind": "continuous", "unit": "°", "title_vi": "Độ dốc",
         "title_en": "Slope", "source": "test", "illustrative": True,
         "ramp": [{"upto": 90, "color": "#000000", "label_vi": "x", "label_en": "x"}]}


def write_tif(path, array, *, crs="EPSG:5899", origin=(X0, Y0 + 20), cell=10.0, nodata=0):
    with rasterio.open(path, "w", driver="GTiff", width=array.shape[1], height=array.shape[0], count=1,
                       dtype=array.dtype.name, crs=crs, transform=from_origin(*origin, cell, cell),
                       nodata=nodata) as dst:
        dst.write(array, 1)
    return path


def raster(tmp_path, array, spec=SOIL, **kw):
    entry = RasterEntry.model_validate(spec)
    return load_raster_file(write_tif(tmp_path / spec["file"], array, **kw), entry)


def zones(*rows, crs="EPSG:5899"):
    return gpd.GeoDataFrame([{"id": i, "kind": k} for i, k, _ in rows],
                            geometry=[g for _, _, g in rows], crs=crs)


def check(rule: dict, zone_frame, rasters):
    plan = parse({"name_vi": "t", "name_en": "t", "crs": "EPSG:5899", "zone_kinds": KINDS,
                  "remaining": KINDS["farm"], "rules": [{"id": "R", "title_vi": "t", "title_en": "t", **rule}]},
                 Plan, "test")
    return run_rules(plan, zone_frame, box(X0 - 1e4, Y0 - 1e4, X0 + 1e4, Y0 + 1e4), {},
                     rasters=rasters).outcomes[0]


# A 2 × 2 raster of 10 m cells from (X0, Y0) to (X0 + 20, Y0 + 20):   top row    1 2
#                                                                      bottom row 1 4
# The zone x 0..15 m covers the left column whole and the right column half: 3 cells' worth.
CLASSES = np.array([[1, 2], [1, 4]], dtype="uint8")
SLOPES = np.array([[2, 4], [6, 10]], dtype="float32")
HALF = box(X0, Y0, X0 + 15, Y0 + 20)


def test_class_share_counts_a_half_covered_cell_half(tmp_path):
    soil = raster(tmp_path, CLASSES)
    rule = {"check": "raster_class_share", "params": {"raster": "soil", "classes": ["S1", "S2"], "min_percent": 80}}
    (f,) = check(rule, zones(("A", "farm", HALF)), {"soil": soil}).findings
    # S1: 2 whole cells, S2: half a cell → 2.5 of 3 cells = 83.33 %
    assert f.passed and f.measured == pytest.approx(100 * 2.5 / 3, abs=0.01)
    assert "83,33" not in f.message_vi and "83,3 %" in f.message_vi and "83.3 %" in f.message_en
    rule["params"] = {"raster": "soil", "classes": [2], "min_percent": 20}  # by value: 0.5 / 3
    (f,) = check(rule, zones(("A", "farm", HALF)), {"soil": soil}).findings
    assert not f.passed and f.measured == pytest.approx(100 / 6, abs=0.01)
    assert f.geometry is not None  # a failing zone is drawn on the map


def test_mean_and_max_weighted_by_coverage(tmp_path):
    slope = raster(tmp_path, SLOPES, SLOPE, nodata=-9999)
    rule = {"check": "raster_stat", "params": {"raster": "slope", "stat": "mean", "max_value": 5}}
    (f,) = check(rule, zones(("A", "farm", HALF)), {"slope": slope}).findings
    assert f.passed and f.measured == pytest.approx((2 + 6 + 0.5 * 4 + 0.5 * 10) / 3)  # 5.0
    rule["params"] = {"raster": "slope", "stat": "max", "max_value": 9}
    (f,) = check(rule, zones(("A", "farm", HALF)), {"slope": slope}).findings
    assert not f.passed and f.measured == pytest.approx(10)  # the half-covered cell counts
    assert "10,0°" in f.message_vi and "10.0°" in f.message_en


def test_a_polygon_smaller_than_a_cell_gets_that_cell(tmp_path):
    soil, slope = raster(tmp_path, CLASSES), raster(tmp_path, SLOPES, SLOPE, nodata=-9999)
    tiny = box(X0 + 12, Y0 + 12, X0 + 13, Y0 + 13)  # 1 m² inside the top-right cell (S2, 4°)
    (cells,) = zone_cells(soil, zones(("T", "farm", tiny)))
    assert cells.area_cells == pytest.approx(0.01) and cells.coverage.sum() == pytest.approx(0.01)
    share = check({"check": "raster_class_share", "params": {"raster": "soil", "classes": ["S2"],
                                                             "min_percent": 100}},
                  zones(("T", "farm", tiny)), {"soil": soil}).findings[0]
    assert share.passed and share.measured == pytest.approx(100.0)
    mean = check({"check": "raster_stat", "params": {"raster": "slope", "stat": "mean", "max_value": 5}},
                 zones(("T", "farm", tiny)), {"slope": slope}).findings[0]
    assert mean.measured == pytest.approx(4.0)


def test_nodata_counts_against_the_share_and_is_reported(tmp_path):
    soil = raster(tmp_path, np.array([[1, 0], [1, 0]], dtype="uint8"))  # right column: no data
    (f,) = check({"check": "raster_class_share", "params": {"raster": "soil", "classes": [1], "min_percent": 50}},
                 zones(("A", "farm", HALF)), {"soil": soil}).findings
    assert f.measured == pytest.approx(100 * 2 / 3, abs=0.01)
    assert "no data 33.3 %" in f.message_en and "không có dữ liệu 33,3 %" in f.message_vi


def test_a_raster_without_crs_is_refused_naming_the_file(tmp_path):
    path = write_tif(tmp_path / "nocrs.tif", CLASSES, crs=None)
    with pytest.raises(InputError) as err:
        load_raster_file(path, RasterEntry.model_validate(SOIL))
    assert err.value.file == str(path) and err.value.field == "crs"
    named = load_raster_file(path, RasterEntry.model_validate({**SOIL, "crs": "EPSG:5899"}))  # as documented
    with named.open() as src:
        assert src.crs.to_epsg() == 5899


def test_a_zone_outside_the_raster_is_named_with_the_file(tmp_path):
    soil = raster(tmp_path, CLASSES)
    rule = {"check": "raster_class_share", "params": {"raster": "soil", "classes": [1], "min_percent": 50}}
    # OUT spans x 15..25 m and the raster ends at x 20 m: half of it (50 m² of 100 m²) is outside
    two = zones(("IN", "farm", HALF), ("OUT", "farm", box(X0 + 15, Y0, X0 + 25, Y0 + 10)))
    with pytest.raises(InputError) as err:
        zone_cells(soil, two)
    assert err.value.file == "soil.tif" and err.value.feature == "zone 'OUT'" and "50.0%" in err.value.message
    # in a validation the rule reports it as its error (never a pass) and the other rules run
    out = check(rule, two, {"soil": soil})
    assert not out.passed and out.findings == []
    assert "soil.tif" in out.error and "zone 'OUT'" in out.error and "does not cover" in out.error


def test_a_raster_in_another_crs_is_measured_in_its_own_crs(tmp_path):
    # the raster in EPSG:9212 (the other VN-2000 zone): left column class 1, right column class 2.
    # The zone, drawn in 9212 over the left column and half the right one, then given to the
    # check in the plan CRS (5899): projected back into 9212, it covers 2.5 of 3 cells on S1+S2
    # and 2 of 3 on S1, as by hand.
    to_9212 = Transformer.from_crs("EPSG:5899", "EPSG:9212", always_xy=True)
    ox, oy = (round(v) for v in to_9212.transform(X0, Y0))
    soil = raster(tmp_path, np.array([[1, 2], [1, 2]], dtype="uint8"), crs="EPSG:9212", origin=(ox, oy + 20))
    drawn = shapely.segmentize(box(ox, oy, ox + 15, oy + 20), 0.5)
    zone = zones(("A", "farm", drawn), crs="EPSG:9212").to_crs("EPSG:5899")
    (f,) = check({"check": "raster_class_share", "params": {"raster": "soil", "classes": [1], "min_percent": 50}},
                 zone, {"soil": soil}).findings
    assert f.measured == pytest.approx(100 * 2 / 3, abs=0.01)


# -- the shipped rasters against a second engine ----------------------------------------------------

def _cells_by_shapely(path, polygon):
    """Each cell under the polygon with the area of its intersection, by shapely: no exactextract."""
    with rasterio.open(path) as src:
        band, t, nodata = src.read(1), src.transform, src.nodata
        c0, r1 = ~t * (polygon.bounds[0], polygon.bounds[1])
        c1, r0 = ~t * (polygon.bounds[2], polygon.bounds[3])
        rows = np.arange(max(int(r0), 0), min(int(np.ceil(r1)), src.height))
        cols = np.arange(max(int(c0), 0), min(int(np.ceil(c1)), src.width))
    rr, cc = np.meshgrid(rows, cols, indexing="ij")
    x0, y0 = t.c + cc.ravel() * t.a, t.f + rr.ravel() * t.e
    cells = shapely.box(x0, y0 + t.e, x0 + t.a, y0)
    inside = shapely.area(shapely.intersection(cells, polygon))
    values = band[rr.ravel(), cc.ravel()]
    keep = values != nodata
    return values[keep], inside[keep], polygon.area


@pytest.mark.parametrize("zone_id", ["CNC-01", "SR-03"])
def test_shipped_rasters_agree_with_cell_by_cell_intersection(zone_id):
    layers = PROJECT_ROOT / "layers"
    draft = gpd.read_file(layers / "illustrative" / "draft_zones.geojson")
    zone = draft[draft["id"] == zone_id].assign(kind="farm")[["id", "kind", "geometry"]]
    polygon = zone.geometry.iloc[0]
    soil = load_raster_file(layers / "illustrative" / "soil_suitability.tif", RasterEntry.model_validate(
        {**SOIL, "file": "soil_suitability.tif"}))
    slope = load_raster_file(layers / "illustrative" / "slope.tif", RasterEntry.model_validate(SLOPE))
    values, area, total = _cells_by_shapely(layers / "illustrative" / "soil_suitability.tif", polygon)
    expected_share = 100 * area[np.isin(values, [1, 2])].sum() / total
    (f,) = check({"check": "raster_class_share", "params": {"raster": "soil", "classes": ["S1", "S2"],
                                                            "min_percent": 70}},
                 zone, {"soil": soil}).findings
    assert f.measured == pytest.approx(expected_share, abs=0.01)
    values, area, _ = _cells_by_shapely(layers / "illustrative" / "slope.tif", polygon)
    (f,) = check({"check": "raster_stat", "params": {"raster": "slope", "stat": "mean", "max_value": 8}},
                 zone, {"slope": slope}).findings
    assert f.measured == pytest.approx(np.average(values, weights=area), abs=1e-3)


def test_shipped_rasters_are_small_marked_and_in_the_plan_crs():
    for name in ("soil_suitability.tif", "slope.tif"):
        path = PROJECT_ROOT / "layers" / "illustrative" / name
        assert path.stat().st_size < 400_000
        with rasterio.open(path) as src:
            assert src.crs.to_epsg() == 5899 and src.res == (30.0, 30.0)
            assert src.tags()["ILLUSTRATIVE"] == "MINH HỌA / ILLUSTRATIVE"
