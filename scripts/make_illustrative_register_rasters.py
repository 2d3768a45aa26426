"""Generate the illustrative durian register and the soil-suitability and slope rasters
(run on purpose, output committed; a fixed seed gives the same files every time).

Everything written here is INVENTED for demonstration and marked MINH HỌA / ILLUSTRATIVE in each
file's metadata and on every plot: no soil survey, elevation model or planting-area register of
Nghĩa Trung is published. Replace the files with the commune's own (same names, or new catalog
entries) and rebuild; a real GeoTIFF works the same way.

- layers/illustrative/durian_plots.geojson: some hundreds of plots inside the durian zones of the
  draft (produce_hub and durian_farming). NS-01 is fully coded and mostly export-standard (it
  passes both share targets); the other zones are partly coded, some codes expired, so the
  commune misses the 100 % and 80 % targets. One code is below 10 ha; some codes are overdue
  for inspection on 23/11/2026.
- layers/illustrative/soil_suitability.tif: FAO-style suitability classes S1, S2, S3, N (1–4,
  0 = no data) at 30 m in EPSG:5899. Poorer soil around SR-03 on purpose (it fails 70 % on S1+S2).
- layers/illustrative/slope.tif: slope in degrees (float32, −9999 no data) of a smooth invented
  terrain at 30 m in EPSG:5899.

    python scripts/make_illustrative_register_rasters.py
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.features import geometry_mask
from rasterio.transform import from_origin
from shapely.geometry import box

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "layers" / "illustrative"
CRS = "EPSG:5899"
CELL = 30.0
SEED = 26  # Kế hoạch 26-KH/ĐU
MARK = "MINH HỌA / ILLUSTRATIVE: invented for demonstration, not surveyed, not the commune's data."
DURIAN_KINDS = ("produce_hub", "durian_farming")
#: per zone: share of plots drawn, share coded, share of coded that meet the export standard
ZONE_PLAN = {"NS-01": (0.75, 1.00, 0.92), "SR-01": (0.50, 0.62, 0.55),
             "SR-02": (0.50, 0.45, 0.50), "SR-03": (0.65, 0.20, 0.40)}


def commune_and_zones():
    communes = gpd.read_file(ROOT / "layers" / "basemap" / "communes_2025.geojson").to_crs(CRS)
    commune = communes[communes["code"] == "25417"].geometry.iloc[0]
    zones = gpd.read_file(OUT / "draft_zones.geojson").to_crs(CRS)
    return commune, zones


# -- register ------------------------------------------------------------------------------------

def plots(zones: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Rectangles of 1–5 ha, one per cell of a 230 m grid, kept where wholly inside the zone."""
    rows = []
    for zone in zones[zones["kind"].isin(DURIAN_KINDS)].itertuples():
        drawn, coded, export = ZONE_PLAN[zone.id]
        inner = zone.geometry.buffer(-3)
        minx, miny, maxx, maxy = zone.geometry.bounds
        for gx in np.arange(minx, maxx, 230.0):
            for gy in np.arange(miny, maxy, 230.0):
                w, h = rng.uniform(100, 215, 2)
                x, y = gx + rng.uniform(0, 225 - w), gy + rng.uniform(0, 225 - h)
                plot = box(x, y, x + w, y + h)
                if rng.random() < drawn and inner.covers(plot):
                    rows.append({"zone": zone.id, "geometry": plot, "coded": rng.random() < coded,
                                 "export": rng.random() < export})
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    frame.geometry = frame.geometry.set_precision(0.01)
    return frame


def attributes(frame: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Codes for groups of neighbouring coded plots (about 12–25 ha each), owners, dates."""
    out = []
    code_no = 0
    for zone_id, group in frame.groupby("zone", sort=True):
        order = np.lexsort((group.geometry.centroid.x.round(-2), group.geometry.centroid.y.round(-2)))
        coded = group.iloc[order][group.iloc[order]["coded"]]
        codes, area, current = {}, 0.0, None
        for idx, plot in coded.iterrows():
            if current is None or area >= rng.uniform(12, 25):
                code_no += 1
                current, area = f"MH-NTR-{code_no:03d}", 0.0
            codes[idx] = current
            area += plot.geometry.area / 10_000
        if area < 12 and len(set(codes.values())) > 1:  # a short tail joins the code before it
            previous = f"MH-NTR-{code_no - 1:03d}"
            codes = {i: previous if c == current else c for i, c in codes.items()}
            code_no -= 1
        out.append(group.assign(code=[codes.get(i, "") for i in group.index]))
    frame = gpd.GeoDataFrame(gpd.pd.concat(out), crs=CRS).reset_index(drop=True)
    code_list = sorted(c for c in frame["code"].unique() if c)
    # one small code on purpose: its plots all but one go to the next code
    small = code_list[3]
    members = frame.index[frame["code"] == small]
    frame.loc[members[2:], "code"] = code_list[4]
    hub_codes = set(frame.loc[frame["zone"] == "NS-01", "code"])  # the hub stays fully coded
    expired = set(rng.choice(sorted(set(code_list) - hub_codes), size=4, replace=False))
    meta = {}
    for n, code in enumerate(code_list):
        start = date(2023, 3, 1) + timedelta(days=int(rng.integers(0, 700)))
        end = date(2025, 6, 30) if code in expired else start + timedelta(days=int(rng.integers(1500, 2200)))
        inspected = date(2025, 10, 1) + timedelta(days=int(rng.integers(0, 410))) if n % 9 else None
        owner = (("cooperative", f"HTX sầu riêng minh họa {chr(65 + n % 6)}") if n % 4 == 0 else
                 ("enterprise", f"Doanh nghiệp minh họa {chr(65 + n % 5)}") if n % 7 == 0 else None)
        meta[code] = (start, end, inspected, owner)
    rows = []
    for i, plot in frame.iterrows():
        code = plot["code"]
        start, end, inspected, owner = meta.get(code, (None, None, None, None))
        if code and inspected is None and rng.random() < 0.3:
            inspected = date(2025, 9, 1)  # some plots of a code never inspected carry an old date
        owner_type, owner_name = owner or ("household", f"Hộ minh họa {i + 1:03d}")
        cert = rng.choice(["VietGAP", "GlobalGAP", "none"], p=[0.6, 0.15, 0.25] if code else [0.1, 0.0, 0.9])
        rows.append({
            "plot_id": f"SR-{i + 1:04d}", "owner": owner_name, "owner_type": owner_type, "code": code,
            "market": "CN" if code else "", "valid_from": start.isoformat() if start else "",
            "valid_to": end.isoformat() if end else "", "cert": str(cert),
            "export": "yes" if code and plot["export"] else "no",
            "inspected": inspected.isoformat() if code and inspected else "",
            "area_ha": round(plot.geometry.area / 10_000, 4), "illustrative": True,
            "source": "Minh họa, tạo bởi scripts/make_illustrative_register_rasters.py / Illustrative"})
    return gpd.GeoDataFrame(rows, geometry=frame.geometry.values, crs=CRS)


# -- rasters -------------------------------------------------------------------------------------

def grid(commune) -> tuple[rasterio.Affine, int, int]:
    minx, miny, maxx, maxy = commune.buffer(300).bounds
    x0, y1 = np.floor(minx / CELL) * CELL, np.ceil(maxy / CELL) * CELL
    width, height = int(np.ceil((maxx - x0) / CELL)), int(np.ceil((y1 - miny) / CELL))
    return from_origin(x0, y1, CELL, CELL), width, height


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], scale_cells: float) -> np.ndarray:
    """Gaussian-filtered white noise (by FFT), scaled to zero mean and unit spread."""
    noise = rng.standard_normal(shape)
    fy, fx = np.fft.fftfreq(shape[0])[:, None], np.fft.fftfreq(shape[1])[None, :]
    kernel = np.exp(-2 * (np.pi * scale_cells) ** 2 * (fx ** 2 + fy ** 2))
    field = np.real(np.fft.ifft2(np.fft.fft2(noise) * kernel))
    return (field - field.mean()) / field.std()


def terrain(rng, shape) -> np.ndarray:
    """An invented plateau (metres): broad swells and a few valleys."""
    return 260 + 130 * smooth_noise(rng, shape, 45) + 25 * smooth_noise(rng, shape, 12)


def slope_degrees(dem: np.ndarray) -> np.ndarray:
    dzdy, dzdx = np.gradient(dem, CELL)
    return np.degrees(np.arctan(np.hypot(dzdx, dzdy)))


def soil_classes(rng, slope: np.ndarray, transform, zones: gpd.GeoDataFrame) -> np.ndarray:
    quality = smooth_noise(rng, slope.shape, 25) - 0.12 * slope
    sr03 = zones[zones["id"] == "SR-03"].geometry.iloc[0].buffer(600)
    quality -= 1.4 * ~geometry_mask([sr03], slope.shape, transform)  # poorer soil there, on purpose
    classes = np.digitize(quality, [-2.2, -1.45, 0.4])  # 0..3 → N, S3, S2, S1
    return (4 - classes).astype("uint8")


def write_raster(path: Path, array: np.ndarray, transform, nodata, description: str, **tags) -> None:
    path.unlink(missing_ok=True)
    profile = {"driver": "GTiff", "width": array.shape[1], "height": array.shape[0], "count": 1,
               "dtype": array.dtype.name, "crs": CRS, "transform": transform, "nodata": nodata,
               "compress": "deflate", "zlevel": 9, "tiled": True, "blockxsize": 256, "blockysize": 256,
               "predictor": 3 if array.dtype.kind == "f" else 2}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(array, 1)
        dst.update_tags(ILLUSTRATIVE="MINH HỌA / ILLUSTRATIVE", DESCRIPTION=f"{MARK} {description}",
                        SOURCE="scripts/make_illustrative_register_rasters.py", SEED=str(SEED), **tags)
    print(f"{path.relative_to(ROOT)}: {array.shape[1]}×{array.shape[0]} cells, {path.stat().st_size:,} bytes")


def main() -> None:
    rng = np.random.default_rng(SEED)
    commune, zones = commune_and_zones()
    register = attributes(plots(zones, rng), rng)
    path = OUT / "durian_plots.geojson"
    path.unlink(missing_ok=True)
    register.to_file(path, driver="GeoJSON", engine="pyogrio",
                     layer_options={"RFC7946": "NO", "COORDINATE_PRECISION": "2",
                                    "DESCRIPTION": f"{MARK} Sổ thửa sầu riêng minh họa / illustrative "
                                                   "durian plot register."})
    print(f"{path.relative_to(ROOT)}: {len(register)} plots, {register['area_ha'].sum():,.1f} ha, "
          f"{register['code'].replace('', np.nan).nunique()} codes")

    transform, width, height = grid(commune)
    outside = geometry_mask([commune.buffer(150)], (height, width), transform)
    slope = slope_degrees(terrain(rng, (height, width)))
    soil = soil_classes(rng, slope, transform, zones)
    soil[outside] = 0
    slope = np.round(slope, 1).astype("float32")
    slope[outside] = -9999
    write_raster(OUT / "soil_suitability.tif", soil, transform, 0,
                 "Phân hạng thích hợp đất minh họa / illustrative soil suitability (1 S1, 2 S2, 3 S3, 4 N).",
                 CLASSES="1=S1 highly suitable;2=S2 suitable;3=S3 marginally suitable;4=N not suitable")
    write_raster(OUT / "slope.tif", slope, transform, -9999,
                 "Độ dốc minh họa (độ) / illustrative slope in degrees.", UNITS="degree")


if __name__ == "__main__":
    main()
