"""Edge-matching on the real boundaries: each neighbour's overlap, the gaps, the agreed border,
checked against values computed here independently from the source GeoJSON."""

from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis_service.cli import main
from gis_service.edgematch import IMPORTED_LAYER, edgematch_store, match_one
from gis_service.geom import greatest_width_m
from gis_service.settings import PROJECT_ROOT
from gis_service.store import GeoPackageStore

SOURCE = PROJECT_ROOT / "layers" / "basemap" / "communes_2025.geojson"
#: SOURCES.md: overlap of each neighbour with Nghĩa Trung, ha, planar EPSG:5899, rounded loosely
#: (Phú Trung measures 4.848 ha: "4.9" there is within 0.06 ha, not a 0.05 rounding)
PUBLISHED_OVERLAP_HA = {"Bù Đăng": 5.4, "Phước Sơn": 5.1, "Phú Trung": 4.9, "Bom Bo": 2.2, "Đồng Tâm": 1.1}


@pytest.fixture(scope="module")
def communes_5899() -> gpd.GeoDataFrame:
    return gpd.read_file(SOURCE).to_crs("EPSG:5899")


def _ours(communes):
    return communes[communes["code"].astype(str) == "25417"].geometry.iloc[0]


def _by_name(results):
    return {r.neighbour: r for r in results}


def test_overlaps_with_the_five_neighbours_equal_independent_shapely(settings, communes_5899):
    results = _by_name(edgematch_store(GeoPackageStore(settings.store)))
    assert set(results) == set(PUBLISHED_OVERLAP_HA)  # Bù Đăng included: found from geometry
    ours = _ours(communes_5899)
    for name, published in PUBLISHED_OVERLAP_HA.items():
        theirs = communes_5899[communes_5899["name"] == name].geometry.iloc[0]
        expected = ours.intersection(theirs).area / 10_000
        assert results[name].overlap_ha == pytest.approx(expected, abs=1e-3), name
        assert results[name].overlap_ha == pytest.approx(published, abs=0.06), name
        assert results[name].overlap_count >= 1


def test_gaps_cover_every_enclosed_hole_and_belong_to_neither(settings, communes_5899):
    ours = _ours(communes_5899)
    for r in edgematch_store(GeoPackageStore(settings.store)):
        theirs = communes_5899[communes_5899["name"] == r.neighbour].geometry.iloc[0]
        union = ours.union(theirs)
        holes = [shapely.Polygon(ring) for poly in shapely.get_parts(union) for ring in poly.interiors]
        holes = [h for h in holes if h.area >= 1.0]
        gaps = shapely.union_all([p.geometry for p in r.pieces if p.kind == "gap"])
        assert r.gap_count >= len(holes) > 0, r.neighbour
        for hole in holes:  # every sliver enclosed by the two polygons is reported
            assert gaps.intersection(hole).area == pytest.approx(hole.area, rel=1e-6)
        assert gaps.intersection(ours).area < 1.0 and gaps.intersection(theirs).area < 1.0
        for p in r.pieces:
            assert 0 < p.max_width_m < 60  # gaps and overlaps are slivers along the border, not lobes


def test_agreed_border_matches_sampling_along_our_border(settings, communes_5899):
    """Independent check: walk our border every metre, count where their border is within 10 m."""
    ours = _ours(communes_5899)
    ring = ours.boundary
    points = shapely.line_interpolate_point(ring, np.arange(0, ring.length, 1.0))
    for r in edgematch_store(GeoPackageStore(settings.store), tolerance_m=10.0):
        theirs = communes_5899[communes_5899["name"] == r.neighbour].geometry.iloc[0]
        shared = (shapely.distance(points, theirs) <= 50.0).sum()
        agreed = (shapely.distance(points, theirs.boundary) <= 10.0).sum()
        assert r.shared_border_m == pytest.approx(shared, rel=0.01, abs=5), r.neighbour
        assert r.agreed_border_m == pytest.approx(agreed, rel=0.01, abs=5), r.neighbour
        assert r.agreed_border_m < r.shared_border_m  # the real borders disagree somewhere


def test_identical_borders_agree_fully_with_no_overlap_or_gap():
    left, right = shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)
    r = match_one(left, right, "test")
    assert (r.overlap_count, r.gap_count) == (0, 0)
    # the common edge plus, at each corner where our border turns away, the tolerance (agreed)
    # and the 50 m search distance (shared): end effects of at most 100 m per neighbour
    assert r.agreed_border_m == pytest.approx(1000.0 + 2 * 10.0)
    assert r.shared_border_m == pytest.approx(1000.0 + 2 * 50.0)
    shifted = shapely.box(990, 0, 2000, 1000)  # 10 m of overlap along 1 km: 1 ha, 10 m wide
    r = match_one(left, shifted, "test", tolerance_m=5)
    assert r.overlap_ha == pytest.approx(1.0) and r.overlap_max_width_m == pytest.approx(10.0, abs=0.2)
    assert r.agreed_border_m < 100  # 10 m apart: nowhere within 5 m except the corners
    assert greatest_width_m(shapely.box(0, 0, 100, 30)) == pytest.approx(30.0, abs=0.2)


def _write_zipped_shapefile(gdf, folder, stem):
    gdf.to_file(folder / f"{stem}.shp", engine="pyogrio", layer_options={"ENCODING": "UTF-8"})
    path = folder / f"{stem}.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for part in folder.glob(f"{stem}.*"):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    return path


def test_cli_import_zipped_shapefile_in_old_zone_then_edgematch(settings, communes_5899, tmp_path, capsys):
    """A neighbour sends Bù Đăng in the old Bình Phước zone (EPSG:9212) as a zipped Shapefile;
    after reprojection to EPSG:5899 the overlap equals the one computed from the source."""
    bu_dang = gpd.read_file(SOURCE)
    bu_dang = bu_dang[bu_dang["name"] == "Bù Đăng"][["name", "geometry"]].to_crs("EPSG:9212")
    path = _write_zipped_shapefile(bu_dang, tmp_path, "bu_dang_vn2000")
    args = ["--store", str(settings.store), "--layers", str(settings.layers_dir), "-q"]
    assert main(args + ["import-neighbour", str(path), "--name", "Bù Đăng (gửi / sent)"]) == 0
    assert "Bù Đăng (gửi / sent)" in capsys.readouterr().out
    stored = GeoPackageStore(settings.store).read_layer(IMPORTED_LAYER)
    assert list(stored["name"]) == ["Bù Đăng (gửi / sent)"] and stored.crs.to_epsg() == 5899

    assert main(args + ["edgematch", "--json"]) == 0
    rows = {r["neighbour"]: r for r in json.loads(capsys.readouterr().out)}
    expected = _ours(communes_5899).intersection(
        communes_5899[communes_5899["name"] == "Bù Đăng"].geometry.iloc[0]).area / 10_000
    sent = rows["Bù Đăng (gửi / sent)"]
    assert sent["source"] == "imported: bu_dang_vn2000.zip"
    assert sent["overlap_ha"] == pytest.approx(expected, abs=0.01)  # two reprojections: cm, not m


def test_cli_import_whole_province_file_keeps_only_bordering_communes(settings, tmp_path, capsys):
    args = ["--store", str(settings.store), "--layers", str(settings.layers_dir), "-q"]
    assert main(args + ["import-neighbour", str(SOURCE)]) == 0
    stored = GeoPackageStore(settings.store).read_layer(IMPORTED_LAYER)
    assert sorted(stored["name"]) == sorted(PUBLISHED_OVERLAP_HA)  # 26 units in, five neighbours kept


def test_cli_refuses_file_that_does_not_border_us_and_stores_nothing(settings, tmp_path, capsys):
    far = gpd.read_file(SOURCE).to_crs("EPSG:5899")
    far = far[far.distance(_ours(far)) > 5000].head(1)
    path = tmp_path / "far.geojson"
    far.to_crs("EPSG:4326").to_file(path)
    before = GeoPackageStore(settings.store).layer_names()
    args = ["--store", str(settings.store), "--layers", str(settings.layers_dir), "-q"]
    assert main(args + ["import-neighbour", str(path)]) == 2
    err = capsys.readouterr().err
    assert "far.geojson" in err and "field 'geometry'" in err and "Nghĩa Trung" in err
    assert GeoPackageStore(settings.store).layer_names() == before


def test_cli_refuses_points_naming_the_feature(settings, tmp_path, capsys):
    path = tmp_path / "points.geojson"
    gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[shapely.box(0, 0, 1, 1), shapely.Point(107, 12)],
                     crs="EPSG:4326").to_file(path)
    args = ["--store", str(settings.store), "--layers", str(settings.layers_dir), "-q"]
    assert main(args + ["import-neighbour", str(path)]) == 2
    err = capsys.readouterr().err
    assert "points.geojson" in err and "feature #2" in err and "field 'geometry'" in err


def test_cli_edgematch_report_and_pieces_file(settings, tmp_path, capsys):
    out = tmp_path / "pieces.gpkg"
    args = ["--store", str(settings.store), "--layers", str(settings.layers_dir), "-q"]
    assert main(args + ["edgematch", "--output", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Bù Đăng" in text and "Chồng lấn / overlap" in text
    pieces = gpd.read_file(out)
    overlaps = pieces[pieces["kind"] == "overlap"].groupby("neighbour")["area_ha"].sum()
    assert set(overlaps.index) == set(PUBLISHED_OVERLAP_HA)
    for name, published in PUBLISHED_OVERLAP_HA.items():
        assert overlaps[name] == pytest.approx(published, abs=0.06)
