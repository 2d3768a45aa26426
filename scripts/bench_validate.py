"""Benchmark: validation time and peak memory on the shipped layers and on a synthetic zones
layer of N polygons (default 100,000) laid over the real commune. Run on purpose, not in CI.

    .venv/bin/python scripts/bench_validate.py            # shipped + 100,000 polygons
    .venv/bin/python scripts/bench_validate.py --n 20000

The synthetic layer is a grid of square zones clipped to the commune, every 7th one shifted to
overlap its neighbour and every 11th one shrunk to leave a 10 m sliver, with kinds in turn, so
every rule has real work and real violations to report.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gis_service.build import build_store  # noqa: E402
from gis_service.settings import Settings  # noqa: E402
from gis_service.store import GeoPackageStore  # noqa: E402
from gis_service.validate import load_report  # noqa: E402

KINDS = ["durian_farming", "hightech_agri", "bauxite_exploration", "produce_hub", "bauxite_reserve",
         "bauxite_licensed", "admin_centre"]


def synthetic_zones(n: int, boundary) -> gpd.GeoDataFrame:
    minx, miny, maxx, maxy = boundary.bounds
    inside_share = boundary.area / ((maxx - minx) * (maxy - miny))
    side = np.sqrt(boundary.area / n) * np.sqrt(inside_share) * 0.98
    xs = np.arange(minx, maxx, side)
    ys = np.arange(miny, maxy, side)
    gx, gy = np.meshgrid(xs, ys)
    gx, gy = gx.ravel(), gy.ravel()
    cells = shapely.box(gx, gy, gx + side, gy + side)
    cells = cells[shapely.within(cells, boundary)][:n]
    idx = np.arange(len(cells))
    shift = (idx % 7 == 0) * side * 0.1                  # overlaps its right-hand neighbour
    shrink = (idx % 11 == 0) * 10.0                      # a 10 m sliver beside it
    b = shapely.bounds(cells)
    cells = shapely.box(b[:, 0] + shift, b[:, 1], b[:, 2] + shift - shrink, b[:, 3])
    return gpd.GeoDataFrame({
        "id": [f"S{i:06d}" for i in idx], "kind": [KINDS[i % len(KINDS)] for i in idx],
        "name_vi": "Vùng tổng hợp", "name_en": "Synthetic zone", "landuse": "CLN", "status": "draft",
        "source": "synthetic benchmark", "illustrative": True}, geometry=cells, crs="EPSG:5899")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_validate(settings: Settings) -> tuple[float, float, int, int]:
    """Build one version (reading, deriving and validating) and report where the time went:
    (total, validation part, failed rules, findings)."""
    store = GeoPackageStore(settings.store)
    steps: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    build_store(settings, store, lambda msg: steps.append((msg, time.perf_counter())))
    t1 = time.perf_counter()
    ends = [t for _, t in steps[1:]] + [t1]
    durations = [(end - t, msg) for (msg, t), end in zip(steps, ends)]
    rules = [(d, msg) for d, msg in durations if "] R" in msg or "Areas by zone kind" in msg]
    slow = sorted(durations, reverse=True)[:4]
    print("   slowest steps: " + "; ".join(f"{msg.split('] ')[-1][:40]} {d:.2f}s" for d, msg in slow))
    report = load_report(store)
    findings = sum(len(o.findings) for o in report.outcomes)
    return t1 - t0, sum(d for d, _ in rules), len(report.failed_rules), findings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        layers = tmp / "layers"
        shutil.copytree(ROOT / "layers", layers)
        settings = Settings(layers_dir=layers, store=tmp / "shipped.gpkg")
        b, v, failed, findings = timed_validate(settings)
        print(f"shipped layers: build {b:.2f}s (of which rules {v:.2f}s); "
              f"{failed} rules fail, {findings} findings; peak RSS {peak_mb():.0f} MB")

        boundary = GeoPackageStore(settings.store).read_layer("commune_boundary").geometry.iloc[0]
        t0 = time.perf_counter()
        zones = synthetic_zones(args.n, boundary)
        zones.to_file(layers / "synthetic.gpkg", engine="pyogrio")
        print(f"synthetic layer: {len(zones):,} polygons written in {time.perf_counter() - t0:.1f}s")
        catalog = yaml.safe_load((layers / "catalog.yaml").read_text(encoding="utf-8"))
        next(e for e in catalog["layers"] if e["name"] == "zones")["file"] = "synthetic.gpkg"
        (layers / "catalog.yaml").write_text(yaml.safe_dump(catalog, allow_unicode=True), encoding="utf-8")
        settings = Settings(layers_dir=layers, store=tmp / "synthetic_store.gpkg")
        b, v, failed, findings = timed_validate(settings)
        print(f"{len(zones):,} polygons: build {b:.1f}s (of which rules {v:.1f}s); "
              f"{failed} rules fail, {findings:,} findings; peak RSS {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
