"""The corpus of bad files (tests/data/bad/, made by scripts/make_bad_corpus.py), each fed to the
service the way a user would: as the zones layer, the catalog or the plan of a build, or as a
neighbour's boundary through `gis-service import-neighbour` and the web upload. Each must be
refused with exit 2 (HTTP 400) and a message naming the file, the feature and the field where
there is one, no traceback, in bounded time and memory, the store's bytes unchanged. Three are
accepted with a note (Z and M dropped) or as plain text (markup).

A table of every run (message, code, time, memory) is written to test-artifacts/bad_corpus.md."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
import shapely

from gis_service.settings import PROJECT_ROOT

from bad_corpus import (BAD, Case, Outcome, run_build_case, run_cli_neighbour, run_cli_plan, run_web_neighbour,
                        sha256)

SECONDS, MEGABYTES = 20.0, 300.0
ARTIFACT = PROJECT_ROOT / "test-artifacts" / "bad_corpus.md"
UPLOAD_LIMIT = 1024 * 1024  # the tests' upload limit: archives may expand to 4 MiB
REFUSED = "Lỗi dữ liệu đầu vào / Bad input"
AREA_OF_USE = "coordinates lie outside the area of use of"

CASES = [
    # broken or truncated files of each format
    Case("truncated GeoJSON", "zones", "truncated.geojson", 2, ("không đọc được", "Failed to read GeoJSON")),
    Case("truncated GeoPackage", "zones", "truncated.gpkg", 2, ("GeoPackage is damaged",)),
    Case("an image named .gpkg", "zones", "image.gpkg", 2, ("not recognized as a vector format",)),
    Case("zero bytes", "zones", "zero_bytes.geojson", 2, ("not recognized as a vector format",)),
    Case("JSON that is not GeoJSON", "zones", "not_geojson.json", 2, ("not recognized as a vector format",)),
    Case("truncated Shapefile", "zones", "truncated_shp/zones.shp", 2, ("'TT-01' (#1)", "field 'geometry'", "no geometry")),
    Case("no features", "zones", "empty.geojson", 2, ("lớp rỗng", "the layer is empty")),
    # missing sidecars, files that are not layers
    Case("Shapefile without .dbf", "zones", "no_dbf/zones.shp", 2, ("thiếu tệp zones.dbf", "has no zones.dbf")),
    Case("Shapefile without .shx", "zones", "no_shx/zones.shp", 2, ("has no zones.shx",)),
    Case("Shapefile without .prj", "zones", "no_prj/zones.shp", 2, ("field 'crs'", "no coordinate reference system")),
    Case("CSV given as a layer", "zones", "zones.csv", 2, ("không phải lớp bản đồ", "a CSV table")),
    Case("spreadsheet", "zones", "zones.xlsx", 2, ("not a vector layer: a spreadsheet",)),
    Case(".dbf alone", "zones", "zones.dbf", 2, ("attribute table of a Shapefile alone",)),
    Case("text file", "zones", "zones.txt", 2, ("not a vector layer: a text file",)),
    Case("no suffix", "zones", "zones", 2, ("(no suffix) is not accepted",)),
    # legacy encodings
    Case("Windows-1258 .dbf without .cpg", "zones", "cp1258_no_cpg/zones.shp", 2,
         ("'TT-01' (#1)", "field 'name_vi'", "no .cpg names its encoding")),
    Case("GeoJSON in Windows-1258", "zones", "cp1258.geojson", 2, ("chữ không phải UTF-8", "not UTF-8")),
    Case("UTF-8 read as Latin-1", "zones", "garbled.geojson", 2, ("'TT-01' (#1)", "field 'name_vi'", "garbled")),
    # wrong and missing CRSs, swapped axes, huge coordinates
    Case("metres labelled lon/lat", "zones", "metres_as_lonlat.geojson", 2,
         ("'TT-01' (#1)", AREA_OF_USE, "look like metres of a projected CRS")),
    Case("lon/lat labelled EPSG:5899", "zones", "lonlat_as_metres.geojson", 2,
         (AREA_OF_USE, "EPSG:5899", "look like longitude/latitude")),
    Case("lat/lon swapped", "zones", "lat_lon_swapped.geojson", 2, (AREA_OF_USE, "axes look swapped")),
    Case("northing first", "zones", "northing_first.geojson", 2, ("EPSG:5899", "axes look swapped")),
    Case("unknown CRS in the file", "zones", "unknown_crs.geojson", 2, (AREA_OF_USE, "is the CRS wrong?")),
    Case("vertex at 1e300", "zones", "vertex_1e300.geojson", 2, ("'SR-02' (#7)", "field 'geometry'", AREA_OF_USE)),
    # mixed, empty, null, NaN, infinite geometries
    Case("a point among the zones", "zones", "mixed.geojson", 2, ("'BX-K01' (#4)", "must hold only polygons", "Point")),
    Case("geometry collection", "zones", "collection.geojson", 2, ("'CNC-01' (#3)", "GeometryCollection is not accepted")),
    Case("lines for zones", "zones", "lines.geojson", 2, ("'TT-01' (#1)", "must hold only polygons")),
    Case("null geometry", "zones", "null_geometry.geojson", 2, ("'BX-T01' (#5)", "field 'geometry'", "no geometry")),
    Case("empty geometry", "zones", "empty_geometry.geojson", 2, ("'SR-01' (#6)", "no geometry")),
    Case("NaN vertex", "zones", "nan_vertex.fgb", 2, ("'TT-01'", "field 'geometry'", "vertex 4", "not a finite number")),
    Case("infinite vertex", "zones", "inf_vertex.fgb", 2, ("'TT-01'", "vertex 4", "not a finite number")),
    # attributes
    Case("duplicate ids", "zones", "duplicate_ids.geojson", 2, ("'NS-01' (#8)", "field 'id'", "used twice")),
    Case("a required field missing", "zones", "no_kind.geojson", 2, ("field 'kind'", "required field is missing")),
    # accepted: 3D and measured coordinates dropped with a note, markup kept as text
    Case("3D zones", "zones", "zones_3d.geojson", 0, ("Lưu ý / Note", "Z (height) coordinates dropped")),
    Case("measured (M) zones", "zones", "zones_m.fgb", 0, ("Lưu ý / Note", "M (measure) values dropped")),
    Case("markup in every text field", "zones", "markup.geojson", 0, ("Xong / Done",)),
    # catalog and plan files: paths leaving layers/, YAML bombs and tags
    Case("catalog path with ..", "catalog", "catalog_traversal.yaml", 2,
         ("catalog.yaml", "'zones'", "field 'file'", "inside the layers folder")),
    Case("catalog absolute path", "catalog", "catalog_absolute.yaml", 2, ("'zones'", "field 'file'", "'/etc/hostname'")),
    Case("catalog GDAL URL", "catalog", "catalog_url.yaml", 2, ("'zones'", "field 'file'", "no URL")),
    Case("catalog YAML bomb", "catalog", "catalog_bomb.yaml", 2, ("catalog.yaml", "YAML bomb")),
    Case("plan YAML bomb", "plan", "plan_bomb.yaml", 2, ("plan.yaml", "YAML bomb")),
    Case("catalog python tag", "catalog", "catalog_python_tag.yaml", 2, ("not valid YAML", "python/object/apply")),
    Case("catalog recursive alias", "catalog", "catalog_recursive.yaml", 2, ("catalog.yaml", "recursive document")),
    Case("catalog nested 3,000 deep", "catalog", "catalog_deep.yaml", 2, ("catalog.yaml", "nested too deeply")),
    Case("catalog in Windows-1258", "catalog", "catalog_cp1258.yaml", 2, ("catalog.yaml", "not UTF-8")),
    # a neighbour's boundary: archives
    Case("zip-slip", "neighbour", "nb_zip_slip.zip", 2, ("../../evil.geojson", "zip-slip")),
    Case("absolute path in zip", "neighbour", "nb_zip_absolute.zip", 2, ("evil.geojson", "zip-slip")),
    Case("symbolic link in zip", "neighbour", "nb_zip_symlink.zip", 2, ("bu_dang.geojson", "symbolic link")),
    Case("zip bomb", "neighbour", "nb_zip_bomb.zip", 2, ("bu_dang.geojson", "expands to more than 4,194,304 bytes")),
    Case("two layers in a zip", "neighbour", "nb_zip_two_layers.zip", 2, ("exactly one layer", "found 2")),
    Case("no layer in a zip", "neighbour", "nb_zip_no_layer.zip", 2, ("exactly one layer", "found 0")),
    Case("zip in a zip", "neighbour", "nb_zip_nested.zip", 2, ("exactly one layer", "found 0")),
    Case("201 files in a zip", "neighbour", "nb_zip_many.zip", 2, ("201 files, more than 200",)),
    Case("truncated zip", "neighbour", "nb_zip_truncated.zip", 2, ("not a valid zip archive",)),
    Case("encrypted zip", "neighbour", "nb_zip_encrypted.zip", 2, ("bu_dang.geojson", "cannot be unpacked", "encrypted")),
    Case("zipped Shapefile without .dbf", "neighbour", "nb_shp_no_dbf.zip", 2, ("bu_dang.shp", "has no bu_dang.dbf")),
    # a neighbour's boundary: not one neighbouring commune
    Case("our nine zones as a neighbour", "neighbour", "nb_nine_zones.geojson", 2,
         ("'TT-01' (#1)", "field 'geometry'", "lies inside Nghĩa Trung")),
    Case("a neighbour in two parts", "neighbour", "nb_two_parts.geojson", 2, ("feature #1", "must be one polygon", "2 parts")),
    Case("a neighbour 330 km away", "neighbour", "nb_far_away.geojson", 2, ("feature #1", "EPSG:5899", "once reprojected")),
    Case("a neighbour 55 km away", "neighbour", "nb_not_bordering.geojson", 2, ("field 'geometry'", "no polygon comes within 50 m")),
    Case("points as a neighbour", "neighbour", "nb_points.geojson", 2, ("feature #1", "must hold only polygons", "Point")),
    Case("neighbour vertex at 1e300", "neighbour", "nb_vertex_1e300.geojson", 2, ("(#1)", AREA_OF_USE)),
    Case("VN-2000 metres without a CRS", "neighbour", "nb_no_crs.geojson", 2, ("(#1)", "look like metres of a projected CRS")),
    # large, written at test time
    Case("a zone of 100,001 vertices", "zones", "zone_100001_vertices.gpkg", 2,
         ("(#9)", "field 'geometry'", "too many vertices: 100,001"), large=True),
    Case("a 1,000,000-vertex neighbour", "neighbour", "nb_million_vertices.gpkg", 2,
         ("feature #1", "too many vertices: 1,000,000"), large=True),
    Case("catalog over 1 MiB", "catalog", "catalog_huge.yaml", 2, ("catalog.yaml", "larger than 1,048,576 bytes"), large=True),
]
#: per case, the upload limit if not the tests' 1 MiB (the 16 MB million-vertex file is refused
#: for its vertices, not its size)
UPLOAD_LIMITS = {"nb_million_vertices.gpkg": 64 * 1024 * 1024}
_RESULTS: dict[tuple[str, str], Outcome] = {}


@pytest.fixture(scope="session")
def large_files(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bad_large")
    subprocess.run([sys.executable, str(PROJECT_ROOT / "scripts" / "make_bad_corpus.py"), "--large", str(out)],
                   check=True, capture_output=True, cwd=PROJECT_ROOT)
    return out


@pytest.fixture
def corpus_settings(settings, monkeypatch):
    monkeypatch.setenv("GIS_SERVICE_UPLOAD_MAX_BYTES", str(UPLOAD_LIMIT))
    return settings


def folder_of(case: Case, request) -> Path:
    return request.getfixturevalue("large_files") if case.large else BAD


def test_the_corpus_has_at_least_40_files_and_every_one_has_a_case():
    files = {p.relative_to(BAD).as_posix() for p in BAD.rglob("*") if p.is_file()}
    used = {c.path for c in CASES if not c.large}
    main_files = {f for f in files if not f.endswith((".shx", ".dbf", ".prj", ".cpg")) or "/" not in f}
    assert len(CASES) >= 40 and main_files == used


@pytest.mark.parametrize("case", [c for c in CASES if c.role != "neighbour"], ids=lambda c: c.name)
def test_build(case, corpus_settings, layers_copy, capsys, request):
    outcome = run_build_case(case, folder_of(case, request), layers_copy, corpus_settings.store, capsys)
    _assert_outcome(case, outcome, "build")
    if case.code == 0:
        _accepted_as_stored(case, corpus_settings.store)


@pytest.mark.parametrize("case", [c for c in CASES if c.role == "neighbour"], ids=lambda c: c.name)
def test_cli_import_neighbour(case, corpus_settings, capsys, request, monkeypatch):
    monkeypatch.setenv("GIS_SERVICE_UPLOAD_MAX_BYTES", str(UPLOAD_LIMITS.get(case.path, UPLOAD_LIMIT)))
    outcome = run_cli_neighbour(case, folder_of(case, request), corpus_settings.layers_dir,
                                corpus_settings.store, capsys)
    _assert_outcome(case, outcome, "import-neighbour")


@pytest.mark.parametrize("case", [c for c in CASES if c.role == "neighbour"], ids=lambda c: c.name)
def test_web_upload(case, corpus_settings, request):
    from dataclasses import replace

    from gis_service.web import create_app

    limit = UPLOAD_LIMITS.get(case.path, UPLOAD_LIMIT)
    client = create_app(replace(corpus_settings, upload_max_bytes=limit)).test_client()
    outcome = run_web_neighbour(case, folder_of(case, request), client, corpus_settings.store)
    assert outcome.code == 400, outcome.message
    _assert_outcome(case, outcome, "web", name_only=True)


def test_the_issues_1_gib_archive_is_refused_by_the_cli_with_default_limits(settings, large_files, capsys):
    """The CLI import unpacked 1 GiB from a 1 MB archive; now the web upload's limit (4 × 50 MB)."""
    case = Case("1 GiB zip bomb", "neighbour", "nb_bomb_1gib.zip", 2, ("expands to more than 209,715,200 bytes",))
    assert (large_files / case.path).stat().st_size < 2 * 1024 * 1024
    outcome = run_cli_neighbour(case, large_files, settings.layers_dir, settings.store, capsys)
    _assert_outcome(case, outcome, "import-neighbour (default limits)")


def test_a_layer_file_through_a_link_out_of_layers_is_refused(corpus_settings, layers_copy, capsys, tmp_path):
    """A symbolic link inside layers/ that leads out of it is refused like '..'."""
    outside = tmp_path / "outside.geojson"
    shutil.copy(PROJECT_ROOT / "layers" / "illustrative" / "draft_zones.geojson", outside)
    (layers_copy / "bad").mkdir()
    (layers_copy / "bad" / "link.geojson").symlink_to(outside)
    case = Case("a link out of layers/", "zones", "link.geojson", 2, ("'zones'", "field 'file'", "leads outside the layers folder"))
    text = (layers_copy / "catalog.yaml").read_text(encoding="utf-8")
    (layers_copy / "catalog.yaml").write_text(text.replace("illustrative/draft_zones.geojson", "bad/link.geojson"),
                                              encoding="utf-8")
    from bad_corpus import _measured
    outcome = _measured(capsys, corpus_settings.store, "--store", str(corpus_settings.store), "--layers",
                        str(layers_copy), "build")
    _assert_outcome(case, outcome, "build")


def _assert_outcome(case: Case, outcome: Outcome, how: str, name_only: bool = False) -> None:
    _RESULTS[(case.name, how)] = outcome
    message = outcome.message
    assert "Traceback" not in message and "Error:" not in message.replace("Bad input", ""), message
    if how != "web":
        assert outcome.code == case.code, message
    if case.code:
        assert REFUSED in message or how == "web", message
        # a catalog or plan case stands in for catalog.yaml or plan.yaml
        assert (f"{case.role}.yaml" if case.role in ("catalog", "plan") else Path(case.path).name) in message, message
        assert not outcome.store_changed, "a refused file changed the store"
    for words in case.words:
        assert words in message, (words, message)
    assert outcome.seconds < SECONDS and outcome.peak_mb < MEGABYTES, (outcome.seconds, outcome.peak_mb)


def _accepted_as_stored(case: Case, store: Path) -> None:
    from gis_service.store import GeoPackageStore

    zones = GeoPackageStore(store).at().read_layer("zones")
    assert not shapely.has_z(zones.geometry.values).any()
    if "markup" in case.path:
        assert all(n.endswith('<script>window.__xss=2</script>') for n in zones["name_vi"])


def teardown_module() -> None:
    """The table of every run, for the record (not a test)."""
    if not _RESULTS:
        return
    ARTIFACT.parent.mkdir(exist_ok=True)
    lines = ["| file | how | code | time (s) | peak (MB) | message |", "|---|---|---|---|---|---|"]
    order = {c.name: i for i, c in enumerate(CASES)}
    paths = {c.name: c.path for c in CASES}
    for (name, how), o in sorted(_RESULTS.items(), key=lambda kv: (order.get(kv[0][0], len(order)), kv[0][1])):
        message = o.message.split("Bad input: ")[-1]
        message = " ".join(message[message.find("Lưu ý / Note"):].split() if "Lưu ý" in message else message.split())
        message = re.sub(r"(?<=file )/\S+/", "", message)[:200].replace("|", "\\|")
        lines.append(f"| {paths.get(name, name)} | {how} | {o.code} | {o.seconds:.2f} | {max(o.peak_mb, 0):.0f} | {message} |")
    ARTIFACT.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("bad, words", [("nan_vertex.fgb", "not a finite number"),
                                        ("inf_vertex.fgb", "not a finite number")])
def test_import_plan_refuses_a_nan_or_infinite_vertex(corpus_settings, capsys, tmp_path, bad, words):
    """A consultant's draft goes through the same vertex checks (gis-service import-plan)."""
    import geopandas as gpd

    from bad_corpus import _measured

    draft = tmp_path / "draft.gpkg"
    gpd.read_file(BAD / bad).to_file(draft, engine="pyogrio", layer="zones")
    case = Case(f"import-plan {bad}", "plan-draft", "draft.gpkg", 2, ("'TT-01'", "field 'geometry'", words))
    outcome = _measured(capsys, corpus_settings.store, "--store", str(corpus_settings.store), "--layers",
                        str(corpus_settings.layers_dir), "import-plan", str(draft))
    _assert_outcome(case, outcome, "import-plan")


ARCHIVE_CASES = [c for c in CASES if c.path.startswith("nb_zip_") and "layer" not in c.path and "nested" not in c.path]


@pytest.mark.parametrize("case", ARCHIVE_CASES, ids=lambda c: c.name)
def test_a_bad_archive_as_a_consultants_draft_is_refused_by_cli_and_web(case, corpus_settings, capsys):
    """The draft upload (/phien-ban/tai-len, CLI import-plan) unpacks archives with the same limits
    as a neighbour's upload: the same refusal, nothing stored."""
    from dataclasses import replace

    from gis_service.accounts import Accounts
    from gis_service.web import create_app
    from test_versions_web import PASSWORD, sign_in, upload

    store = corpus_settings.store
    outcome = run_cli_plan(case, BAD, corpus_settings.layers_dir, store, capsys)
    _assert_outcome(case, outcome, "import-plan")
    Accounts(corpus_settings.users_file).add("can_bo.dia-chinh", PASSWORD)
    client = create_app(replace(corpus_settings, upload_max_bytes=UPLOAD_LIMIT)).test_client()
    assert sign_in(client, "can_bo.dia-chinh").status_code == 303
    before = sha256(store)
    response = upload(client, (BAD / case.path).read_bytes(), filename=Path(case.path).name)
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 400, page[:500]
    assert all(words in page for words in case.words), (case.words, page[:3000])
    assert sha256(store) == before
