"""Importing consultants' drafts (gis_service.importplan) and the legacy Vietnamese encodings
(gis_service.vnencoding). Every fixture is written here from the shipped illustrative draft;
expected hectares are measured on the GeoJSON itself with shapely, not through the importer."""

from __future__ import annotations

import hashlib
import unicodedata
import zipfile
from pathlib import Path

import ezdxf
import geopandas as gpd
import pytest
import shapely
import yaml

from gis_service import vnencoding as vn
from gis_service.errors import InputError
from gis_service.importplan import Mapping, load_mapping, read_plan_file
from gis_service.plan import load_plan
from gis_service.settings import PROJECT_ROOT
from gis_service.zones import REQUIRED_FIELDS

LAYERS = PROJECT_ROOT / "layers"
DRAFT = LAYERS / "illustrative" / "draft_zones.geojson"
SHP_MAPPING = LAYERS / "mappings" / "example_mapping.yaml"
DXF_MAPPING = LAYERS / "mappings" / "example_dxf.yaml"
#: the consultant's LOAI value for each of our kinds (as in example_mapping.yaml)
LOAI = {"admin_centre": "Trung tâm hành chính xã", "produce_hub": "Trung tâm nông sản",
        "hightech_agri": "Nông nghiệp công nghệ cao", "durian_farming": "Đất trồng cây lâu năm",
        "bauxite_licensed": "Mỏ bô-xít đã cấp phép", "bauxite_exploration": "Thăm dò bô-xít",
        "bauxite_reserve": "Dự trữ bô-xít"}
#: the drawing's layer for each of our kinds (as in example_dxf.yaml)
DXF_LAYER = {"admin_centre": "QH_TTHC", "produce_hub": "QH_NONGSAN", "hightech_agri": "QH_CNC",
             "durian_farming": "QH_SAURIENG", "bauxite_licensed": "QH_BX_KHAITHAC",
             "bauxite_exploration": "QH_BX_THAMDO", "bauxite_reserve": "QH_BX_DUTRU"}


@pytest.fixture(scope="module")
def plan():
    return load_plan(LAYERS / "plan.yaml")


@pytest.fixture(scope="module")
def draft() -> gpd.GeoDataFrame:
    return gpd.read_file(DRAFT)


@pytest.fixture(scope="module")
def expected_ha(draft) -> dict[str, float]:
    """Planar hectares of each draft zone, straight from the GeoJSON (EPSG:5899) with shapely."""
    assert draft.crs.to_epsg() == 5899
    return {zid: shapely.area(g) / 10_000 for zid, g in zip(draft["id"], draft.geometry.values)}


def hectares(zones: gpd.GeoDataFrame) -> dict[str, float]:
    return dict(zip(zones["id"], shapely.area(zones.geometry.values) / 10_000))


# --- vnencoding -------------------------------------------------------------------------------

def test_the_two_examples_decode_and_are_detected():
    tcvn3 = "Th«n 2 (trung t©m x·)".encode("latin1")
    vni = "Thoân 2 (trung taâm xaõ)".encode("latin1")
    assert vn.decode_legacy(tcvn3, "tcvn3") == "Thôn 2 (trung tâm xã)"
    assert vn.decode_legacy(vni, "vni") == "Thôn 2 (trung tâm xã)"
    assert vn.detect([tcvn3]) == "tcvn3"
    assert vn.detect([vni]) == "vni"
    assert vn.encode_legacy("Thôn 2 (trung tâm xã)", "tcvn3") == tcvn3
    assert vn.encode_legacy("Thôn 2 (trung tâm xã)", "vni") == vni


def test_the_alphabet_has_134_letters_each_with_one_code():
    letters = vn.VIETNAMESE_LETTERS
    assert len(letters) == len(set(letters)) == 134
    assert sum(c.islower() for c in letters) == 67
    assert all(unicodedata.is_normalized("NFC", c) for c in letters)
    for name, table in vn.ENCODE_TABLES.items():
        assert len(set(table.values())) == len(table), name  # no two characters share a code


def test_table_entries_against_published_code_points():
    # TCVN 5712 VN3 and VNI-Windows code charts (spot checks across the rows)
    assert {c: vn.encode_legacy(c, "tcvn3") for c in "ấđĐƯừỵĂ"} == {
        "ấ": b"\xca", "đ": b"\xae", "Đ": b"\xa7", "Ư": b"\xa6", "ừ": b"\xf5", "ỵ": b"\xfe", "Ă": b"\xa1"}
    assert {c: vn.encode_legacy(c, "vni") for c in "ấĐƯừỵĂẶĩ"} == {
        "ấ": b"a\xe1", "Đ": b"\xd1", "Ư": b"\xd6", "ừ": b"\xf6\xf8", "ỵ": b"\xee", "Ă": b"A\xca",
        "Ặ": b"A\xcb", "ĩ": b"\xf3"}


def test_vni_round_trip_of_every_letter():
    for letter in vn.VIETNAMESE_LETTERS:
        assert vn.decode_legacy(vn.encode_legacy(letter, "vni"), "vni") == letter
    text = "".join(vn.VIETNAMESE_LETTERS)
    assert vn.decode_legacy(vn.encode_legacy(text, "vni"), "vni") == text


def test_tcvn3_round_trip_of_every_letter_with_its_capitals_rule():
    for letter in vn.VIETNAMESE_LETTERS:
        code = vn.encode_legacy(letter, "tcvn3")
        assert len(code) == 1
        if letter.islower() or letter in "ĂÂĐÊÔƠƯ":  # the 74 letters TCVN3 has codes for
            assert vn.decode_legacy(code, "tcvn3") == letter
        else:  # a toned capital shares its lowercase code (drawn with the .VnTimeH font)
            assert code == vn.encode_legacy(letter.lower(), "tcvn3")
            assert vn.decode_legacy(code, "tcvn3") == letter.lower()
            word = f"TH{letter}NG"  # among capitals it is read as a capital
            assert vn.decode_legacy(vn.encode_legacy(word, "tcvn3"), "tcvn3") == word
    assert vn.decode_legacy(vn.encode_legacy("XÃ NGHĨA TRUNG", "tcvn3"), "tcvn3") == "XÃ NGHĨA TRUNG"
    assert vn.decode_legacy(vn.encode_legacy("Xã Nghĩa Trung", "tcvn3"), "tcvn3") == "Xã Nghĩa Trung"


def windows_1258(text: str) -> bytes:
    """Windows-1258 as Windows writes it: ă â ê ô ơ ư precomposed, the tone a combining mark."""
    def split_tone(char: str) -> str:
        marks = unicodedata.normalize("NFD", char)
        tone = "".join(m for m in marks if m in vn.TONES[1:])
        return unicodedata.normalize("NFC", "".join(m for m in marks if m not in vn.TONES[1:])) + tone
    return "".join(split_tone(c) for c in text).encode("cp1258")


def test_detection_of_each_encoding_and_refusals(draft):
    names = list(draft["name_vi"])
    assert vn.guess_encoding([n.encode("utf-8") for n in names]) == "utf-8"
    assert vn.guess_encoding([b"SR-01", b"CLN"]) == "ascii"
    assert vn.guess_encoding([windows_1258(n) for n in names]) == "cp1258"
    assert vn.decode(windows_1258("Vùng trồng sầu riêng"), "cp1258") == "Vùng trồng sầu riêng"
    for name in vn.LEGACY:
        assert vn.detect([vn.encode_legacy(n, name) for n in names]) == name
    with pytest.raises(vn.AmbiguousEncoding) as err:
        vn.detect([b"M\xe1"])  # TCVN3 'Mỏ' and Windows-1258 'Má' are both Vietnamese
    assert err.value.plausible == ["cp1258", "tcvn3"]
    with pytest.raises(vn.AmbiguousEncoding):
        vn.detect([b"Caf\xe9 de Paris"])  # no reading is Vietnamese
    with pytest.raises(vn.LegacyDecodeError):
        vn.decode_legacy(b"Caf\xc0", "tcvn3")  # 0xC0 is not assigned in TCVN3


def test_vietnamese_syllables():
    for word in ("nghiêng", "khuya", "giữa", "quốc", "người", "Đắk", "xoong", "hoặc", "thuở", "yên",
                 "Nguyễn", "yêu", "từ"):
        assert vn.is_vietnamese_syllable(word), word
    for word in ("thoõn", "taõm", "trång", "hoàc", "ngyên", "kyên", "bãt"):
        assert not vn.is_vietnamese_syllable(word), word


# --- fixtures: a consultant's files -----------------------------------------------------------

def consultant_frame(draft: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The draft with a consultant's columns and values, reprojected to the old Bình Phước zone."""
    return gpd.GeoDataFrame({"MA_QH": draft["id"], "TEN": draft["name_vi"], "TEN_TA": draft["name_en"],
                             "LOAI": draft["kind"].map(LOAI), "MA_SDD": draft["landuse"],
                             "DIEN_TICH": (draft.area / 10_000).round(2)},
                            geometry=draft.geometry.values, crs=draft.crs).to_crs("EPSG:9212")


def undecidable(draft: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Two zones whose only non-ASCII text is 'Mỏ': TCVN3 b'M\\xe1', which Windows-1258 reads 'Má'."""
    two = consultant_frame(draft).iloc[:2].copy()
    two["TEN"] = ["Mỏ", "Mỏ"]
    two["LOAI"] = list(draft["kind"].iloc[:2])  # our own kinds, needing no `kinds:` entry
    return two


def write_legacy_shapefile(frame: gpd.GeoDataFrame, folder: Path, encoding: str, cpg: str | None = None) -> Path:
    """A zipped Shapefile whose DBF text is in ``encoding`` (our encoder), with no .cpg unless given."""
    folder.mkdir(parents=True, exist_ok=True)
    raw = frame.copy()
    for column in raw.columns:
        if column != "geometry" and raw[column].map(lambda v: isinstance(v, str)).all():
            raw[column] = [vn.encode_legacy(v, encoding).decode("latin1") for v in raw[column]]
    raw.to_file(folder / "quy_hoach.shp", engine="pyogrio", encoding="latin1")  # bytes pass 1:1
    (folder / "quy_hoach.cpg").unlink(missing_ok=True)
    if cpg:
        (folder / "quy_hoach.cpg").write_text(cpg)
    archive = folder / "quy_hoach.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in sorted(folder.glob("quy_hoach.*")):
            if part.suffix != ".zip":
                zf.write(part, f"QH_NghiaTrung/{part.name}")
    return archive


def mapping_variant(tmp_path: Path, base: Path, **changes) -> Mapping:
    """The mapping file ``base`` with top-level fields replaced (None: removed), loaded."""
    data = yaml.safe_load(base.read_text(encoding="utf-8"))
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not None}
    path = tmp_path / f"mapping_{len(list(tmp_path.glob('mapping_*')))}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_mapping(path)


def assert_same_zones(imported, draft, expected_ha, plan):
    zones = imported.zones
    assert list(zones.columns) == list(REQUIRED_FIELDS) + ["geometry"]
    assert zones.crs.to_epsg() == 5899 and plan.crs == "EPSG:5899"
    assert sorted(zones["id"]) == sorted(draft["id"])
    got = hectares(zones)
    for zid, ha in expected_ha.items():
        assert got[zid] == pytest.approx(ha, abs=0.01), zid
    by_id = zones.set_index("id")
    for row in draft.itertuples():
        assert by_id.loc[row.id, "kind"] == row.kind


# --- (a), (b) zipped Shapefile with a TCVN3 or VNI DBF and no .cpg ----------------------------

@pytest.mark.parametrize("encoding, label", [("tcvn3", "TCVN3"), ("vni", "VNI-Windows")])
def test_legacy_shapefile_with_mapping(tmp_path, draft, expected_ha, plan, encoding, label):
    archive = write_legacy_shapefile(consultant_frame(draft), tmp_path / "shp", encoding)
    dbf = (tmp_path / "shp" / "quy_hoach.dbf").read_bytes()
    assert vn.encode_legacy(draft["name_vi"].iloc[0], encoding) in dbf
    assert not any(n.endswith(".cpg") for n in zipfile.ZipFile(archive).namelist())
    imported = read_plan_file(archive, plan=plan, mapping=load_mapping(SHP_MAPPING), work_dir=tmp_path / "w")
    assert_same_zones(imported, draft, expected_ha, plan)
    by_id = imported.zones.set_index("id")
    for row in draft.itertuples():
        assert by_id.loc[row.id, "name_vi"] == row.name_vi  # exactly, diacritics and dashes included
        assert by_id.loc[row.id, "name_en"] == row.name_en
        assert by_id.loc[row.id, "landuse"] == row.landuse
    assert set(by_id["status"]) == {"draft"} and set(by_id["illustrative"]) == {True}
    assert f"DBF field TEN converted from {label} to Unicode (detected)" in " ".join(imported.notes)
    assert imported.source_file == "quy_hoach.zip"
    assert imported.sha256 == hashlib.sha256(archive.read_bytes()).hexdigest()


def test_cpg_and_mapping_encoding_are_respected(tmp_path, draft, plan):
    frame = consultant_frame(draft)
    utf8 = tmp_path / "utf8"
    utf8.mkdir()
    frame.to_file(utf8 / "qh.shp", engine="pyogrio")  # GDAL writes a UTF-8 .cpg
    assert (utf8 / "qh.cpg").read_text().strip().upper() == "UTF-8"
    zones = read_plan_file(utf8 / "qh.shp", plan=plan, mapping=load_mapping(SHP_MAPPING)).zones
    assert list(zones["name_vi"]) == list(draft["name_vi"])
    # undecidable text (see test_ambiguous_encoding_is_refused_with_the_fix): a .cpg, or `encoding:`, settles it
    for cpg, mapping in (("TCVN3", load_mapping(SHP_MAPPING)),
                         (None, mapping_variant(tmp_path, SHP_MAPPING, encoding="tcvn3"))):
        archive = write_legacy_shapefile(undecidable(draft), tmp_path / f"mo-{cpg}", "tcvn3", cpg=cpg)
        assert list(read_plan_file(archive, plan=plan, mapping=mapping).zones["name_vi"]) == ["Mỏ", "Mỏ"]


def test_a_western_cpg_yields_to_clear_tcvn3(tmp_path, draft, plan):
    archive = write_legacy_shapefile(consultant_frame(draft), tmp_path / "shp", "tcvn3", cpg="1252")
    imported = read_plan_file(archive, plan=plan, mapping=load_mapping(SHP_MAPPING))
    assert list(imported.zones["name_vi"]) == list(draft["name_vi"])
    assert "(detected, although the .cpg says cp1252)" in " ".join(imported.notes)


def test_mojibake_in_a_unicode_format_is_converted_back(tmp_path, draft, plan):
    """A GeoJSON made from a TCVN3 DBF by a converter that took it for Windows-1252."""
    spoilt = draft.copy()
    spoilt["name_vi"] = [vn.encode_legacy(n, "tcvn3").decode("cp1252") for n in draft["name_vi"]]
    assert spoilt["name_vi"].iloc[2].startswith("Khu n«ng nghiÖp")
    spoilt.to_file(tmp_path / "spoilt.geojson", engine="pyogrio")
    imported = read_plan_file(tmp_path / "spoilt.geojson", plan=plan)
    assert list(imported.zones["name_vi"]) == list(draft["name_vi"])
    assert imported.notes == ["trường name_vi: chữ TCVN3 bị đọc sai, đã đổi sang Unicode / field name_vi: TCVN3 "
                              "text read as Windows-1252, converted to Unicode"]


def test_an_archive_must_hold_one_dataset(tmp_path, draft, plan):
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.geojson", draft.to_json())
        zf.writestr("b/c.kml", "<kml/>")
        zf.writestr("__MACOSX/._a.geojson", "junk")
    with pytest.raises(InputError) as err:
        read_plan_file(archive, plan=plan)
    assert err.value.file == "two.zip" and err.value.field == "file" and "a.geojson, c.kml" in str(err.value)


# --- (c) an AutoCAD drawing -------------------------------------------------------------------

def write_drawing(draft: gpd.GeoDataFrame, path: Path, split: str = "SR-02") -> Path:
    """A consultant's DXF: each zone a closed LWPOLYLINE (with an elevation, so Z) on its kind's
    layer and a TEXT label with its id inside; zone ``split`` drawn in two pieces; a sheet frame;
    two open road polylines."""
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    for name in list(DXF_LAYER.values()) + ["MA_VUNG", "KHUNG", "GIAO_THONG"]:
        doc.layers.add(name)
    for zid, kind, geom in zip(draft["id"], draft["kind"], draft.geometry.values):
        others = shapely.union_all(draft.geometry[draft["id"] != zid].values)
        pieces = [geom]
        if zid == split:
            minx, miny, maxx, maxy = geom.bounds
            west = geom.intersection(shapely.box(minx, miny, (minx + maxx) / 2, maxy))
            pieces = list(shapely.get_parts(west)) + list(shapely.get_parts(geom.difference(west)))
        for piece in pieces:
            msp.add_lwpolyline(list(piece.exterior.coords)[:-1], close=True,
                               dxfattribs={"layer": DXF_LAYER[kind], "elevation": 85.0})
            at = piece.difference(others).representative_point()  # where no other zone overlaps
            msp.add_text(zid, height=40, dxfattribs={"layer": "MA_VUNG", "insert": (at.x, at.y)})
    minx, miny, maxx, maxy = draft.total_bounds
    frame = [(minx - 500, miny - 500), (maxx + 500, miny - 500), (maxx + 500, maxy + 500), (minx - 500, maxy + 500)]
    msp.add_lwpolyline(frame, close=True, dxfattribs={"layer": "KHUNG"})
    msp.add_lwpolyline([(minx, miny), (maxx, maxy)], dxfattribs={"layer": "GIAO_THONG"})
    msp.add_lwpolyline([(minx, maxy), (maxx, miny), (maxx, maxy)], dxfattribs={"layer": "GIAO_THONG"})
    doc.saveas(path)
    return path


def test_dxf_drawing_with_mapping(tmp_path, draft, expected_ha, plan):
    drawing = write_drawing(draft, tmp_path / "quy_hoach.dxf")
    imported = read_plan_file(drawing, plan=plan, mapping=load_mapping(DXF_MAPPING))
    assert_same_zones(imported, draft, expected_ha, plan)
    zones = imported.zones.set_index("id")
    assert zones.loc["SR-02"].geometry.geom_type == "Polygon"  # its two pieces joined again
    assert zones.loc["SR-01", "name_vi"] == plan.zone_kinds["durian_farming"].name_vi
    assert zones.loc["SR-01", "landuse"] == "CLN;HNK"
    notes = " ".join(imported.notes)
    assert "11 closed DXF polylines read as polygons" in notes  # 10 zone pieces and the frame
    assert "dropped open lines, texts and points: 2 LineString, 10 Point" in notes
    assert "Z coordinates dropped" in notes
    assert "10 pieces grouped into 9 zones by id" in notes
    assert "skipped 1 features whose kind value maps to null" in notes


def test_dxf_numbered_ids_holes_and_repeated_hatch(tmp_path, plan):
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    x0, y0 = 430000, 1290000
    square = lambda x, y, s: [(x, y), (x + s, y), (x + s, y + s), (x, y + s)]  # noqa: E731
    msp.add_lwpolyline(square(x0, y0, 1000), close=True, dxfattribs={"layer": "QH_SAURIENG"})
    msp.add_lwpolyline(square(x0 + 100, y0 + 100, 200), close=True, dxfattribs={"layer": "QH_SAURIENG"})
    msp.add_lwpolyline(square(x0 + 2000, y0, 500), close=True, dxfattribs={"layer": "QH_SAURIENG"})
    hatch = msp.add_hatch(dxfattribs={"layer": "QH_SAURIENG"})  # the consultant hatched it too
    hatch.paths.add_polyline_path(square(x0 + 2000, y0, 500), is_closed=True)
    msp.add_lwpolyline(square(x0 + 400, y0 + 400, 100), close=True, dxfattribs={"layer": "QH_TTHC"})
    doc.saveas(tmp_path / "d.dxf")
    mapping = mapping_variant(tmp_path, DXF_MAPPING, id_labels=None, id_template="{value}-{n:02d}")
    zones = read_plan_file(tmp_path / "d.dxf", plan=plan, mapping=mapping).zones
    assert hectares(zones) == pytest.approx({"QH_SAURIENG-01": 100 - 4, "QH_SAURIENG-02": 25, "QH_TTHC-01": 1})


# --- (d) KML and GeoPackage -------------------------------------------------------------------

def test_kml_round_trip_without_mapping(tmp_path, draft, expected_ha, plan):
    path = tmp_path / "zones.kml"
    draft.to_crs("EPSG:4326").to_file(path, driver="LIBKML", engine="pyogrio")
    imported = read_plan_file(path, plan=plan)
    assert_same_zones(imported, draft, expected_ha, plan)
    got = imported.zones.set_index("id")
    for row in draft.itertuples():
        assert got.loc[row.id, ["name_vi", "name_en", "status", "illustrative"]].tolist() == [
            row.name_vi, row.name_en, row.status, row.illustrative]


def test_geopackage_round_trip_and_layer_choice(tmp_path, draft, expected_ha, plan):
    path = tmp_path / "plan.gpkg"
    draft.to_file(path, layer="vung_quy_hoach", engine="pyogrio")
    draft.head(1).to_file(path, layer="ranh_gioi", engine="pyogrio")
    with pytest.raises(InputError) as err:
        read_plan_file(path, plan=plan)
    assert err.value.field == "layer" and "vung_quy_hoach" in str(err.value) and "plan.gpkg" in str(err.value)
    imported = read_plan_file(path, plan=plan, layer="vung_quy_hoach")
    assert_same_zones(imported, draft, expected_ha, plan)
    assert list(imported.zones["name_vi"]) == list(draft["name_vi"])
    assert imported.notes == []


# --- (e) errors name the file and the field ---------------------------------------------------

def test_unmapped_kind_values_are_listed(tmp_path, draft, plan):
    archive = write_legacy_shapefile(consultant_frame(draft), tmp_path / "shp", "tcvn3")
    kinds = yaml.safe_load(SHP_MAPPING.read_text(encoding="utf-8"))["kinds"]
    del kinds["Đất trồng cây lâu năm"], kinds["Thăm dò bô-xít"]
    with pytest.raises(InputError) as err:
        read_plan_file(archive, plan=plan, mapping=mapping_variant(tmp_path, SHP_MAPPING, kinds=kinds))
    assert err.value.file == "quy_hoach.zip" and err.value.field == "LOAI"
    assert "'Thăm dò bô-xít'" in str(err.value) and "'Đất trồng cây lâu năm'" in str(err.value)


def test_missing_id_column(tmp_path, draft, plan):
    archive = write_legacy_shapefile(consultant_frame(draft).drop(columns="MA_QH"), tmp_path / "shp", "vni")
    with pytest.raises(InputError) as err:
        read_plan_file(archive, plan=plan, mapping=load_mapping(SHP_MAPPING))
    assert err.value.file == "quy_hoach.zip" and err.value.field == "MA_QH"
    assert "columns.id" in str(err.value) and "TEN" in str(err.value)


def test_ambiguous_encoding_is_refused_with_the_fix(tmp_path, draft, plan):
    archive = write_legacy_shapefile(undecidable(draft), tmp_path / "shp", "tcvn3")
    with pytest.raises(InputError) as err:
        read_plan_file(archive, plan=plan, mapping=load_mapping(SHP_MAPPING))
    assert err.value.file == "quy_hoach.zip" and err.value.field == "TEN"
    assert "add a .cpg file with the encoding, or pass `encoding:` in the mapping file" in str(err.value)


def test_dxf_without_crs(tmp_path, draft, plan):
    drawing = write_drawing(draft, tmp_path / "ban_ve.dxf")
    with pytest.raises(InputError) as err:
        read_plan_file(drawing, plan=plan, mapping=mapping_variant(tmp_path, DXF_MAPPING, crs=None))
    assert err.value.file == "ban_ve.dxf" and err.value.field == "crs"


def test_mapping_file_errors_name_the_mapping(tmp_path, plan, draft):
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns: {id: MA_QH, knd: LOAI}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_mapping(bad)
    assert err.value.file == str(bad) and err.value.field == "knd"
    kinds = {**yaml.safe_load(SHP_MAPPING.read_text(encoding="utf-8"))["kinds"], "Dự trữ bô-xít": "bauxite"}
    wrong_kind = mapping_variant(tmp_path, SHP_MAPPING, kinds=kinds)
    archive = write_legacy_shapefile(consultant_frame(draft), tmp_path / "shp", "tcvn3")
    with pytest.raises(InputError) as err:
        read_plan_file(archive, plan=plan, mapping=wrong_kind)
    assert err.value.file == wrong_kind.file and err.value.field == "kinds"
    assert err.value.feature == "'Dự trữ bô-xít'"


# --- the command: a draft becomes a version with its report --------------------------------

def test_import_plan_command_keeps_a_version_with_its_report(tmp_path, draft, expected_ha, settings):
    from gis_service.cli import main
    from gis_service.store import GeoPackageStore

    archive = write_legacy_shapefile(consultant_frame(draft), tmp_path / "shp", "tcvn3")
    args = ["--store", str(settings.store), "-q", "import-plan", str(archive), "--mapping", str(SHP_MAPPING),
            "-m", "Báo cáo giữa kỳ"]
    assert main(args) == 1  # exit codes as validate: the shipped draft fails R03 and R11 on purpose
    store = GeoPackageStore(settings.store)
    version = store.versions()[-1]
    assert (version.number, version.action, version.source_file, version.message) == (
        2, "import-plan", "quy_hoach.zip", "Báo cáo giữa kỳ")
    assert version.source_sha256 == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert "TCVN3" in version.notes and "quy tắc đạt / rules pass" in version.notes
    measured = store.read_layer("zones_repaired").set_index("id")
    for zid, ha in expected_ha.items():
        assert measured.loc[zid, "area_ha"] == pytest.approx(ha, abs=0.01)
    assert set(measured["name_vi"]) == set(draft["name_vi"])


def test_import_plan_refused_leaves_the_store_as_it_was(tmp_path, draft, settings, capsys):
    from gis_service.cli import main

    archive = write_legacy_shapefile(consultant_frame(draft), tmp_path / "shp", "tcvn3")
    bad = tmp_path / "bad_mapping.yaml"
    bad.write_text(SHP_MAPPING.read_text(encoding="utf-8").replace("LOAI", "LOAI_SAI"), encoding="utf-8")
    before = hashlib.sha256(settings.store.read_bytes()).hexdigest()
    assert main(["--store", str(settings.store), "-q", "import-plan", str(archive), "--mapping", str(bad)]) == 2
    assert "LOAI_SAI" in capsys.readouterr().err
    assert hashlib.sha256(settings.store.read_bytes()).hexdigest() == before
