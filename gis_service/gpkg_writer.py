"""Writing a large layer into the GeoPackage store in a process of its own.

GDAL's write of a million parcels holds the Python interpreter for its whole length (about 6 s),
so nothing else of the build can run meanwhile. The store therefore hands a large layer over as an
Arrow stream file (attributes and MultiPolygon WKB, made a slice at a time while the content hash
is computed from the same WKB), and this module, started as ``python -m gis_service.gpkg_writer``,
writes that file into the GeoPackage as one table while the build goes on validating on the other
core (``GeoPackageStore.writing_ahead``).

The writer imports neither geopandas nor the rest of the service, and Arrow and GDAL only once
its turn to write has come. It dies with the process that
started it (Linux's parent-death signal, then a check that the parent is still there), so a build
killed mid-write leaves at most a table that belongs to no version, which the next write drops.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from contextlib import contextmanager
from typing import Iterator

#: SQLite page cache (MB) of GDAL's connection while it writes a large layer: with SQLite's
#: default 2 MB, building the R-tree of a million rows reads pages back from the file again and
#: again. Writing 1M parcels (a writer process alone, load average ~2): 8.2-8.8 s with 2 MB,
#: 6.8-7.1 s with 16, 32 or 64 MB; the writer's peak RSS 212, 227, 244, 278 MB. Only the cache
#: size: the journal and fsyncs, hence crash safety, unchanged.
WRITE_CACHE_MB = 16


@contextmanager
def sqlite_cache() -> Iterator[None]:
    """GDAL's SQLite cache at ``WRITE_CACHE_MB`` for the connections opened inside (a process-wide
    GDAL setting, restored after)."""
    import pyogrio

    before = pyogrio.get_gdal_config_option("OGR_SQLITE_CACHE")
    pyogrio.set_gdal_config_options({"OGR_SQLITE_CACHE": str(WRITE_CACHE_MB)})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_SQLITE_CACHE": before})


def write_stream_file(spec: dict) -> None:
    """Write the Arrow stream file ``spec['file']`` into the GeoPackage ``spec['path']`` as the
    table ``spec['table']`` (one GDAL write: its R-tree is built once, at the end). The file is
    read one batch at a time, never whole. A new GeoPackage is made as version 1.2. Arrow and
    GDAL are imported here: a writer waiting for its turn holds little memory."""
    import pyarrow as pa
    import pyogrio

    new = not os.path.exists(spec["path"])
    with pa.OSFile(spec["file"]) as source, sqlite_cache():
        reader = pa.ipc.open_stream(source)
        pyogrio.write_arrow(reader, spec["path"], layer=spec["table"], driver="GPKG",
                            geometry_name=spec["geometry_name"], geometry_type=spec["geometry_type"],
                            crs=spec["crs"], layer_options=spec["layer_options"],
                            dataset_options={"VERSION": "1.2"} if new else None)


@contextmanager
def one_writer_at_a_time(lock: str) -> Iterator[None]:
    """SQLite takes one writer at a time: the writers of a store take turns on a lock file (the
    process that began them holds the store's own lock meanwhile)."""
    import fcntl

    with open(lock, "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # released when the file closes
        yield


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent dies; exit now if it already has."""
    try:
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the next write still drops what is left
        pass
    if os.getppid() != parent:
        sys.exit(3)


def main(argv: list[str]) -> int:
    spec = json.loads(argv[1])
    _die_with_parent(spec["parent"])
    try:
        with one_writer_at_a_time(spec["lock"]):
            write_stream_file(spec)
    except Exception as exc:  # the parent reports it, naming the layer
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
