"""import-register, import-raster and validate --date through the command line: a bad file is
exit 2 naming the row and column (or the file and field) with the store unchanged; a good one
replaces the register or raster, drops the illustrative mark, and the next validation measures it."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pyogrio
import pytest

from gis_service.store import GeoPackageStore
import rasterio
from pyproj import Transformer

from gis_service.cli import main

X0, Y0 = 433_000.0, 1_282_000.0  # inside SR-01 (EPSG:5899)


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


def cli(store, layers, *args):
    return ("--store", str(store), "--layers", str(layers), *args)


def csv_in_9212(tmp_path, rows):
    """Plots as points in the other VN-2000 zone (EPSG:9212), with their area in ha."""
    to_9212 = Transformer.from_crs("EPSG:5899", "EPSG:9212", always_xy=True)
    lines = ["plot_id,owner,owner_type,code,market,valid_from,valid_to,cert,export,inspected,area_ha,x,y"]
    for i, (code, dates, export, area) in enumerate(rows):
        x, y = to_9212.transform(X0 + 150 * i, Y0)
        lines.append(f"T{i + 1},Hộ {i + 1},hộ,{code},{'CN' if code else ''},{dates},VietGAP,{export},"
                     f"{'2026-10-01' if code else ''},{area},{x:.2f},{y:.2f}")
    path = tmp_path / "plots.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_register_csv_then_validate_by_hand(built, tmp_path, capsys):
    store, layers = built
    # 2 ha valid code, 3 ha expired on 31/12/2025, 5 ha no code: 20 % coded on 23/11/2026
    path = csv_in_9212(tmp_path, [("C-1", "2025-01-01,2027-12-31", "yes", 2),
                                  ("C-2", "2023-01-01,2025-12-31", "yes", 3), ("", ",", "no", 5)])
    code, out, _ = run(capsys, *cli(store, layers, "import-register", str(path), "--crs", "EPSG:9212",
                                    "--date", "2026-11-23"))
    assert code == 1 and "3 thửa / plots" in out and "10.00 ha" in out  # exit as validate: R14 fails
    assert GeoPackageStore(store).versions()[-1].action == "import-register"
    catalog = GeoPackageStore(store).read_table("layer_catalog")
    row = catalog[catalog["name"] == "durian_plots"].iloc[0]
    assert not row["illustrative"] and "plots.csv" in row["source"]
    code, out, _ = run(capsys, *cli(store, layers, "validate", "--json", "--date", "2026-11-23"))
    rules = {r["rule_id"]: r for r in json.loads(out)["rules"]}
    commune = [f for f in rules["R14"]["findings"] if not f["zone_ids"]][0]
    assert commune["measured"] == pytest.approx(20.0)
    sr01 = [f for f in rules["R14"]["findings"] if f["zone_ids"] == ["SR-01"]][0]
    assert sr01["measured"] == pytest.approx(20.0)  # every point lies in SR-01
    export = [f for f in rules["R15"]["findings"] if not f["zone_ids"]][0]
    assert export["measured"] == pytest.approx(20.0)


def test_import_register_bad_row_is_exit_2_and_the_store_is_unchanged(built, tmp_path, capsys):
    store, layers = built
    path = csv_in_9212(tmp_path, [("C-1", "2025-01-01,2027-12-31", "yes", 2),
                                  ("C-2", "2023-01-01,31/13/2025", "yes", 3)])
    before = digest(store)
    code, _, err = run(capsys, *cli(store, layers, "import-register", str(path), "--crs", "EPSG:9212"))
    assert code == 2 and "plots.csv" in err and "row 2 (line 3)" in err and "field 'valid_to'" in err
    assert digest(store) == before
    code, _, err = run(capsys, *cli(store, layers, "import-register", str(path)))  # no --crs for x/y
    assert code == 2 and "field 'x'" in err and digest(store) == before


def _soil_copy(layers, tmp_path, *, crs, value=None):
    with rasterio.open(layers / "illustrative" / "soil_suitability.tif") as src:
        band, profile = src.read(1), src.profile
    if value is not None:
        band = np.where(band > 0, value, 0).astype("uint8")
    path = tmp_path / "soil_new.tif"
    with rasterio.open(path, "w", **(profile | {"crs": crs})) as dst:
        dst.write(band, 1)
    return path


def test_import_raster_replaces_it_and_the_rules_measure_the_new_one(built, tmp_path, capsys):
    store, layers = built
    path = _soil_copy(layers, tmp_path, crs="EPSG:5899", value=1)  # every cell S1
    code, out, _ = run(capsys, *cli(store, layers, "import-raster", str(path), "--name", "soil_suitability",
                                    "--date", "2026-11-23"))
    assert code == 1  # exit as validate: other rules fail; the import's own check passes R21
    assert re.search(r"^R21\s+ĐẠT ", out, re.MULTILINE)
    code, out, _ = run(capsys, *cli(store, layers, "validate", "--json", "--date", "2026-11-23"))
    rules = {r["rule_id"]: r for r in json.loads(out)["rules"]}
    assert rules["R21"]["passed"] and all(f["measured"] == pytest.approx(100.0) for f in rules["R21"]["findings"])
    catalog = GeoPackageStore(store).read_table("layer_catalog")
    assert not catalog[catalog["name"] == "soil_suitability"].iloc[0]["illustrative"]


def test_import_raster_without_crs_is_exit_2_naming_the_file(built, tmp_path, capsys):
    store, layers = built
    path = _soil_copy(layers, tmp_path, crs=None)
    before = digest(store)
    code, _, err = run(capsys, *cli(store, layers, "import-raster", str(path), "--name", "soil_suitability"))
    assert code == 2 and "soil_new.tif" in err and "field 'crs'" in err and digest(store) == before
    code, _, err = run(capsys, *cli(store, layers, "import-raster", str(path), "--name", "soils"))
    assert code == 2 and "no raster named 'soils'" in err


def test_validate_date_must_be_a_date(built, capsys):
    store, layers = built
    code, _, err = run(capsys, *cli(store, layers, "validate", "--date", "30/02/2026"))
    assert code == 2 and "--date" in err


@pytest.mark.parametrize("edit, field, words", [
    (lambda r: r["params"].update({"raster": "soils"}), "params.raster", "unknown raster 'soils'"),
    (lambda r: r["params"].update({"min_percent": 170}), "params.min_percent", "less than or equal to 100"),
])
def test_plan_naming_an_unknown_raster_or_a_bad_share_is_exit_2(built, capsys, edit, field, words):
    import yaml

    store, layers = built
    plan = yaml.safe_load((layers / "plan.yaml").read_text(encoding="utf-8"))
    edit(next(r for r in plan["rules"] if r["id"] == "R20"))
    (layers / "plan.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    code, _, err = run(capsys, *cli(store, layers, "validate"))
    assert code == 2 and "plan.yaml" in err and "'R20'" in err and f"field '{field}'" in err and words in err


def test_an_unknown_class_code_is_exit_2_naming_the_rule(built, capsys):
    import yaml

    store, layers = built
    plan = yaml.safe_load((layers / "plan.yaml").read_text(encoding="utf-8"))
    next(r for r in plan["rules"] if r["id"] == "R21")["params"]["classes"] = ["S1", "S9"]
    (layers / "plan.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    code, _, err = run(capsys, *cli(store, layers, "validate"))
    assert code == 2 and "'R21'" in err and "no class 'S9'" in err and "params.classes" in err
