"""Command line: gis-service build | validate | import-plan | versions | diff | restore | approve |
serve | import-neighbour | edgematch | export | import-register | import-raster | user.

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
from .store import WriteInfo, open_store
from .edgematch import DEFAULT_TOLERANCE_M
from .validate import BOUNDARY_LAYER

EXIT_OK, EXIT_RULE_FAILED, EXIT_BAD_INPUT = 0, 1, 2
DATE_HELP = ("judge planting-area codes and inspections on this day (dd/mm/yyyy or yyyy-mm-dd; "
             "default: today in Asia/Ho_Chi_Minh)")


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
        settings = Settings.from_env(store=args.store, layers_dir=args.layers, engine=args.engine,
                                     scheduler=args.scheduler)
        return args.func(args, settings)
    except (InputError, NotFound) as err:
        print(f"Lỗi dữ liệu đầu vào / Bad input: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT


def cmd_build(args, settings: Settings) -> int:
    from .build import build_store

    progress = Progress(args.quiet)
    store = open_store(settings)
    progress(f"Xây dựng kho dữ liệu / Building the store {settings.store}")
    notes: list[str] = []
    counts = build_store(settings, store, progress, user=_cli_user(), message=args.message or "",
                         on=_day(args.date), notes=notes)
    _print_notes(notes)
    progress("Xong / Done: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    progress(f"Phiên bản / Version {store.version()}")
    return EXIT_OK


def cmd_validate(args, settings: Settings) -> int:
    """Check the current version against layers/plan.yaml. The report is kept with the version;
    a new version is written only when the plan file or the outcome changed."""
    from .build import load_sources
    from .validate import check_store_version, load_report, plan_source_of

    progress = Progress(args.quiet)  # on stderr: --json output on stdout stays clean
    catalog, plan, source = load_sources(settings)
    store = open_store(settings)
    view = store.at()
    built_at = _require_current(view, catalog, settings)
    progress(f"Kiểm tra quy hoạch / Validating {len(plan.rules)} rules on version {view.version()} "
             f"of {settings.store}, built {built_at} from the files now in {settings.layers_dir}")
    tables, report = check_store_version(view, source, progress=progress, on=_day(args.date),
                                         engine=settings.engine, scheduler=settings.scheduler)
    kept = load_report(view)
    if (kept is not None and plan_source_of(view).sha256 == source.sha256
            and kept.outcome_key() == report.outcome_key()):
        report = kept  # the same plan found the same on the same layers: no new version
        progress(f"Không thay đổi / Unchanged: version {view.version()}")
    else:
        with store.updating():
            if store.version() != view.version():  # the report is about the version read
                progress(f"Kho đã đổi sang phiên bản {store.version()} trong lúc kiểm tra: không ghi / "
                         f"The store moved to version {store.version()} meanwhile: nothing written")
            else:
                number = store.write(tables, WriteInfo("validate", _cli_user(), source.file, source.sha256,
                                                       args.message or "", report.pass_summary))
                progress(f"Phiên bản mới / New version {number}")
    if args.violations:
        _write_frame(report.violations_frame(), Path(args.violations), "violations")
    return _print_report(report, args.json)


def _day(text: str | None):
    """--date: the day planting-area codes and inspections are judged on (default: today)."""
    from .versions import parse_date

    return parse_date(text, "--date") if text else None


def _print_report(report, as_json: bool) -> int:
    if as_json:
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
    require_current(stored, {e.name: layer_path(e, settings.layers_dir)
                     for e in [*catalog.layers, *catalog.registers, *catalog.rasters]},
                    str(settings.store))
    return str(stored["built_at"].iloc[0])


def cmd_import_plan(args, settings: Settings) -> int:
    """A consultant's draft: read with its mapping, checked at once, kept as a version."""
    from .build import load_sources
    from .drafts import accept, stage_draft
    from .importplan import load_mapping, read_plan_file
    from .uploads import EXPANSION_FACTOR, check_size

    progress = Progress(args.quiet or args.json)
    _, plan, source = load_sources(settings)
    mapping = load_mapping(Path(args.mapping)) if args.mapping else None
    progress(f"Đọc bản vẽ / Reading {args.file}")
    given = Path(args.file)
    check_size(given, settings.upload_max_bytes, args.file)  # the same limits as a web upload
    imported = read_plan_file(given, plan=plan, layer=args.layer, mapping=mapping,
                              max_unzipped_bytes=EXPANSION_FACTOR * settings.upload_max_bytes)
    for note in imported.notes:
        progress(f"  {note}")
    store = open_store(settings)
    info = WriteInfo("import-plan", _cli_user(), imported.source_file, imported.sha256,
                     args.message or "", "; ".join(imported.notes))
    with store.updating():
        staged = stage_draft(store, imported.zones, plan, source, info, progress)
        number = accept(store, staged)
    progress(f"Phiên bản mới / New version {number} ({len(imported.zones)} vùng / zones)")
    return _print_report(staged.report, args.json)


def cmd_versions(args, settings: Settings) -> int:
    from .versions import version_rows

    rows = version_rows(open_store(settings))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    for r in rows:
        status = r["status_vi"] + (f" ({r['decision_number']})" if r["decision_number"] else "")
        print(f"{r['number']:>4}  {r['created_at']}  {r['user']:<12} {r['action']:<16} {status:<20} "
              f"{r['source_file']} {r['source_sha256'][:12]}  {r['message']}")
    return EXIT_OK


def cmd_diff(args, settings: Settings) -> int:
    from .diff import diff_text, diff_versions

    d = diff_versions(open_store(settings), args.a, args.b)
    print(json.dumps(d.to_dict(), ensure_ascii=False, indent=2) if args.json else diff_text(d))
    return EXIT_OK


def cmd_restore(args, settings: Settings) -> int:
    store = open_store(settings)
    number = store.restore(args.number, WriteInfo("restore", _cli_user(), "", "",
                                                  args.message or f"Khôi phục phiên bản / restore of version {args.number}"))
    print(f"Phiên bản mới / New version {number} = phiên bản / version {args.number}")
    return EXIT_OK


def cmd_approve(args, settings: Settings) -> int:
    from .versions import approve

    approve(open_store(settings), args.number, args.decision, args.date, args.body, _cli_user())
    print(f"Phiên bản / Version {args.number} đã phê duyệt / approved: {args.decision}")
    return EXIT_OK


def cmd_import_register(args, settings: Settings) -> int:
    from .build import load_sources
    from .imports import import_register

    catalog, plan, source = load_sources(settings)
    store = open_store(settings)
    frame, report = import_register(store, catalog, source, Path(args.file), plan.crs, name=args.name,
                                    assume_crs=args.crs, illustrative=args.illustrative, user=_cli_user(),
                                    on=_day(args.date))
    print(f"Đã nhập sổ / Imported register {args.name}: {len(frame)} thửa / plots, "
          f"{frame['area_ha'].sum():,.2f} ha ← {args.file} (phiên bản / version {store.version()})")
    return _print_report(report, False) if not args.quiet else EXIT_OK


def cmd_import_raster(args, settings: Settings) -> int:
    from .build import load_sources
    from .imports import import_raster

    catalog, _, source = load_sources(settings)
    store = open_store(settings)
    raster, report = import_raster(store, catalog, source, Path(args.file), name=args.name,
                                   illustrative=args.illustrative, user=_cli_user(), on=_day(args.date))
    print(f"Đã nhập raster / Imported raster {args.name} ← {args.file} (sha256 {raster.sha256[:16]}…, "
          f"phiên bản / version {store.version()})")
    return _print_report(report, False) if not args.quiet else EXIT_OK


def _cli_user() -> str:
    """Who writes from the command line: the operating-system account."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no name for this uid (containers)
        return "cli"


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
    from .scratch import scratch_dir
    from .uploads import EXPANSION_FACTOR, check_size, vector_source

    _, plan = load_inputs(settings)
    given = Path(args.file)
    check_size(given, settings.upload_max_bytes, args.file)  # the same limits as a web upload
    notes: list[str] = []
    with scratch_dir("import") as tmp:
        path, label = vector_source(given, tmp, EXPANSION_FACTOR * settings.upload_max_bytes, args.file)
        added = import_neighbour(open_store(settings), path, plan.crs, name=args.name, assume_crs=args.crs,
                                 display_name=label, notes=notes, source_file=given.name,
                                 user=_cli_user())
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
    parser.add_argument("--store", help="GeoPackage store path or postgresql://user@host:port/database "
                        "(default: GIS_SERVICE_STORE or var/store.gpkg)")
    parser.add_argument("--layers", help="layers folder with catalog.yaml and plan.yaml")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    parser.add_argument("--engine", choices=["local", "dask"],
                        help="validate in this process (default: GIS_SERVICE_ENGINE or local) or on dask.distributed")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="with --engine dask: the scheduler (tcp://host:8786; default: a local cluster)")
    sub = parser.add_subparsers(required=True, dest="command")
    build = sub.add_parser("build", help="build a new version of the store from layers/ (validated)")
    build.add_argument("--message", "-m", help="what this version is")
    build.add_argument("--date", help=DATE_HELP)
    build.set_defaults(func=cmd_build)
    validate = sub.add_parser("validate", help="check the current version against layers/plan.yaml; "
                              "exit 1 if a rule fails")
    validate.add_argument("--json", action="store_true", help="print the full report as JSON")
    validate.add_argument("--violations", metavar="FILE", help="write violation geometries (.gpkg, .geojson, …)")
    validate.add_argument("--message", "-m", help="message of the version, if one is written")
    validate.add_argument("--date", help=DATE_HELP)
    validate.set_defaults(func=cmd_validate)
    reg = sub.add_parser("import-register", help="replace a register (durian plots) from a GeoPackage, "
                         "GeoJSON, zipped Shapefile or CSV (x/y, lon/lat or wkt columns); a new version")
    reg.add_argument("file")
    reg.add_argument("--name", default="durian_plots", help="the register's catalog name")
    reg.add_argument("--crs", help="CRS of x/y or wkt columns, or of a file without one, e.g. EPSG:9212")
    reg.add_argument("--illustrative", action="store_true", help="mark the data MINH HỌA / ILLUSTRATIVE")
    reg.add_argument("--date", help=DATE_HELP)
    reg.set_defaults(func=cmd_import_register)
    ras = sub.add_parser("import-raster", help="replace a raster (soil_suitability, slope) from a GeoTIFF; "
                         "a new version")
    ras.add_argument("file")
    ras.add_argument("--name", required=True, help="the raster's catalog name")
    ras.add_argument("--illustrative", action="store_true", help="mark the data MINH HỌA / ILLUSTRATIVE")
    ras.add_argument("--date", help=DATE_HELP)
    ras.set_defaults(func=cmd_import_raster)
    imp_plan = sub.add_parser("import-plan", help="import a consultant's draft (GeoPackage, zipped Shapefile, "
                              "GeoJSON, KML, DXF) as a new version, validated at once")
    imp_plan.add_argument("file")
    imp_plan.add_argument("--layer", help="the layer of a multi-layer file")
    imp_plan.add_argument("--mapping", metavar="MAPPING.yaml", help="columns and values → our zone schema")
    imp_plan.add_argument("--message", "-m", help="what this draft is (e.g. 'báo cáo giữa kỳ')")
    imp_plan.add_argument("--json", action="store_true", help="print the report as JSON")
    imp_plan.set_defaults(func=cmd_import_plan)
    versions = sub.add_parser("versions", help="list the store's versions")
    versions.add_argument("--json", action="store_true")
    versions.set_defaults(func=cmd_versions)
    diff = sub.add_parser("diff", help="what changed from version A to version B")
    diff.add_argument("a", type=int)
    diff.add_argument("b", type=int)
    diff.add_argument("--json", action="store_true")
    diff.set_defaults(func=cmd_diff)
    restore = sub.add_parser("restore", help="a new version equal to version N (history is kept)")
    restore.add_argument("number", type=int)
    restore.add_argument("--message", "-m")
    restore.set_defaults(func=cmd_restore)
    approve = sub.add_parser("approve", help="record the decision that approves version N")
    approve.add_argument("number", type=int)
    approve.add_argument("--decision", required=True, help="decision number, e.g. 123/QĐ-UBND")
    approve.add_argument("--date", required=True, help="decision date, dd/mm/yyyy or yyyy-mm-dd")
    approve.add_argument("--body", required=True, help="issuing body, e.g. UBND tỉnh Đồng Nai")
    approve.set_defaults(func=cmd_approve)
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
    from .accounts_cli import add_user_commands
    add_user_commands(sub)  # user add | list | remove
    return parser


if __name__ == "__main__":
    sys.exit(main())
