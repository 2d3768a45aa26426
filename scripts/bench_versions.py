"""Benchmark of the version workflow: time to import and validate the shipped draft and an
N-polygon draft (default 100,000) with `import-plan`'s code path, and the store's size after 20
versions of the shipped draft. Run on purpose, not in CI.

    .venv/bin/python scripts/bench_versions.py [--n 100000] [--versions 20]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_validate import synthetic_zones  # noqa: E402
from gis_service.build import build_store, load_sources  # noqa: E402
from gis_service.drafts import accept, stage_draft  # noqa: E402
from gis_service.importplan import read_plan_file  # noqa: E402
from gis_service.settings import Settings  # noqa: E402
from gis_service.store import GeoPackageStore, WriteInfo  # noqa: E402

SHIPPED = ROOT / "layers" / "illustrative" / "draft_zones.geojson"


def import_draft(settings: Settings, store: GeoPackageStore, path: Path) -> tuple[float, float, int]:
    """Read, check and keep one draft; (read seconds, check + write seconds, version)."""
    _, plan, source = load_sources(settings)
    t0 = time.perf_counter()
    imported = read_plan_file(path, plan=plan)
    t1 = time.perf_counter()
    info = WriteInfo("import-plan", "bench", imported.source_file, imported.sha256)
    number = accept(store, stage_draft(store, imported.zones, plan, source, info))
    return t1 - t0, time.perf_counter() - t1, number


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        settings = Settings(store=tmp / "store.gpkg")
        store = GeoPackageStore(settings.store)
        t0 = time.perf_counter()
        build_store(settings, store)
        size_built = settings.store.stat().st_size
        print(f"build (version 1): {time.perf_counter() - t0:.2f}s, store {size_built / 1e6:.2f} MB")
        times = [import_draft(settings, store, SHIPPED) for _ in range(args.versions)]
        reads = sorted(r for r, _, _ in times)
        checks = sorted(c for _, c, _ in times)
        size = settings.store.stat().st_size
        print(f"shipped draft × {args.versions}: read median {reads[len(reads) // 2]:.2f}s, check + write "
              f"median {checks[len(checks) // 2]:.2f}s; store after {store.version()} versions "
              f"{size / 1e6:.2f} MB (+{(size - size_built) / 1e3:.0f} kB over the first)")

        boundary = store.read_layer("commune_boundary").geometry.iloc[0]
        big = tmp / f"draft_{args.n}.gpkg"
        synthetic_zones(args.n, boundary).to_file(big, engine="pyogrio")
        read_s, check_s, number = import_draft(settings, store, big)
        print(f"{args.n:,}-polygon draft: read {read_s:.1f}s, check + write {check_s:.1f}s (version {number}); "
              f"store {settings.store.stat().st_size / 1e6:.1f} MB; peak RSS {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
