"""The real basemap: areas, neighbours and QL14 against the figures established in SOURCES.md,
measured here by independent means (pyproj's geodesic on the raw lon/lat file)."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from pyproj import Geod
from shapely.geometry import shape

from gis_service.build import neighbours
from gis_service.crs import geodesic_ha, planar_ha
from gis_service.settings import PROJECT_ROOT

BASEMAP = PROJECT_ROOT / "layers" / "basemap"


@pytest.fixture(scope="module")
def communes():
    return gpd.read_file(BASEMAP / "communes_2025.geojson")


@pytest.fixture(scope="module")
def nghia_trung_lonlat():
    data = json.loads((BASEMAP / "communes_2025.geojson").read_text(encoding="utf-8"))
    (feature,) = [f for f in data["features"] if f["properties"]["code"] == "25417"]
    return shape(feature["geometry"])


def test_planar_area_in_both_vn2000_zones(communes):
    nt = communes[communes["code"] == "25417"]
    assert planar_ha(nt.to_crs("EPSG:5899").geometry.values)[0] == pytest.approx(22_207.3, rel=5e-4)
    assert planar_ha(nt.to_crs("EPSG:9212").geometry.values)[0] == pytest.approx(22_209.6, rel=5e-4)


def test_geodesic_area_by_two_methods(communes, nghia_trung_lonlat):
    exterior = nghia_trung_lonlat.exterior.coords
    by_hand = abs(Geod(ellps="WGS84").polygon_area_perimeter(*zip(*exterior))[0]) / 10_000
    assert by_hand == pytest.approx(22_209.1, rel=5e-4)
    ours = geodesic_ha(communes[communes["code"] == "25417"].to_crs("EPSG:5899").geometry.values, "EPSG:5899")[0]
    assert ours == pytest.approx(by_hand, rel=1e-6)


def test_neighbours_found_from_geometry(communes):
    tm3 = communes.to_crs("EPSG:5899")
    ours = tm3[tm3["code"] == "25417"].geometry.iloc[0]
    found = neighbours(tm3, ours)
    assert sorted(found["name"]) == sorted(["Bom Bo", "Bù Đăng", "Đồng Tâm", "Phú Trung", "Phước Sơn"])
    # Bù Đăng shares about 15 km of border though the plan forgets it
    assert found.set_index("name").loc["Bù Đăng", "shared_border_m"] > 10_000


def test_ql14_runs_about_20_7_km_inside():
    road = gpd.read_file(BASEMAP / "road_ql14.geojson").to_crs("EPSG:5899").geometry.iloc[0]
    communes = gpd.read_file(BASEMAP / "communes_2025.geojson").to_crs("EPSG:5899")
    ours = communes[communes["code"] == "25417"].geometry.iloc[0]
    assert road.intersection(ours).length / 1000 == pytest.approx(20.7, abs=0.05)
    # second method: geodesic length of the clipped line in lon/lat
    clipped = gpd.GeoSeries([road.intersection(ours)], crs="EPSG:5899").to_crs("EPSG:4326").iloc[0]
    assert Geod(ellps="WGS84").geometry_length(clipped) / 1000 == pytest.approx(20.7, abs=0.05)
