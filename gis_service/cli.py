"""Command line: gis-service build | validate | serve | import-neighbour | edgematch | export.

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
    notes: list[str] = []
    counts = build_store(settings, open_store(settings), progress, notes)
    _print_notes(notes)
    progress("Xong / Done: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return EXIT_OK


def cmd_validate(args, settings: Settings) -> int:
    from .build import load_inputs
    from .validate import save_report, validate_store

    progress = Progress(args.quiet or args.json)
    catalog, plan = load_inputs(settings)
    store = open_store(settings)
    built_at = _require_current(store, catalog, settings)
    progress(f"Kiểm tra quy hoạch / Validating {len(plan.rules)} rules on {settings.store}, "
             f"built {built_at} from the files now in {settings.layers_dir}")
    report = validate_store(store, plan, progress)
    if args.violations:
        _write_frame(report.violations_frame(), Path(args.violations), "violations")
    save_report(store, report)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        from .report import console_table
        print(console_table(report))
    return EXIT_OK if report.passed else EXIT_RULE_FAILED


def _require_current(store, catalog, settings: Settings) -> str:
    """The store's build time, once sure it holds the layers now on disk (refused otherwise:
    after a refused build it still holds the previous files')."""
    from .catalog import layer_path
    from .provenance import require_current
    from .store import CATALOG_TABLE

    if not store.exists():
        raise InputError("the store has not been built: run gis-service build first", file=str(settings.store))
    stored = store.read_table(CATALOG_TABLE)
    require_current(stored, {e.name: layer_path(e, settings.layers_dir) for e in catalog.layers},
                    str(settings.store))
    return str(stored["built_at"].iloc[0])


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
    import tempfile

    from .build import load_inputs
    from .edgematch import import_neighbour
    from .uploads import EXPANSION_FACTOR, check_size, vector_source

    _, plan = load_inputs(settings)
    given = Path(args.file)
    check_size(given, settings.upload_max_bytes, args.file)  # the same limits as a web upload
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="gis-import-") as tmp:
        path, label = vector_source(given, Path(tmp), EXPANSION_FACTOR * settings.upload_max_bytes, args.file)
        added = import_neighbour(open_store(settings), path, plan.crs, name=args.name, assume_crs=args.crs,
                                 display_name=label, notes=notes, source_file=given.name)
    _print_notes(notes)
    names = ", ".join(added[added["source_file"] == given.name]["name"])
    print(f"Đã nhập ranh giới / Imported boundary: {names} ← {args.file}")
    return EXIT_OK


def _print_notes(notes: list[str]) -> None:
    for note in notes:
        print(f"Lưu ý / Note: {note}", file=sys.stderr)


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
    validate.set_defaults(func=cmd_validate)
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
