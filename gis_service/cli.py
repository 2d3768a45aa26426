"""Command line: gis-service build | validate | serve.

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
    report = validate_store(store, plan, progress)
    if args.violations:
        _write_violations(report, Path(args.violations))
    save_report(store, report)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        from .report import console_table
        print(console_table(report))
    return EXIT_OK if report.passed else EXIT_RULE_FAILED


def _write_violations(report, path: Path) -> None:
    """Violation geometries to any vector format by the file's extension (.gpkg, .geojson, …)."""
    frame = report.violations_frame()
    try:
        frame.to_file(path, engine="pyogrio")
    except Exception as exc:
        raise InputError(f"cannot write violations: {exc}", file=str(path)) from None


def cmd_serve(args, settings: Settings) -> int:
    from .web.serve import serve

    return serve(settings, host=args.host, port=args.port)


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
    serve = sub.add_parser("serve", help="serve the map and the API (waitress)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)
    return parser


if __name__ == "__main__":
    sys.exit(main())
