"""The durian register: shares computed by hand on small fixtures, the siting, overlap, code-area
and inspection checks, and imports (CSV, GeoPackage, zipped Shapefile) whose bad rows are named
by row and column."""

from __future__ import annotations

import zipfile
from datetime import date

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from gis_service.config import parse
from gis_service.errors import InputError
from gis_service.plan import Plan
from gis_service.register import plot_status, read_register
from gis_service.validate import run_rules

X0, Y0 = 430_000.0, 1_290_000.0
ON = date(2026, 6, 30)
KINDS = {k: {"name_vi": k, "name_en": k, "landuse": ["CLN"], "color": "#aabbcc"} for k in ("durian", "other")}
VALID = {"code": "C-1", "valid_from": "2025-01-01", "valid_to": "2027-12-31"}
EXPIRED = {"code": "C-2", "valid_from": "2023-01-01", "valid_to": "2026-06-29"}  # the day before ON
NONE = {"code": "", "valid_from": "", "valid_to": ""}


def sq(x, y, w, h):
    return box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def plot(pid, geom, code=NONE, export=True, inspected="2026-01-15", area_ha=None):
    return {"plot_id": pid, "owner": "Hộ A", "owner_type": "household", "market": "CN", "cert": "VietGAP",
            "export": export, "inspected": inspected if code["code"] else "",
            "area_ha": area_ha if area_ha is not None else geom.area / 10_000, **code, "geometry": geom}


def register(*rows):
    return gpd.GeoDataFrame(list(rows), geometry="geometry", crs="EPSG:5899")


# zone A: x 0..1,000 m, zone B: x 1,000..2,000 m, both 1,000 m tall (100 ha each)
ZONES = gpd.GeoDataFrame([{"id": "A", "kind": "durian"}, {"id": "B", "kind": "durian"}],
                         geometry=[sq(0, 0, 1000, 1000), sq(1000, 0, 1000, 1000)], crs="EPSG:5899")
# 2 ha with a valid code, 3 ha with a code that expired the day before, 5 ha with none
HAND = register(plot("P2", sq(100, 100, 200, 100), VALID), plot("P3", sq(100, 400, 300, 100), EXPIRED),
                plot("P5", sq(1100, 100, 500, 100), NONE))


def check(rule: dict, plots, zones=ZONES, on=ON):
    plan = parse({"name_vi": "t", "name_en": "t", "crs": "EPSG:5899", "zone_kinds": KINDS,
                  "remaining": KINDS["other"], "rules": [{"id": "R", "title_vi": "t", "title_en": "t", **rule}]},
                 Plan, "test")
    report = run_rules(plan, zones, box(X0 - 1e4, Y0 - 1e4, X0 + 1e4, Y0 + 1e4), {"plots": plots}, on=on)
    return report.outcomes[0]


def by_subject(outcome):
    return {f.zone_ids: f for f in outcome.findings}


def test_coded_share_by_hand_2_3_5_ha():
    out = check({"check": "plot_code_share", "zones": ["durian"], "params": {"register": "plots", "min_percent": 100}},
                HAND)
    found = by_subject(out)
    assert found[()].measured == pytest.approx(20.0)       # 2 of 10 ha
    assert found[("A",)].measured == pytest.approx(40.0)   # 2 of 5 ha
    assert found[("B",)].measured == pytest.approx(0.0)    # 0 of 5 ha
    assert not out.passed
    assert "20,0 %" in found[()].message_vi and "(2,0 / 10,0 ha)" in found[()].message_vi
    assert "30/06/2026" in found[()].message_vi and "30 Jun 2026" in found[()].message_en
    assert "20.0 % of the durian area" in found[()].message_en
    assert found[()].geometry is None  # a share has no place: the map colours the plots instead


def test_a_code_counts_until_its_last_day_and_not_before_its_first():
    # on 29/06/2026, P3's last valid day, P2 and P3 are coded: 5 of 10 ha
    out = check({"check": "plot_code_share", "params": {"register": "plots", "min_percent": 50, "per": ["commune"]}},
                HAND, on=date(2026, 6, 29))
    assert out.passed and out.findings[0].measured == pytest.approx(50.0)
    # before P2's code starts (01/01/2025) only P3's counts: 3 of 10 ha
    out = check({"check": "plot_code_share", "params": {"register": "plots", "min_percent": 50, "per": ["commune"]}},
                HAND, on=date(2024, 12, 31))
    assert out.findings[0].measured == pytest.approx(30.0)
    assert list(plot_status(HAND, date(2024, 12, 31))) == ["expired", "export", "none"]


def test_export_share_needs_a_valid_code():
    plots = register(plot("P2", sq(100, 100, 200, 100), VALID, export=True),
                     plot("P3", sq(100, 400, 300, 100), EXPIRED, export=True),   # expired: cannot export
                     plot("P5", sq(1100, 100, 500, 100), VALID, export=False))
    out = check({"check": "plot_export_share", "zones": ["durian"],
                 "params": {"register": "plots", "min_percent": 80}}, plots)
    found = by_subject(out)
    assert found[()].measured == pytest.approx(20.0) and not found[()].passed
    assert found[("A",)].measured == pytest.approx(40.0)


def test_a_plot_across_two_zones_counts_in_each_by_area_and_a_point_by_its_area():
    plots = register(plot("X", sq(900, 0, 200, 200), VALID),                       # 4 ha: 2 in A, 2 in B
                     plot("PT", Point(X0 + 1500, Y0 + 500), NONE, area_ha=6.0))   # 6 ha in B
    found = by_subject(check({"check": "plot_code_share", "zones": ["durian"],
                              "params": {"register": "plots", "min_percent": 100}}, plots))
    assert found[("A",)].measured == pytest.approx(100.0) and found[("A",)].passed
    assert found[("B",)].measured == pytest.approx(100 * 2 / 8)
    assert found[()].measured == pytest.approx(40.0)  # 4 of 10 ha


def test_a_zone_with_no_plot_is_said_so_not_divided_by_zero():
    zones = ZONES.assign(id=["A", "EMPTY"])
    plots = register(plot("P2", sq(100, 100, 200, 100), VALID))
    found = by_subject(check({"check": "plot_code_share", "params": {"register": "plots", "min_percent": 100}},
                             plots, zones))
    assert found[("EMPTY",)].measured is None and "no durian plot" in found[("EMPTY",)].message_en


def test_plots_outside_the_zones_and_overlapping_each_other():
    plots = register(plot("IN", sq(100, 100, 100, 100)),
                     plot("EDGE", sq(1950, 100, 100, 100)),      # 50 m × 100 m beyond zone B = 5,000 m²
                     plot("PT", Point(X0 + 2500, Y0 + 500), area_ha=1.0),
                     plot("OV", sq(190, 100, 100, 100)))        # overlaps IN by 10 m × 100 m
    out = check({"check": "plots_inside_zones", "params": {"register": "plots"}}, plots)
    found = by_subject(out)
    assert set(found) == {("EDGE",), ("PT",)}
    assert found[("EDGE",)].measured == pytest.approx(5000) and found[("PT",)].measured is None
    (f,) = check({"check": "plots_no_overlap", "params": {"register": "plots"}}, plots).findings
    assert f.zone_ids == ("IN", "OV") and f.measured == pytest.approx(1000) and not f.passed


def test_minimum_area_per_code():
    small = {**VALID, "code": "SMALL"}
    plots = register(plot("A1", sq(0, 0, 200, 200), small), plot("A2", sq(300, 0, 250, 200), small),  # 4 + 5 ha
                     plot("B1", sq(0, 300, 500, 300), VALID),                                          # 15 ha
                     plot("E1", sq(0, 700, 100, 100), EXPIRED))                                        # expired
    (f,) = check({"check": "code_min_area", "params": {"register": "plots", "min_ha": 10}}, plots).findings
    assert f.zone_ids == ("SMALL",) and f.measured == pytest.approx(9.0)
    assert "9,00 ha (2 thửa)" in f.message_vi and "below the minimum 10.0 ha" in f.message_en


def test_inspection_overdue_after_the_interval():
    plots = register(plot("A", sq(0, 0, 100, 100), {**VALID, "code": "ON-TIME"}, inspected="2025-06-30"),  # 365 d
                     plot("B", sq(0, 200, 100, 100), {**VALID, "code": "LATE"}, inspected="2025-06-29"),   # 366 d
                     plot("C", sq(0, 400, 100, 100), {**VALID, "code": "NEVER"}, inspected=""))
    out = check({"check": "code_inspection", "params": {"register": "plots", "interval_days": 365}}, plots)
    found = by_subject(out)
    assert set(found) == {("LATE",), ("NEVER",)}
    assert found[("LATE",)].measured == 366 and found[("NEVER",)].measured is None
    assert "29/06/2025" in found[("LATE",)].message_vi and "never inspected" in found[("NEVER",)].message_en


# -- imports ------------------------------------------------------------------------------------

HEADER = "plot_id,owner,owner_type,code,market,valid_from,valid_to,cert,export,inspected,area_ha,x,y\n"
GOOD_ROWS = [
    f"P1,Hộ Nguyễn Văn A,hộ,C-1,CN,2025-01-01,2027-12-31,VietGAP,yes,15/01/2026,2,{X0 + 100},{Y0 + 100}",
    f"P2,HTX Sầu riêng,HTX,C-2,CN,01/01/2023,29/06/2026,GlobalGAP,có,2026-01-15,3,{X0 + 200},{Y0 + 100}",
    f"P3,Doanh nghiệp B,doanh nghiệp,,,,,none,không,,5,{X0 + 1500},{Y0 + 100}",
]


def write_csv(tmp_path, rows, header=HEADER, name="plots.csv"):
    path = tmp_path / name
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_csv_points_with_area_import_and_give_the_hand_computed_share(tmp_path):
    frame = read_register(write_csv(tmp_path, GOOD_ROWS), None, "EPSG:5899", assume_crs="EPSG:5899")
    assert list(frame["owner_type"]) == ["household", "cooperative", "enterprise"]
    assert list(frame["valid_from"]) == ["2025-01-01", "2023-01-01", ""]
    assert list(frame["export"]) == [True, True, False]
    found = by_subject(check({"check": "plot_code_share", "zones": ["durian"],
                              "params": {"register": "plots", "min_percent": 100}}, frame))
    assert found[()].measured == pytest.approx(20.0) and found[("A",)].measured == pytest.approx(40.0)


def test_csv_in_the_other_vn2000_zone_is_reprojected(tmp_path):
    from pyproj import Transformer

    to_9212 = Transformer.from_crs("EPSG:5899", "EPSG:9212", always_xy=True)
    x, y = to_9212.transform(X0 + 100, Y0 + 100)
    row = f"P1,Hộ A,hộ,,,,,none,no,,2,{x},{y}"
    frame = read_register(write_csv(tmp_path, [row]), None, "EPSG:5899", assume_crs="EPSG:9212")
    assert frame.geometry.iloc[0].distance(Point(X0 + 100, Y0 + 100)) < 0.01


@pytest.mark.parametrize("row_index, column, new_value, field, words", [
    (2, 9, "31/02/2026", "inspected", "not a date"),
    (1, 6, "", "valid_to", "needs its validity dates"),
    (0, 8, "maybe", "export", "yes or no"),
    (2, 7, "organic", "cert", "VietGAP, GlobalGAP or none"),
    (1, 11, "abc", "x", "not a number"),
    (2, 0, "P1", "plot_id", "used twice"),
    (0, 10, "", "area_ha", "area in hectares"),
    (1, 2, "farmer", "owner_type", "household"),
])
def test_csv_errors_name_the_row_and_column(tmp_path, row_index, column, new_value, field, words):
    rows = [r.split(",") for r in GOOD_ROWS]
    rows[row_index][column] = new_value
    path = write_csv(tmp_path, [",".join(r) for r in rows])
    with pytest.raises(InputError) as err:
        read_register(path, None, "EPSG:5899", assume_crs="EPSG:5899")
    assert err.value.file == str(path)
    assert err.value.feature == f"row {row_index + 1} (line {row_index + 2})"
    assert err.value.field == field and words in err.value.message


def test_csv_geometry_errors(tmp_path):
    path = write_csv(tmp_path, GOOD_ROWS)
    with pytest.raises(InputError) as err:  # x/y without their CRS
        read_register(path, None, "EPSG:5899")
    assert err.value.field == "x" and "--crs" in err.value.message
    lonlat = HEADER.replace(",x,y", ",lon,lat")
    with pytest.raises(InputError) as err:  # latitude and longitude swapped
        read_register(write_csv(tmp_path, ["P1,Hộ A,hộ,,,,,none,no,,2,11.9,107.0"], lonlat), None, "EPSG:5899")
    assert err.value.feature == "row 1 (line 2)" and "area of use" in err.value.message
    wkt = HEADER.replace(",area_ha,x,y", ",wkt")
    bad = write_csv(tmp_path, ['P1,Hộ A,hộ,,,,,none,no,,"POLYGON ((0 0, 1 1"'], wkt)
    with pytest.raises(InputError) as err:
        read_register(bad, None, "EPSG:5899", assume_crs="EPSG:5899")
    assert err.value.field == "wkt" and err.value.feature == "row 1 (line 2)"


def test_wkt_polygons_take_their_planar_area(tmp_path):
    wkt = HEADER.replace(",area_ha,x,y", ",wkt")
    polygon = sq(100, 100, 200, 100).wkt
    frame = read_register(write_csv(tmp_path, [f'P1,Hộ A,hộ,,,,,none,no,,"{polygon}"'], wkt), None,
                          "EPSG:5899", assume_crs="EPSG:5899")
    assert frame["area_ha"].iloc[0] == pytest.approx(2.0)


def test_geopackage_and_zipped_shapefile_round_trip(tmp_path):
    source = HAND.drop(columns="area_ha").assign(export=["yes", "no", "no"])
    gpkg = tmp_path / "plots.gpkg"
    source.to_file(gpkg, engine="pyogrio")
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    source.to_file(shp_dir / "plots.shp", engine="pyogrio")
    archive = tmp_path / "plots.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in shp_dir.iterdir():
            z.write(part, part.name)
    for path in (gpkg, archive):
        frame = read_register(path, None, "EPSG:5899")
        assert list(frame["plot_id"]) == ["P2", "P3", "P5"]
        assert list(frame["area_ha"]) == pytest.approx([2.0, 3.0, 5.0])
        assert list(plot_status(frame, ON)) == ["export", "expired", "none"]


def test_a_geopackage_row_error_names_the_plot(tmp_path):
    bad = HAND.drop(columns="area_ha").assign(export=["yes", "no", "no"], cert=["VietGAP", "BIO", "none"])
    path = tmp_path / "plots.gpkg"
    bad.to_file(path, engine="pyogrio")
    with pytest.raises(InputError) as err:
        read_register(path, None, "EPSG:5899")
    assert err.value.feature == "'P3' (#2)" and err.value.field == "cert"
