"""MINH HỌA / ILLUSTRATIVE: write a synthetic parcel layer (Voronoi tessellation of the commune
with injected faults) for the parcel rule set, and list the injected faults.

    .venv/bin/python scripts/make_parcels.py --n 100000      # → layers/parcels/parcels.gpkg (+ commune_boundary.gpkg)
    .venv/bin/gis-service --layers layers/parcels --store var/parcels.gpkg build
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gis_service.synthetic import commune_boundary, make_parcels, write_parcels  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--output", type=Path, default=ROOT / "layers" / "parcels" / "parcels.gpkg")
    args = parser.parse_args()
    t0 = time.perf_counter()
    parcels = make_parcels(args.n, commune_boundary(ROOT / "layers"), seed=args.seed)
    write_parcels(parcels, args.output, ROOT / "layers")
    faults = parcels.faults
    print(f"{args.output}: {len(parcels.frame):,} parcels in {time.perf_counter() - t0:.1f}s; injected "
          f"{len(faults.overlaps)} overlaps, {len(faults.gaps)} gap rings, {len(faults.bowties)} bow-ties, "
          f"{len(faults.outside)} outside", file=sys.stderr)
    print(json.dumps({"overlaps": faults.overlaps, "gaps": faults.gaps, "bowties": faults.bowties,
                      "outside": faults.outside}))


if __name__ == "__main__":
    main()
