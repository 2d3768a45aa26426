"""Vector tiles (/tiles/<layer>/<z>/<x>/<y>.pbf) on both store back ends: a decoded tile holds
exactly the features whose geometry intersects the tile, as shapely finds them on the source layer
reprojected to EPSG:3857 with the tile's square computed here from the XYZ formula; low zooms are
simplified but keep every feature; bad z/x/y are refused; the tile cache stays within its bytes."""

from __future__ import annotations

import math

import mapbox_vector_tile
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from gis_service import tiles
from gis_service.settings import PROJECT_ROOT
from gis_service.store import open_store
from gis_service.store_base import WriteInfo
from gis_service.synthetic import commune_boundary, make_parcels

TO_3857 = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)


def xyz_square(z: int, x: int, y: int) -> shapely.Polygon:
    """The tile's square in EPSG:3857, from the slippy-map formula (tile corners in lon/lat)."""
    def corner(col, row):
        n = 2 ** z
        lon = col / n * 360 - 180
        lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))
        return TO_3857.transform(lon, lat)
    (west, north), (east, south) = corner(x, y), corner(x + 1, y + 1)
    return shapely.box(west, south, east, north)


def xyz_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def decoded(data: bytes, layer: str) -> list[dict]:
    return mapbox_vector_tile.decode(data).get(layer, {}).get("features", []) if data else []


@pytest.fixture(scope="module")
def parcels():
    """3,000 synthetic parcels (MINH HỌA / ILLUSTRATIVE) of the commune, in EPSG:5899."""
    return make_parcels(3_000, commune_boundary(PROJECT_ROOT / "layers"), seed=5).frame


@pytest.fixture
def parcel_store(empty_location, parcels, monkeypatch):
    """The parcels written as layer 'zones' of a new store, on each back end; tiled from zoom 0
    (the minimum-zoom policy has its own test)."""
    monkeypatch.setattr(tiles, "FEATURES_PER_TILE", 10 ** 9)
    from gis_service.settings import Settings

    store = open_store(Settings(store=empty_location))
    store.write({"zones": parcels}, WriteInfo(action="test"))
    yield store
    getattr(store, "close", lambda: None)()


def sample_tiles(parcels) -> list[tuple[int, int, int]]:
    """Tiles at several zooms around three parcels (centre, a corner of the extent, one at random)."""
    points = shapely.get_coordinates(parcels.to_crs("EPSG:4326").geometry.representative_point())
    picks = [points[len(points) // 2], points[np.argmin(points[:, 0])], points[1234]]
    out = []
    for z in (9, 12, 14, 16):
        for lon, lat in picks:
            out.append((z, *xyz_of(lon, lat, z)))
    return sorted(set(out))


def test_a_tile_holds_exactly_the_features_that_intersect_it(parcel_store, parcels):
    in_3857 = parcels.to_crs("EPSG:3857")
    checked = 0
    for z, x, y in sample_tiles(parcels):
        square = xyz_square(z, x, y)
        expected = set(in_3857.loc[in_3857.intersects(square), "id"])
        features = decoded(parcel_store.tile("zones", z, x, y), "zones")
        got = [f["properties"]["id"] for f in features]
        assert len(got) == len(set(got)), f"a feature twice in tile {z}/{x}/{y}"
        assert set(got) == expected, f"tile {z}/{x}/{y}: {len(set(got) ^ expected)} features differ"
        assert all(set(f["properties"]) <= set(tiles.TILE_ATTRIBUTES) for f in features)
        checked += len(expected)
    assert checked > 3_000  # the z9 tiles hold most of the commune


def test_low_zooms_are_simplified_and_keep_every_feature(parcel_store, parcels):
    """Decoded vertices against the source's: fewer at zoom 9 (a pixel is ~300 m) than the
    parcels have, about as many at zoom 16; the same features either way."""
    in_3857 = parcels.to_crs("EPSG:3857")
    lon, lat = shapely.get_coordinates(parcels.to_crs("EPSG:4326").geometry.representative_point())[1500]
    ratios = {}
    for z in (9, 16):
        x, y = xyz_of(lon, lat, z)
        square = xyz_square(z, x, y)
        inside = in_3857[in_3857.within(square)]  # whole in the tile: no clipping changes its vertices
        features = {f["properties"]["id"]: f for f in decoded(parcel_store.tile("zones", z, x, y), "zones")}
        assert set(inside["id"]) <= set(features)
        source = int(shapely.get_num_coordinates(inside.geometry.values).sum())
        tile = sum(len(shapely.get_coordinates(shapely.geometry.shape(features[i]["geometry"])))
                   for i in inside["id"])
        ratios[z] = tile / source
    assert ratios[9] < 0.9 * ratios[16], ratios
    assert ratios[16] > 0.9, ratios


def test_below_the_minimum_zoom_a_tile_is_empty(parcel_store, parcels, monkeypatch):
    """The minimum zoom is the first at which an average tile over the layer's extent holds at most
    FEATURES_PER_TILE features (computed here from the count and the extent in EPSG:3857)."""
    monkeypatch.setattr(tiles, "FEATURES_PER_TILE", 200)
    parcel_store._min_zooms.clear()
    minx, miny, maxx, maxy = parcels.to_crs("EPSG:3857").total_bounds
    area = (maxx - minx) * (maxy - miny)

    def per_tile(z):
        return len(parcels) * min(1, (2 * tiles.HALF_WORLD / 2 ** z) ** 2 / area)
    expected = next(z for z in range(25) if per_tile(z) <= 200)
    assert per_tile(expected - 1) > 200
    assert parcel_store.tile_min_zoom("zones") == expected
    lon, lat = shapely.get_coordinates(parcels.to_crs("EPSG:4326").geometry.representative_point())[100]
    assert parcel_store.tile("zones", expected - 1, *xyz_of(lon, lat, expected - 1)) == b""
    assert decoded(parcel_store.tile("zones", expected, *xyz_of(lon, lat, expected)), "zones")


@pytest.mark.parametrize("path, status, field", [
    ("/tiles/zones/25/0/0.pbf", 400, "z"), ("/tiles/zones/3/8/0.pbf", 400, "x"),
    ("/tiles/zones/3/0/8.pbf", 400, "y"), ("/tiles/zones/-1/0/0.pbf", 400, "z"),
    ("/tiles/zones/3/0/1e3.pbf", 400, "y"), ("/tiles/zones/3/x/0.pbf", 400, "x"),
    ("/tiles/nowhere/3/0/0.pbf", 404, None), ("/tiles/slope/3/0/0.pbf", 404, None),
])
def test_bad_tiles_are_refused(client, path, status, field):
    response = client.get(path)
    assert response.status_code == status
    if field:
        assert f"'{field}'" in response.get_json()["error"]


def test_a_tile_answers_with_its_type_and_version_tag(client, app):
    store = app.config["STORE"]
    zones = store.read_layer("zones").to_crs("EPSG:4326")
    lon, lat = shapely.get_coordinates(zones.geometry.representative_point())[0]
    url = f"/tiles/zones/13/{'/'.join(map(str, xyz_of(lon, lat, 13)))}.pbf"
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert response.headers["ETag"] == f'"v{store.version()}"'
    assert zones["id"].iloc[0] in {f["properties"]["id"] for f in decoded(response.data, "zones")}
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_the_tile_cache_keeps_at_most_its_bytes_dropping_the_least_recently_used():
    cache = tiles.TileCache(max_bytes=100)
    for key in "abcd":
        cache.put(key, bytes(30))
    assert cache.get("a") is None and cache.bytes == 90 and len(cache) == 3
    cache.get("b")  # b is now the most recently used: c goes first
    cache.put("e", bytes(30))
    assert cache.get("c") is None and cache.get("b") is not None and cache.bytes == 90
    cache.put("big", bytes(101))  # larger than the whole cache: not kept, nothing dropped
    assert cache.get("big") is None and len(cache) == 3
