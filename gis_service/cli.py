"""Command line: gis-service build | validate | serve | import-neighbour | edgematch | export |
import-register | import-raster.

Exit codes: 0 every rule passes (or the command succeeded), 1 a rule fails, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .errors import InputError, NotFound
from .settings import Settings
from .store import open_store
from .edgematch import DEFAULT_TOLERANCE_M
from .validate import BOUNDARY_LAYER

EXIT_OK, EXIT_RULE_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class Progress:
    """Step messages on stderr with the time since start, so long steps show they are moving."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.start = quiet, time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(f"  {time.perf_counter() - self.start:6.1f}s  {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(store=args.store, layers_dir=args.layers)
        return args.func(args, settings)
    except (InputError, NotFound) as err:
        print(f"Lỗi dữ liệu đầu vào / Bad input: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT


def cmd_build(args, settings: Settings) -> int:
    from .build import build_store

    progress = Progress(args.quiet)
    progress(f"Xây dựng kho dữ liệu / Building the store {settings.store}")
    counts = build_store(settings, open_store(settings), progress)
    progress("Xong / Done: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return EXIT_OK


def cmd_validate(args, settings: Settings) -> int:
    from .build import load_inputs
    from .validate import save_report, validate_store

    progress = Progress(args.quiet or args.json)
    _, plan = load_inputs(settings)
    store = open_store(settings)
    progress(f"Kiểm tra quy hoạch / Validating {len(plan.rules)} rules on {settings.store}")
    report = validate_store(store, plan, progress, on=_day(args.date))
    if args.violations:
        _write_frame(report.violations_frame(), Path(args.violations), "violations")
    save_report(store, report)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        from .report import console_table
        print(console_table(report))
    return EXIT_OK if report.passed else EXIT_RULE_FAILED


def _day(text: str | None):
    """--date YYYY-MM-DD (or DD/MM/YYYY): the day codes and inspections are judged on."""
    if not text:
        return None
    from datetime import datetime

    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise InputError(f"not a date (use 2026-11-23 or 23/11/2026): {text!r}", field="--date")


def _write_frame(frame, path: Path, what: str) -> None:
    """Geometries to any vector format by the file's extension (.gpkg, .geojson, …)."""
    try:
        frame.to_file(path, engine="pyogrio")
    except Exception as exc:
        raise InputError(f"cannot write {what}: {exc}", file=str(path)) from None


def cmd_serve(args, settings: Settings) -> int:
    from .web.serve import serve

    return serve(settings, host=args.host, port=args.port)


def cmd_import_neighbour(args, settings: Settings) -> int:
    from .build import load_inputs
    from .edgematch import import_neighbour

    _, plan = load_inputs(settings)
    added = import_neighbour(open_store(settings), Path(args.file), plan.crs, name=args.name,
                             assume_crs=args.crs)
    names = ", ".join(added[added["source_file"] == Path(args.file).name]["name"])
    print(f"Đã nhập ranh giới / Imported boundary: {names} ← {args.file}")
    return EXIT_OK


def cmd_edgematch(args, settings: Settings) -> int:
    from .edgematch import edgematch_store, pieces_frame, report_text, summary_frame

    store = open_store(settings)
    results = edgematch_store(store, tolerance_m=args.tolerance)
    if args.output:
        _write_frame(pieces_frame(results, store.crs(BOUNDARY_LAYER)), Path(args.output),
                     "the edge-matching pieces")
    if args.json:
        print(summary_frame(results).to_json(orient="records", force_ascii=False, indent=2))
    else:
        print(report_text(results))
    return EXIT_OK


def cmd_export(args, settings: Settings) -> int:
    from .export import export

    data, filename, _ = export(open_store(settings), args.layer, args.format, args.crs)
    out = Path(args.output or filename)
    out.write_bytes(data)
    print(f"{out} ({len(data):,} bytes)")
    return EXIT_OK


def cmd_import_register(args, settings: Settings) -> int:
    from .build import load_inputs
    from .imports import import_register

    catalog, plan = load_inputs(settings)
    frame = import_register(open_store(settings), catalog, Path(args.file), plan.crs, name=args.name,
                            assume_crs=args.crs, illustrative=args.illustrative)
    print(f"Đã nhập sổ / Imported register {args.name}: {len(frame)} thửa / plots, "
          f"{frame['area_ha'].sum():,.2f} ha ← {args.file}")
    return EXIT_OK


def cmd_import_raster(args, settings: Settings) -> int:
    from .build import load_inputs
    from .imports import import_raster

    catalog, _ = load_inputs(settings)
    raster = import_raster(open_store(settings), catalog, Path(args.file), name=args.name,
                           illustrative=args.illustrative)
    print(f"Đã nhập raster / Imported raster {args.name} ← {args.file} (sha256 {raster.sha256[:16]}…)")
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gis-service", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", help="GeoPackage store path (default: GIS_SERVICE_STORE or var/store.gpkg)")
    parser.add_argument("--layers", help="layers folder with catalog.yaml and plan.yaml")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    sub = parser.add_subparsers(required=True, dest="command")
    build = sub.add_parser("build", help="build the store from layers/ (atomic)")
    build.set_defaults(func=cmd_build)
    validate = sub.add_parser("validate", help="check the plan's rules; exit 1 if a rule fails")
    validate.add_argument("--json", action="store_true", help="print the full report as JSON")
    validate.add_argument("--violations", metavar="FILE", help="write violation geometries (.gpkg, .geojson, …)")
    validate.add_argument("--date", help="judge planting-area codes and inspections on this day "
                          "(YYYY-MM-DD; default: today in Asia/Ho_Chi_Minh)")
    validate.set_defaults(func=cmd_validate)
    reg = sub.add_parser("import-register", help="replace a register (durian plots) from a GeoPackage, "
                         "GeoJSON, zipped Shapefile or CSV (x/y, lon/lat or wkt columns)")
    reg.add_argument("file")
    reg.add_argument("--name", default="durian_plots", help="the register's catalog name")
    reg.add_argument("--crs", help="CRS of x/y or wkt columns, or of a file without one, e.g. EPSG:9212")
    reg.add_argument("--illustrative", action="store_true", help="mark the data MINH HỌA / ILLUSTRATIVE")
    reg.set_defaults(func=cmd_import_register)
    ras = sub.add_parser("import-raster", help="replace a raster (soil_suitability, slope) from a GeoTIFF")
    ras.add_argument("file")
    ras.add_argument("--name", required=True, help="the raster's catalog name")
    ras.add_argument("--illustrative", action="store_true", help="mark the data MINH HỌA / ILLUSTRATIVE")
    ras.set_defaults(func=cmd_import_raster)
    imp = sub.add_parser("import-neighbour", help="import a neighbouring commune's boundary file "
                         "(GeoPackage, GeoJSON, zipped Shapefile; any CRS GDAL reads)")
    imp.add_argument("file")
    imp.add_argument("--name", help="the commune's name (default: the file's name field)")
    imp.add_argument("--crs", help="CRS to assume when the file has none, e.g. EPSG:9212")
    imp.set_defaults(func=cmd_import_neighbour)
    em = sub.add_parser("edgematch", help="overlaps, gaps and agreed border with each neighbour")
    em.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE_M,
                    help=f"agreement tolerance in m (default {DEFAULT_TOLERANCE_M:g})")
    em.add_argument("--json", action="store_true", help="print the summary as JSON")
    em.add_argument("--output", metavar="FILE", help="write overlap and gap polygons (.gpkg, .geojson, …)")
    em.set_defaults(func=cmd_edgematch)
    exp = sub.add_parser("export", help="download a layer or the whole plan (gpkg, geojson, shp)")
    exp.add_argument("layer", help="a layer name, or 'plan' for every published layer")
    exp.add_argument("--format", default="gpkg", choices=["gpkg", "geojson", "shp"])
    exp.add_argument("--crs", default="plan", help="'plan' (the plan's VN-2000 TM-3 zone) or 'wgs84'")
    exp.add_argument("--output", metavar="FILE")
    exp.set_defaults(func=cmd_export)
    serve = sub.add_parser("serve", help="serve the map and the API (waitress)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)
    return parser


if __name__ == "__main__":
    sys.exit(main())
