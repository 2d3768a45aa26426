"""Generate the project's illustrative layers from the real basemap (run on purpose, output committed).

Everything written here is INVENTED for demonstration and marked illustrative (minh họa) in each
file's description and on every feature: the Thác Mơ lake outline, residential areas, the commune
seat point, and the draft zoning plan. No surveyed lake shore, cadastre or zoning plan of
Nghĩa Trung is published; replace these files with the commune's own data when it has them.

The draft is built to pass most rules of layers/plan.yaml and to fail two on purpose:
the agricultural-produce hub is about 530 ha (target 400–500 ha), and durian area SR-03 lies
within 500 m of a village (rule: at least 500 m from residential land).

    python scripts/make_illustrative_layers.py
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import LineString, Point, box

ROOT = Path(__file__).resolve().parent.parent
BASEMAP = ROOT / "layers" / "basemap"
OUT = ROOT / "layers" / "illustrative"
CRS = "EPSG:5899"
SOURCE = "Minh họa, tạo bởi scripts/make_illustrative_layers.py / Illustrative, generated"
MARK = "MINH HỌA / ILLUSTRATIVE: invented for demonstration, not surveyed, not the commune's plan."


def basemap():
    communes = gpd.read_file(BASEMAP / "communes_2025.geojson").to_crs(CRS)
    commune = communes[communes["code"] == "25417"].geometry.iloc[0]
    road = gpd.read_file(BASEMAP / "road_ql14.geojson").to_crs(CRS).geometry.iloc[0]
    return commune, road.intersection(commune)


def lake() -> shapely.Polygon:
    """A lake arm from the Thác Mơ dam south-east to the commune's northern edge."""
    arm = LineString([(420180, 1311438), (422500, 1309800), (425200, 1307600), (427600, 1305200),
                      (428600, 1303300)])
    return arm.buffer(1400, quad_segs=16).simplify(20)


def residential(commune, road):
    seat = road.interpolate(10_500)
    villages = [seat.buffer(650)]
    for start, end in ((2_000, 4_200), (7_000, 9_000), (12_500, 14_500), (17_000, 19_000)):
        villages.append(shapely.ops.substring(road, start, end).buffer(180))
    for x, y in ((428500, 1284200), (433200, 1290200), (427900, 1299300)):
        villages.append(Point(x, y).buffer(380))
    names = ["Thôn 2 (trung tâm xã)", "Khu dân cư QL14 – Đức Liễu", "Khu dân cư QL14 – thôn 4",
             "Khu dân cư QL14 – Nghĩa Bình", "Khu dân cư QL14 – Sao Bọng",
             "Thôn 10", "Thôn 7", "Thôn Bình Hà"]
    return seat, names, [v.intersection(commune) for v in villages]


def zones(commune, road, lake_poly, seat, homes):
    near_homes = shapely.union_all(homes).buffer(520)
    taken = lake_poly
    out = []

    def add(zid, kind, vi, en, landuse, shape, subtract=True):
        nonlocal taken
        geom = shape.intersection(commune)
        if subtract:
            geom = geom.difference(taken)
        geom = shapely.make_valid(geom.simplify(1))
        out.append((zid, kind, vi, en, landuse, geom))
        taken = taken.union(geom)

    add("TT-01", "admin_centre", "Trung tâm hành chính – thương mại – dịch vụ – dân cư xã",
        "Commune administrative, commercial, service and residential centre", "TSC;TMD;ONT",
        seat.buffer(950), subtract=False)
    add("NS-01", "produce_hub", "Trung tâm nông sản và vùng sầu riêng, cây ăn trái tập trung",
        "Agricultural-produce hub with the concentrated durian and fruit zone", "CLN;TMD",
        box(426400, 1289650, 428700, 1291950).difference(road.buffer(200)))
    add("CNC-01", "hightech_agri", "Khu nông nghiệp công nghệ cao và du lịch sinh thái ven hồ Thác Mơ",
        "High-tech farming and eco-tourism area on the Thác Mơ lake shore", "NKH;CLN;TMD",
        box(425000, 1299200, 431800, 1304300).difference(near_homes.buffer(-300)))
    add("BX-K01", "bauxite_licensed", "Khu khai thác bô-xít đã cấp phép", "Licensed bauxite mining area",
        "SKS", box(434200, 1289800, 437600, 1293300).difference(near_homes))
    add("BX-T01", "bauxite_exploration", "Khu thăm dò bô-xít (đưa ra khỏi quy hoạch hoặc sử dụng tạm)",
        "Bauxite exploration area (out of the plan or in temporary use)", "SKS",
        box(432800, 1284500, 435300, 1287500).difference(near_homes))
    add("SR-01", "durian_farming", "Vùng trồng sầu riêng phía Nam", "Southern durian area", "CLN",
        box(429300, 1280500, 433500, 1284300).difference(near_homes))
    add("SR-02", "durian_farming", "Vùng trồng sầu riêng phía Đông", "Eastern durian area", "CLN;HNK",
        box(434000, 1294200, 437900, 1297200).difference(near_homes))
    # SR-03 is drawn too close to thôn Bình Hà on purpose: the report must show a failing rule.
    add("SR-03", "durian_farming", "Vùng trồng sầu riêng Bình Hà", "Bình Hà durian area", "CLN",
        box(425600, 1296300, 427600, 1298600).difference(homes[-1].buffer(150)))
    # The reserve keeps temporary farming: it overlaps SR-01 on purpose (an allowed pair).
    out.append(("BX-D01", "bauxite_reserve", "Khu dự trữ bô-xít (canh tác tạm thời)",
                "Bauxite reserve (temporary farming use)", "SKS;CLN",
                box(431500, 1282300, 434300, 1284400).intersection(commune).difference(near_homes)))
    return out


def write(frame: gpd.GeoDataFrame, name: str, description: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.geojson"
    path.unlink(missing_ok=True)
    frame.to_file(path, driver="GeoJSON", engine="pyogrio",
                  layer_options={"RFC7946": "NO", "COORDINATE_PRECISION": "2",
                                 "DESCRIPTION": f"{MARK} {description}"})
    print(f"{path.relative_to(ROOT)}: {len(frame)} features")


def main() -> None:
    commune, road = basemap()
    lake_poly = lake()
    seat, names, homes = residential(commune, road)
    common = {"source": SOURCE, "illustrative": True}
    write(gpd.GeoDataFrame([{"name_vi": "Hồ Thác Mơ (đường bờ minh họa)",
                             "name_en": "Thác Mơ lake (illustrative shoreline)", "landuse": "MNC", **common}],
                           geometry=[lake_poly], crs=CRS), "thac_mo_lake",
          "Đường bờ hồ Thác Mơ vẽ minh họa từ vị trí đập / lake outline sketched from the dam location.")
    write(gpd.GeoDataFrame([{"name_vi": n, "name_en": n, "landuse": "ONT", **common} for n in names],
                           geometry=homes, crs=CRS), "residential",
          "Khu dân cư minh họa dọc QL14 và các thôn / residential areas sketched along QL14.")
    write(gpd.GeoDataFrame([{"name_vi": "Trụ sở UBND xã Nghĩa Trung (vị trí gần đúng, QL14, thôn 2)",
                             "name_en": "Nghĩa Trung commune seat (approximate position, QL14, thôn 2)",
                             **common}], geometry=[seat], crs=CRS), "commune_seat",
          "Vị trí trụ sở xã đặt gần đúng trên QL14 / seat placed approximately on QL14.")
    rows = [{"id": zid, "kind": kind, "name_vi": vi, "name_en": en, "landuse": lu, "status": "draft",
             **common} for zid, kind, vi, en, lu, _ in zones(commune, road, lake_poly, seat, homes)]
    geoms = [z[-1] for z in zones(commune, road, lake_poly, seat, homes)]
    write(gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS), "draft_zones",
          "Dự thảo phân vùng minh họa theo Kế hoạch 26-KH/ĐU / illustrative draft zoning.")


if __name__ == "__main__":
    main()
