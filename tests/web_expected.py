"""Expected values for the page tests, computed independently of the service: straight from the
source files with json, shapely, pyproj and yaml (no geopandas, no gis_service code)."""

from __future__ import annotations

import json
from functools import lru_cache

import shapely
import yaml
from pyproj import Transformer
from shapely.geometry import shape

from gis_service.settings import PROJECT_ROOT

LAYERS = PROJECT_ROOT / "layers"
ZONES_FILE = LAYERS / "illustrative" / "draft_zones.geojson"
PLOTS_FILE = LAYERS / "illustrative" / "durian_plots.geojson"
COMMUNES_FILE = LAYERS / "basemap" / "communes_2025.geojson"
NGHIA_TRUNG_CODE = "25417"


@lru_cache
def source_zones() -> dict[str, dict]:
    """Each zone of the shipped draft: its properties and its geometry in EPSG:5899."""
    doc = json.loads(ZONES_FILE.read_text(encoding="utf-8"))
    assert doc["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::5899"  # VN-2000 TM-3 107-45
    return {f["properties"]["id"]: {**f["properties"], "geometry": shape(f["geometry"])}
            for f in doc["features"]}


def planar_ha(zone_id: str) -> float:
    return source_zones()[zone_id]["geometry"].area / 10_000


def kind_union_ha(kind: str) -> float:
    geoms = [z["geometry"] for z in source_zones().values() if z["kind"] == kind]
    return shapely.union_all(geoms).area / 10_000


def inner_point(zone_id: str) -> tuple[float, float]:
    """A point well inside the zone, clear of the durian plots and of other zones drawn over it
    (a click there reaches this zone), in EPSG:5899 (x = easting, y = northing)."""
    geom = source_zones()[zone_id]["geometry"]
    inner = geom.buffer(-200) if not geom.buffer(-200).is_empty else geom
    others = [z["geometry"] for zid, z in source_zones().items() if zid != zone_id]
    clear = inner.difference(plots_union().buffer(30)).difference(shapely.union_all(others))
    p = (clear if not clear.is_empty else inner).representative_point()
    return p.x, p.y


@lru_cache
def plots_union():
    """Every durian plot of the shipped register, one geometry in EPSG:5899."""
    doc = json.loads(PLOTS_FILE.read_text(encoding="utf-8"))
    return shapely.union_all([shape(f["geometry"]) for f in doc["features"]])


def remaining_point() -> tuple[float, float]:
    """A point in EPSG:5899 inside the commune and at least 100 m from every zone."""
    doc = json.loads(COMMUNES_FILE.read_text(encoding="utf-8"))
    commune = next(shape(f["geometry"]) for f in doc["features"]
                   if str(f["properties"]["code"]) == NGHIA_TRUNG_CODE)
    to_5899 = Transformer.from_crs("OGC:CRS84", "EPSG:5899", always_xy=True).transform
    commune = shapely.transform(commune, lambda xy: list(zip(*to_5899(xy[:, 0], xy[:, 1]))))
    zones = shapely.union_all([z["geometry"] for z in source_zones().values()])
    p = commune.buffer(-100).difference(zones.buffer(100)).representative_point()
    return p.x, p.y


def to_lonlat(x: float, y: float, crs: str = "EPSG:5899") -> tuple[float, float]:
    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)


def to_crs(x: float, y: float, dst: str) -> tuple[float, float]:
    return Transformer.from_crs("EPSG:5899", dst, always_xy=True).transform(x, y)


@lru_cache
def plan_yaml() -> dict:
    return yaml.safe_load((LAYERS / "plan.yaml").read_text(encoding="utf-8"))


def area_rule(rule_id: str) -> dict:
    return next(r for r in plan_yaml()["rules"] if r["id"] == rule_id)


def catalog_titles() -> list[str]:
    doc = yaml.safe_load((LAYERS / "catalog.yaml").read_text(encoding="utf-8"))
    return [layer["title_vi"] for layer in doc["layers"]]


def vi_number(value: float, digits: int = 1) -> str:
    """A number the Vietnamese way, written here by swapping Python's separators (not Babel):
    1541.4 → '1.541,4'."""
    return f"{value:,.{digits}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def en_number(value: float, digits: int = 1) -> str:
    """A number the English way: 1541.4 → '1,541.4'."""
    return f"{value:,.{digits}f}"
