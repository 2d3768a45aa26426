"""The command line on the shipped layers and on bad input: exit codes, messages, store untouched."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import geopandas as gpd
import pytest
import yaml
from shapely.geometry import Polygon

from gis_service.cli import main

ZONES = "illustrative/draft_zones.geojson"


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def built(tmp_path, layers_copy, capsys):
    store = tmp_path / "out" / "store.gpkg"
    assert run(capsys, "--store", str(store), "--layers", str(layers_copy), "build")[0] == 0
    return store, layers_copy


#: the day the shipped register is judged on in these tests (codes expire, inspections fall due)
ON = "2026-11-23"


def test_validate_shipped_draft_fails_rules_on_purpose(built, capsys):
    store, layers = built
    code, out, _ = run(capsys, "--store", str(store), "--layers", str(layers), "validate", "--json",
                       "--date", ON)
    assert code == 1
    report = json.loads(out)
    assert report["reference_date"] == ON
    failed = {r["rule_id"] for r in report["rules"] if not r["passed"]}
    # hectares and siting (R03, R11); codes, export, code area, inspections (R14, R15, R18, R19);
    # durian zones on poor soil (R21). Plots sited, soil and slope of the high-tech area pass.
    assert failed == {"R03", "R11", "R14", "R15", "R18", "R19", "R21"}
    assert len(report["rules"]) - len(failed) >= 15  # most rules pass
    # the hub's official hectares, measured independently from the source file
    zones = gpd.read_file(layers / ZONES)
    hub_ha = zones[zones["kind"] == "produce_hub"].to_crs("EPSG:5899").area.sum() / 10_000
    (r03,) = [r for r in report["rules"] if r["rule_id"] == "R03"]
    assert r03["findings"][0]["measured"] == pytest.approx(hub_ha, rel=1e-6)
    assert r03["findings"][0]["geodesic_ha"] == pytest.approx(hub_ha, rel=2e-3)
    (r11,) = [r for r in report["rules"] if r["rule_id"] == "R11"]
    assert [f["zone_ids"] for f in r11["findings"] if not f["passed"]] == [["SR-03"]]


def test_console_table_and_violations_file(built, tmp_path, capsys):
    store, layers = built
    out_file = tmp_path / "violations.gpkg"
    code, out, err = run(capsys, "--store", str(store), "--layers", str(layers), "validate",
                         "--violations", str(out_file), "--date", ON)
    assert code == 1
    assert "KHÔNG ĐẠT" in out and "R03" in out and "16/23" in out
    assert "[23/23]" in err  # progress on stderr
    violations = gpd.read_file(out_file)
    assert {"R03", "R11"} <= set(violations["rule_id"])
    assert all(violations.geometry.notna())


def test_real_process_exit_code(built):
    store, layers = built
    proc = subprocess.run([sys.executable, "-m", "gis_service.cli", "--store", str(store), "--layers",
                           str(layers), "-q", "validate"], capture_output=True, text=True)
    assert proc.returncode == 1 and "R11" in proc.stdout


def test_validate_before_build_is_bad_input(tmp_path, capsys):
    code, _, err = run(capsys, "--store", str(tmp_path / "none.gpkg"), "validate")
    assert code == 2 and "gis-service build" in err


# -- bad input: exit 2, the file, feature and field named, the store unchanged ------------------

def _rebuild(capsys, store, layers):
    before = digest(store)
    code, _, err = run(capsys, "--store", str(store), "--layers", str(layers), "build")
    assert code == 2
    assert digest(store) == before, "a failed build changed the store"
    return err


def test_broken_geojson(built, capsys):
    store, layers = built
    (layers / ZONES).write_text('{"type": "FeatureCollection", "features": [{"type": ', encoding="utf-8")
    err = _rebuild(capsys, store, layers)
    assert "draft_zones.geojson" in err and "cannot be read" in err


def test_layer_with_no_crs_is_refused_unless_named(built, tmp_path, capsys):
    store, layers = built
    homes = gpd.read_file(layers / "illustrative" / "residential.geojson")  # EPSG:5899
    homes[["name_vi", "geometry"]].to_file(layers / "illustrative" / "nocrs.shp", engine="pyogrio")
    (layers / "illustrative" / "nocrs.prj").unlink()
    catalog = yaml.safe_load((layers / "catalog.yaml").read_text(encoding="utf-8"))
    (entry,) = [e for e in catalog["layers"] if e["name"] == "residential"]
    entry["file"] = "illustrative/nocrs.shp"
    (layers / "catalog.yaml").write_text(yaml.safe_dump(catalog, allow_unicode=True), encoding="utf-8")
    err = _rebuild(capsys, store, layers)
    assert "nocrs.shp" in err and "field 'crs'" in err
    entry["crs"] = "EPSG:99999"  # a CRS that does not exist: bad input, not a traceback
    (layers / "catalog.yaml").write_text(yaml.safe_dump(catalog, allow_unicode=True), encoding="utf-8")
    err = _rebuild(capsys, store, layers)
    assert "nocrs.shp" in err and "field 'crs'" in err and "EPSG:99999" in err
    entry["crs"] = "EPSG:5899"  # the user names it: accepted
    (layers / "catalog.yaml").write_text(yaml.safe_dump(catalog, allow_unicode=True), encoding="utf-8")
    assert run(capsys, "--store", str(store), "--layers", str(layers), "build")[0] == 0


def test_empty_layer(built, capsys):
    store, layers = built
    (layers / ZONES).write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    err = _rebuild(capsys, store, layers)
    assert "draft_zones.geojson" in err and "empty" in err


def test_zone_with_unknown_kind_names_feature_and_field(built, capsys):
    store, layers = built
    zones = gpd.read_file(layers / ZONES)
    zones.loc[zones["id"] == "SR-02", "kind"] = "durain_farming"
    zones.to_file(layers / ZONES, driver="GeoJSON", engine="pyogrio")
    err = _rebuild(capsys, store, layers)
    assert "draft_zones.geojson" in err and "'SR-02'" in err and "field 'kind'" in err


def test_zone_missing_a_value(built, capsys):
    store, layers = built
    zones = gpd.read_file(layers / ZONES)
    zones.loc[zones["id"] == "NS-01", "name_vi"] = None
    zones.to_file(layers / ZONES, driver="GeoJSON", engine="pyogrio")
    err = _rebuild(capsys, store, layers)
    assert "'NS-01'" in err and "field 'name_vi'" in err


@pytest.mark.parametrize("edit, feature, field", [
    (lambda p: p["rules"][2]["params"].update({"mx_ha": 500}), "'R03'", "params.mx_ha"),
    (lambda p: p["rules"][3].update({"zone": ["hightech_agri"]}), "'R04'", "zone"),
    (lambda p: p["rules"][2].update({"zones": ["produce_hubb"]}), "'R03'", "zones"),
    (lambda p: p["rules"][5]["params"]["allowed"].append(["bauxite_reserve", "rubber"]), "'R06'", "params"),
    (lambda p: p["zone_kinds"]["admin_centre"].update({"colour": "#ff0000"}), "'admin_centre'", "colour"),
])
def test_plan_file_errors(built, capsys, edit, feature, field):
    store, layers = built
    plan = yaml.safe_load((layers / "plan.yaml").read_text(encoding="utf-8"))
    edit(plan)
    (layers / "plan.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    before = digest(store)
    for command in ("build", "validate"):
        code, _, err = run(capsys, "--store", str(store), "--layers", str(layers), command)
        assert code == 2, err
        assert "plan.yaml" in err and feature in err and f"field '{field}'" in err, err
    assert digest(store) == before


# -- faulty geometry is not bad input: a violation, and every other rule still runs --------------

def test_bow_tie_and_zone_outside_are_violations(built, capsys):
    store, layers = built
    zones = gpd.read_file(layers / ZONES).to_crs("EPSG:5899")
    x, y = 432_000, 1_300_000  # a bow-tie 400 m across, inside the commune, clear of other zones
    zones.loc[zones["id"] == "SR-03", "geometry"] = Polygon(
        [(x, y), (x + 400, y + 400), (x + 400, y), (x, y + 400), (x, y)])
    ns = zones["id"] == "NS-01"  # the hub pushed 30 km east, far outside the commune
    zones.loc[ns, "geometry"] = zones.loc[ns, "geometry"].translate(30_000, 0)
    zones.to_file(layers / ZONES, driver="GeoJSON", engine="pyogrio")
    assert run(capsys, "--store", str(store), "--layers", str(layers), "build")[0] == 0
    code, out, _ = run(capsys, "--store", str(store), "--layers", str(layers), "validate", "--json")
    assert code == 1
    rules = {r["rule_id"]: r for r in json.loads(out)["rules"]}
    (bow,) = [f for f in rules["R01"]["findings"] if not f["passed"]]
    assert bow["zone_ids"] == ["SR-03"] and "Self-intersection" in bow["message_en"]
    assert bow["geometry"]["coordinates"] == pytest.approx([x + 200, y + 200])
    assert bow["measured"] == pytest.approx(8.0)  # two triangles 400 × 200 / 2 = 2 × 4 ha
    (outside,) = [f for f in rules["R02"]["findings"] if not f["passed"]]
    hub = gpd.read_file(layers / ZONES)
    hub_ha = hub[hub["id"] == "NS-01"].to_crs("EPSG:5899").area.iloc[0] / 10_000
    assert outside["zone_ids"] == ["NS-01"] and outside["measured"] == pytest.approx(hub_ha, rel=1e-6)
    # nothing stopped on the bad polygon; the raster rules cannot measure the hub 30 km away and
    # say so, naming the raster's file and the zone, instead of passing it
    raster_rules = {r for r, o in rules.items() if o["check"].startswith("raster_") and "produce_hub" in o["kinds"]}
    assert all(r["error"] is None for rid, r in rules.items() if rid not in raster_rules)
    for rid in raster_rules:
        assert not rules[rid]["passed"] and "zone 'NS-01'" in rules[rid]["error"]
        assert ".tif" in rules[rid]["error"] and "does not cover" in rules[rid]["error"]
    assert raster_rules == {"R21", "R23"} and len(rules) == 23


# -- after a refused build, validate does not quietly check the previous store ------------------

def test_validate_after_a_refused_build_refuses_the_previous_store(built, capsys):
    store, layers = built
    good = (layers / ZONES).read_bytes()
    (layers / ZONES).write_text('{"type": "FeatureCollection", "features": [{"type": ', encoding="utf-8")
    _rebuild(capsys, store, layers)  # refused, the store as it was
    before = digest(store)
    code, out, err = run(capsys, "--store", str(store), "--layers", str(layers), "validate")
    assert code == 2 and out == ""
    assert "was the last build refused?" in err and "zones ← draft_zones.geojson" in err
    assert digest(store) == before
    (layers / ZONES).write_bytes(good)  # the same bytes the store was built from: it matches again
    code, _, err = run(capsys, "--store", str(store), "--layers", str(layers), "validate")
    assert code == 1 and "from the files now in" in err and "built 20" in err


def test_the_store_records_each_source_files_checksum(built):
    store, layers = built
    from gis_service.store import CATALOG_TABLE, GeoPackageStore

    table = GeoPackageStore(store).at().read_table(CATALOG_TABLE).set_index("name")["sha256"]
    assert table["zones"] == hashlib.sha256((layers / ZONES).read_bytes()).hexdigest()
    assert table["communes"] == hashlib.sha256((layers / "basemap/communes_2025.geojson").read_bytes()).hexdigest()
    assert table["remaining_land"] == ""  # computed, not read


def test_validate_refuses_a_store_without_checksums(built, capsys):
    from gis_service.store import CATALOG_TABLE, GeoPackageStore, WriteInfo

    store, layers = built
    old = GeoPackageStore(store)
    old.write({CATALOG_TABLE: old.at().read_table(CATALOG_TABLE).drop(columns="sha256")},
              WriteInfo("build", "test", "catalog.yaml", "", "a store of an older version"))
    code, _, err = run(capsys, "--store", str(store), "--layers", str(layers), "validate")
    assert code == 2 and "run gis-service build" in err and "checksums" in err
