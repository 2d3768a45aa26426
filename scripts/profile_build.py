"""Profile one `build` of the parcels step by step: wall time, CPU time and RSS (after the step and
the process peak so far) of each step, printed as a table. Run on purpose, not in CI.

    .venv/bin/python scripts/profile_build.py /tmp/gis_service_parcels/parcels_1000000.gpkg /tmp/profile_work [--memory]

``--memory`` also samples the memory of this process and its writer processes together (PSS,
every 100 ms, ``tree_memory.TreePeak``).
"""

from __future__ import annotations

import contextlib
import functools
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from parcel_engines import service_layers  # noqa: E402
from tree_memory import TreePeak  # noqa: E402

from gis_service import build, layerio, store, validate  # noqa: E402

ROWS: list[tuple] = []
DEPTH = [0]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(module, name: str, label=None):
    """Wrap ``module.name`` so each call adds a row (nested calls indented)."""
    inner = getattr(module, name)

    @functools.wraps(inner)
    def wrapper(*args, **kwargs):
        text = label(*args, **kwargs) if label else name
        row = len(ROWS)
        ROWS.append(None)
        DEPTH[0] += 1
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            DEPTH[0] -= 1
            ROWS[row] = ("  " * DEPTH[0] + text, time.perf_counter() - wall, time.process_time() - cpu,
                         rss_mb(), peak_mb())
    setattr(module, name, wrapper)


def main() -> None:
    gpkg, work = Path(sys.argv[1]), Path(sys.argv[2])
    settings = service_layers(gpkg, work)
    settings.store.unlink(missing_ok=True)
    timed(build, "read_entry", lambda entry, *a, **k: f"read_entry {entry.name}")
    timed(layerio, "_read")
    timed(layerio, "_check_text")
    timed(layerio, "check_geometries")
    timed(build, "check_zone_attributes")
    timed(build, "file_digest")
    timed(build, "measure_version")
    timed(build, "judge_version")
    timed(validate, "derive")
    timed(validate, "run_rules")
    for name in ("repaired", "geodesic_ha", "layout", "remaining_land", "in_chunks"):
        timed(validate, name)
    timed(store, "table_name", lambda name, frame, d: f"content hash {name} ({len(frame):,} rows)")
    timed(store.GeoPackageStore, "_write_table", lambda self, name, frame, d: f"GDAL write {name}")
    timed(store.GeoPackageStore, "_start_writer", lambda self, name, frame, d: f"Arrow stream + hash of {name}")
    timed(store.PendingTable, "finish", lambda self: f"wait for the writer of {self.name}")
    timed(store.GeoPackageStore, "_commit")
    timed(store.GeoPackageStore, "_clean_leftovers")
    with TreePeak() if "--memory" in sys.argv[3:] else contextlib.nullcontext() as sampler:
        wall = time.perf_counter()
        build.build_store(settings, store.GeoPackageStore(settings.store))
        total = time.perf_counter() - wall
    print(f"load average {', '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"{'step':<48} {'wall s':>7} {'cpu s':>7} {'RSS MB':>7} {'peak MB':>8}")
    for text, secs, cpu, rss, peak in ROWS:
        if secs >= 0.05:
            print(f"{text:<48} {secs:>7.1f} {cpu:>7.1f} {rss:>7.0f} {peak:>8.0f}")
    print(f"{'build_store (end to end)':<48} {total:>7.1f} {'':>7} {rss_mb():>7.0f} {peak_mb():>8.0f}")
    if sampler:
        print(f"peak of this process and its writer processes together (PSS sampled every 100 ms): "
              f"{sampler.mb:,.0f} MB")


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        main()
