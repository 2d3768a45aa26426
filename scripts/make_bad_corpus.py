"""Write the corpus of bad input files the tests feed to build, import-neighbour and the web upload
(tests/data/bad/; tests/test_bad_corpus.py says what each must give).

    python scripts/make_bad_corpus.py            # the small files, committed in tests/data/bad/
    python scripts/make_bad_corpus.py --large DIR  # the large ones (vertex counts, a 1 GiB bomb):
                                                   # written at test time, never committed

Every file derives from the shipped layers (draft zones, the commune boundaries), so each differs
from a good file by the one fault its name says. Needs the project's Python environment; the M
(measured) GeoPackage also needs GDAL's ogr2ogr (Debian's gdal-bin)."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path
from typing import Callable

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point, Polygon

ROOT = Path(__file__).resolve().parent.parent
ZONES = ROOT / "layers" / "illustrative" / "draft_zones.geojson"
COMMUNES = ROOT / "layers" / "basemap" / "communes_2025.geojson"
OUT = ROOT / "tests" / "data" / "bad"
MARKUP = "\"'><img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script>"

CASES: dict[str, Callable[[Path], None]] = {}
LARGE: dict[str, Callable[[Path], None]] = {}


def case(registry: dict = CASES):
    def wrap(fn):
        registry[fn.__name__] = fn
        return fn
    return wrap


def zones() -> gpd.GeoDataFrame:
    return gpd.read_file(ZONES)


def zones_json() -> dict:
    return json.loads(ZONES.read_text(encoding="utf-8"))


def write_json(path: Path, doc) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def bu_dang() -> gpd.GeoDataFrame:
    communes = gpd.read_file(COMMUNES)
    return communes[communes["name"] == "Bù Đăng"][["name", "geometry"]].reset_index(drop=True)


def with_geometry(frame: gpd.GeoDataFrame, index: int, geom) -> gpd.GeoDataFrame:
    out = frame.copy()
    out.loc[index, "geometry"] = geom
    return out


def shapefile(frame: gpd.GeoDataFrame, folder: Path, stem: str = "zones", **kw) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_file(folder / f"{stem}.shp", engine="pyogrio", **kw)


def zip_of(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


# -- broken files of each format -------------------------------------------------------------

@case()
def truncated_geojson(out: Path) -> None:
    (out / "truncated.geojson").write_bytes(ZONES.read_bytes()[:300])


@case()
def truncated_gpkg(out: Path) -> None:
    zones().to_file(out / "full.gpkg", engine="pyogrio", layer="zones")
    (out / "truncated.gpkg").write_bytes((out / "full.gpkg").read_bytes()[:8192])
    (out / "full.gpkg").unlink()


@case()
def not_a_gpkg(out: Path) -> None:
    (out / "image.gpkg").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)


@case()
def zero_bytes(out: Path) -> None:
    (out / "zero_bytes.geojson").write_bytes(b"")


@case()
def not_geojson(out: Path) -> None:
    write_json(out / "not_geojson.json", {"hello": "world", "features": 3})


@case()
def truncated_shp(out: Path) -> None:
    shapefile(zones(), out / "truncated_shp")
    shp = out / "truncated_shp" / "zones.shp"
    shp.write_bytes(shp.read_bytes()[:180])


@case()
def empty_layer(out: Path) -> None:
    write_json(out / "empty.geojson", {"type": "FeatureCollection", "features": []})


# -- missing sidecars and files that are not layers ------------------------------------------

@case()
def shp_without_dbf(out: Path) -> None:
    shapefile(zones(), out / "no_dbf")
    (out / "no_dbf" / "zones.dbf").unlink()
    (out / "no_dbf" / "zones.cpg").unlink()


@case()
def shp_without_shx(out: Path) -> None:
    shapefile(zones(), out / "no_shx")
    (out / "no_shx" / "zones.shx").unlink()


@case()
def shp_without_prj(out: Path) -> None:
    shapefile(zones(), out / "no_prj")
    (out / "no_prj" / "zones.prj").unlink()


@case()
def csv_table(out: Path) -> None:
    frame = zones()
    frame.assign(wkt=frame.geometry.to_wkt()).drop(columns="geometry").to_csv(out / "zones.csv", index=False)


@case()
def spreadsheet(out: Path) -> None:
    (out / "zones.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 60)


@case()
def dbf_alone(out: Path) -> None:
    shapefile(zones(), out / "dbf_alone_src")
    shutil.move(out / "dbf_alone_src" / "zones.dbf", out / "zones.dbf")
    shutil.rmtree(out / "dbf_alone_src")


@case()
def text_file(out: Path) -> None:
    (out / "zones.txt").write_text("TT-01 admin_centre 283 ha\n", encoding="utf-8")


@case()
def no_suffix(out: Path) -> None:
    (out / "zones").write_bytes(ZONES.read_bytes())


# -- legacy encodings ------------------------------------------------------------------------

@case()
def shp_windows_1258_without_cpg(out: Path) -> None:
    shapefile(zones(), out / "cp1258_no_cpg", encoding="cp1258")
    (out / "cp1258_no_cpg" / "zones.cpg").unlink()


@case()
def geojson_windows_1258(out: Path) -> None:
    (out / "cp1258.geojson").write_bytes(ZONES.read_text(encoding="utf-8").encode("cp1258", errors="replace"))


@case()
def geojson_garbled(out: Path) -> None:
    """UTF-8 read as Latin-1 and saved again as UTF-8: 'Trung tÃ¢m…' with C1 control characters."""
    doc = zones_json()
    for f in doc["features"]:
        f["properties"]["name_vi"] = f["properties"]["name_vi"].encode("utf-8").decode("latin-1")
    write_json(out / "garbled.geojson", doc)


# -- wrong and missing CRSs, swapped axes ----------------------------------------------------

@case()
def metres_labelled_lonlat(out: Path) -> None:
    doc = zones_json()
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    write_json(out / "metres_as_lonlat.geojson", doc)


@case()
def lonlat_labelled_metres(out: Path) -> None:
    frame = zones().to_crs("OGC:CRS84")
    doc = json.loads(frame.to_json())
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::5899"}}
    write_json(out / "lonlat_as_metres.geojson", doc)


@case()
def lonlat_swapped(out: Path) -> None:
    frame = zones().to_crs("OGC:CRS84")
    frame["geometry"] = shapely.transform(frame.geometry.values, lambda xy: xy[:, ::-1])
    frame.to_file(out / "lat_lon_swapped.geojson", engine="pyogrio")


@case()
def northing_easting_swapped(out: Path) -> None:
    doc = zones_json()
    frame = zones()
    frame["geometry"] = shapely.transform(frame.geometry.values, lambda xy: xy[:, ::-1])
    doc["features"] = json.loads(frame.to_json())["features"]
    write_json(out / "northing_first.geojson", doc)


@case()
def unknown_crs(out: Path) -> None:
    doc = zones_json()
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::99999"}}
    write_json(out / "unknown_crs.geojson", doc)


# -- mixed, empty, null geometries; 3D and measured ------------------------------------------

@case()
def mixed_types(out: Path) -> None:
    frame = zones()
    with_geometry(frame, 3, frame.geometry.iloc[3].centroid).to_file(out / "mixed.geojson", engine="pyogrio")


@case()
def geometry_collection(out: Path) -> None:
    frame = zones()
    g = frame.geometry.iloc[2]
    with_geometry(frame, 2, shapely.GeometryCollection([g, g.centroid])).to_file(
        out / "collection.geojson", engine="pyogrio")


@case()
def lines_for_zones(out: Path) -> None:
    frame = zones()
    frame["geometry"] = frame.geometry.boundary
    frame.to_file(out / "lines.geojson", engine="pyogrio")


@case()
def null_geometry(out: Path) -> None:
    doc = zones_json()
    doc["features"][4]["geometry"] = None
    write_json(out / "null_geometry.geojson", doc)


@case()
def empty_geometry(out: Path) -> None:
    doc = zones_json()
    doc["features"][5]["geometry"] = {"type": "Polygon", "coordinates": []}
    write_json(out / "empty_geometry.geojson", doc)


@case()
def z_coordinates(out: Path) -> None:
    frame = zones()
    frame["geometry"] = shapely.force_3d(frame.geometry.values, 312.5)
    frame.to_file(out / "zones_3d.geojson", engine="pyogrio")


@case()
def m_coordinates(out: Path) -> None:
    zones().to_file(out / "plain.fgb", engine="pyogrio")
    subprocess.run(["ogr2ogr", "-f", "FlatGeobuf", "-dim", "XYM", str(out / "zones_m.fgb"), str(out / "plain.fgb")],
                   check=True, capture_output=True)
    (out / "plain.fgb").unlink()


# -- NaN, infinite and huge coordinates ------------------------------------------------------

def _one_bad_vertex(value: float) -> gpd.GeoDataFrame:
    frame = zones()
    ring = shapely.get_coordinates(frame.geometry.iloc[0].exterior)
    ring[3, 0] = value
    return with_geometry(frame, 0, Polygon(ring))


@case()
def nan_vertex(out: Path) -> None:
    _one_bad_vertex(np.nan).to_file(out / "nan_vertex.fgb", engine="pyogrio")


@case()
def infinite_vertex(out: Path) -> None:
    _one_bad_vertex(np.inf).to_file(out / "inf_vertex.fgb", engine="pyogrio")


@case()
def huge_coordinate(out: Path) -> None:
    """The issue's vertex at 1e300: before, the zone passed validity and 'inside' with 0.0 ha."""
    doc = zones_json()
    doc["features"][6]["geometry"]["coordinates"][0][2] = [1e300, 1e300]
    write_json(out / "vertex_1e300.geojson", doc)


# -- attributes: duplicate ids, missing field, markup in every text field --------------------

@case()
def duplicate_ids(out: Path) -> None:
    doc = zones_json()
    doc["features"][7]["properties"]["id"] = doc["features"][1]["properties"]["id"]
    write_json(out / "duplicate_ids.geojson", doc)


@case()
def missing_field(out: Path) -> None:
    doc = zones_json()
    for f in doc["features"]:
        del f["properties"]["kind"]
    write_json(out / "no_kind.geojson", doc)


@case()
def markup_in_text(out: Path) -> None:
    doc = zones_json()
    for f in doc["features"]:
        for field in ("name_vi", "name_en", "source", "status_note"):
            f["properties"][field] = f["properties"].get(field, "") + MARKUP
    write_json(out / "markup.geojson", doc)


# -- catalogs and plans: paths leaving layers/, YAML bombs and tags --------------------------

CATALOG = ROOT / "layers" / "catalog.yaml"


def catalog_with_zones(file: str) -> str:
    """The shipped catalog with the zones layer's file replaced."""
    text = CATALOG.read_text(encoding="utf-8")
    assert "file: illustrative/draft_zones.geojson" in text
    return text.replace("file: illustrative/draft_zones.geojson", f"file: {file}")


@case()
def catalog_path_traversal(out: Path) -> None:
    (out / "catalog_traversal.yaml").write_text(catalog_with_zones("../../../etc/hostname"), encoding="utf-8")


@case()
def catalog_absolute_path(out: Path) -> None:
    (out / "catalog_absolute.yaml").write_text(catalog_with_zones("/etc/hostname"), encoding="utf-8")


@case()
def catalog_gdal_url(out: Path) -> None:
    (out / "catalog_url.yaml").write_text(catalog_with_zones("/vsicurl/http://127.0.0.1:9/z.geojson"),
                                          encoding="utf-8")


BOMB = "bomb:\n  - &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"  - &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))


@case()
def catalog_yaml_bomb(out: Path) -> None:
    (out / "catalog_bomb.yaml").write_text(BOMB + "layers: *i\n")


@case()
def plan_yaml_bomb(out: Path) -> None:
    (out / "plan_bomb.yaml").write_text(BOMB + "rules: *i\n")


@case()
def catalog_python_tag(out: Path) -> None:
    (out / "catalog_python_tag.yaml").write_text(
        "layers: !!python/object/apply:os.system ['touch /tmp/gis-service-pwned']\n")


@case()
def catalog_recursive_alias(out: Path) -> None:
    (out / "catalog_recursive.yaml").write_text("layers: &l [*l]\n")


@case()
def catalog_deep_nesting(out: Path) -> None:
    (out / "catalog_deep.yaml").write_text("layers: " + "[" * 3000 + "]" * 3000 + "\n")


@case()
def catalog_not_utf8(out: Path) -> None:
    (out / "catalog_cp1258.yaml").write_bytes(CATALOG.read_text(encoding="utf-8").encode("cp1258", errors="replace"))


# -- a neighbour's boundary: archives, and files that are not one neighbouring commune -------

@case()
def nb_zip_slip(out: Path) -> None:
    zip_of(out / "nb_zip_slip.zip", {"../../evil.geojson": bu_dang().to_json().encode()})


@case()
def nb_zip_absolute(out: Path) -> None:
    zip_of(out / "nb_zip_absolute.zip", {"/tmp/evil.geojson": bu_dang().to_json().encode()})


@case()
def nb_zip_symlink(out: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        link = zipfile.ZipInfo("bu_dang.geojson")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
    (out / "nb_zip_symlink.zip").write_bytes(buf.getvalue())


@case()
def nb_zip_bomb(out: Path) -> None:
    """20 MB of spaces in 20 kB: beyond the tests' 4 MB expansion limit (1 MB uploads)."""
    zip_of(out / "nb_zip_bomb.zip", {"bu_dang.geojson": b" " * (20 * 1024 * 1024)})


@case()
def nb_zip_two_layers(out: Path) -> None:
    data = bu_dang().to_json().encode()
    zip_of(out / "nb_zip_two_layers.zip", {"a.geojson": data, "b.gpkg": data})


@case()
def nb_zip_no_layer(out: Path) -> None:
    zip_of(out / "nb_zip_no_layer.zip", {"readme.txt": b"ranh gioi / boundary"})


@case()
def nb_zip_nested(out: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("bu_dang.geojson", bu_dang().to_json())
    zip_of(out / "nb_zip_nested.zip", {"inner.zip": inner.getvalue()})


@case()
def nb_zip_too_many_members(out: Path) -> None:
    zip_of(out / "nb_zip_many.zip", {f"part{i:03}.txt": b"x" for i in range(201)})


@case()
def nb_zip_truncated(out: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bu_dang.geojson", bu_dang().to_json())
    (out / "nb_zip_truncated.zip").write_bytes(buf.getvalue()[:400])


@case()
def nb_zip_encrypted(out: Path) -> None:
    """A member flagged as encrypted (general purpose bit 0): zipfile asks for a password."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("bu_dang.geojson", bu_dang().to_json())
    data = bytearray(buf.getvalue())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        flags = struct.unpack_from("<H", data, at + offset)[0] | 1
        struct.pack_into("<H", data, at + offset, flags)
    (out / "nb_zip_encrypted.zip").write_bytes(bytes(data))


@case()
def nb_shapefile_without_dbf(out: Path) -> None:
    shapefile(bu_dang(), out / "nb_src", stem="bu_dang")
    zip_of(out / "nb_shp_no_dbf.zip", {p.name: p.read_bytes() for p in (out / "nb_src").iterdir()
                                        if p.suffix not in (".dbf", ".cpg")})
    shutil.rmtree(out / "nb_src")


@case()
def nb_our_nine_zones(out: Path) -> None:
    """The issue's 'file of nine zones' sent as a neighbour's boundary: accepted (201) before."""
    shutil.copy(ZONES, out / "nb_nine_zones.geojson")


@case()
def nb_multipart(out: Path) -> None:
    frame = bu_dang()
    g = frame.geometry.iloc[0]
    frame.loc[0, "geometry"] = shapely.MultiPolygon([g, shapely.affinity.translate(g, 0.3, -0.6)])
    frame.to_file(out / "nb_two_parts.geojson", engine="pyogrio")


@case()
def nb_far_away(out: Path) -> None:
    frame = bu_dang()
    frame["geometry"] = frame.geometry.translate(3.0, 0.0)  # 330 km east, in the sea
    frame.to_file(out / "nb_far_away.geojson", engine="pyogrio")


@case()
def nb_points(out: Path) -> None:
    gpd.GeoDataFrame({"name": ["Bù Đăng"]}, geometry=[Point(107.1, 11.9)], crs=4326).to_file(
        out / "nb_points.geojson", engine="pyogrio")


@case()
def nb_huge_coordinate(out: Path) -> None:
    doc = json.loads(bu_dang().to_json())
    doc["features"][0]["geometry"]["coordinates"][0][5] = [1e300, 11.9]
    write_json(out / "nb_vertex_1e300.geojson", doc)


@case()
def nb_no_crs(out: Path) -> None:
    doc = json.loads(bu_dang().to_crs(9212).to_json())
    doc.pop("crs", None)
    write_json(out / "nb_no_crs.geojson", doc)


@case()
def nb_not_bordering(out: Path) -> None:
    frame = bu_dang()
    frame["geometry"] = frame.geometry.translate(0.0, 0.5)  # 55 km north of its place
    frame.to_file(out / "nb_not_bordering.geojson", engine="pyogrio")


# -- large: written at test time ---------------------------------------------------------------

def _ring(n: int, cx: float, cy: float, r: float) -> Polygon:
    """A circle of ``n`` vertices, the closing one included."""
    t = np.linspace(0, 2 * np.pi, n - 1, endpoint=False)
    return Polygon(np.column_stack([cx + r * np.cos(t), cy + r * np.sin(t)]))


@case(LARGE)
def huge_vertex_count(out: Path) -> None:
    """A zone of 100,001 vertices: one more than a feature may have."""
    frame = zones()
    c = frame.geometry.iloc[8].centroid
    with_geometry(frame, 8, _ring(100_001, c.x, c.y, 300)).to_file(out / "zone_100001_vertices.gpkg",
                                                                   engine="pyogrio", layer="zones")


@case(LARGE)
def nb_million_vertices(out: Path) -> None:
    """The issue's 1,000,000-vertex 'neighbour boundary' (accepted, 201, before)."""
    frame = bu_dang().to_crs(5899)
    c = frame.geometry.iloc[0].centroid
    frame.loc[0, "geometry"] = _ring(1_000_000, c.x, c.y, 5_000)
    frame.to_file(out / "nb_million_vertices.gpkg", engine="pyogrio", layer="bu_dang")


@case(LARGE)
def nb_zip_bomb_1gib(out: Path) -> None:
    """The issue's 1 GiB in about 1 MB, streamed: the CLI import unpacked all of it before."""
    with zipfile.ZipFile(out / "nb_bomb_1gib.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        info = zipfile.ZipInfo("bu_dang.geojson")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(1024):
                member.write(chunk)


@case(LARGE)
def catalog_over_1_mib(out: Path) -> None:
    (out / "catalog_huge.yaml").write_text("# " + "x" * (1024 * 1024 + 10) + "\nlayers: []\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--large", metavar="DIR", help="write the large files into DIR instead")
    args = parser.parse_args()
    registry, out = (LARGE, Path(args.large)) if args.large else (CASES, OUT)
    out.mkdir(parents=True, exist_ok=True)
    for name, make in registry.items():
        make(out)
    files = sorted(p for p in out.rglob("*") if p.is_file())
    print(f"{len(registry)} cases, {len(files)} files, {sum(p.stat().st_size for p in files):,} bytes in {out}")


if __name__ == "__main__":
    main()
