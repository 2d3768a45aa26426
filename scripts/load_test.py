"""A bounded load test on loopback: starts the server (waitress, `gis-service serve`) on a free
127.0.0.1 port with a store of its own, drives each page and the data API with wrk for
--seconds each, then a mix of all of them for --mix-seconds, and stops everything it started.
Prints one Markdown table: requests per second, p99 latency, errors, the server's memory.

    .venv/bin/python scripts/load_test.py [--seconds 60] [--mix-seconds 120] [--connections 8]

Needs wrk (Debian: apt-get install wrk). Never aims at another host: the server it starts is
the only target. Not a test: the numbers depend on the machine (run it on purpose, compare
runs of the same machine)."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
BBOX = "107.05,11.55,107.25,11.85"
TARGETS = {
    "/ (planner map)": "/",
    "/dashboard": "/dashboard",
    "/report": "/report",
    "/display": "/display",
    "/downloads/": "/downloads/",
    "/chia-se (edge-matching)": "/chia-se",
    "/lookup": "/lookup?lon=107.1&lat=11.75",
    "/healthz": "/healthz",
    "API items (zones)": "/ogcapi/collections/zones/items?limit=100",
    "API items bbox, EPSG:5899": f"/ogcapi/collections/zones/items?bbox={BBOX}&crs=http://www.opengis.net/def/crs/EPSG/0/5899",
    "API items (communes)": "/ogcapi/collections/communes/items?limit=100",
    "API edgematch items": "/ogcapi/collections/edgematch/items?limit=100",
    "API collections": "/ogcapi/collections",
    "download zones.geojson": "/downloads/zones.geojson",
}
MIX_LUA = """paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_server(store: Path, port: int, log: Path) -> subprocess.Popen:
    """The server, its output to a file: a pipe nobody reads fills up with waitress's queue-depth
    warnings under load and stops the server in the middle of a write."""
    env = dict(os.environ, GIS_SERVICE_STORE=str(store), GIS_SERVICE_LAYERS_DIR=str(ROOT / "layers"),
               PYTHONPATH=str(ROOT))
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "gis_service.cli", "serve", "--host", HOST, "--port",
                                   str(port)], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not answer /healthz within 60 s")


def warm(base: str) -> None:
    """One request to each target first: the caches of the store's data fill once."""
    for path in TARGETS.values():
        with urllib.request.urlopen(base + path, timeout=120) as r:
            r.read()


def run_wrk(url: str, seconds: int, connections: int, script: Path | None = None) -> dict:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=seconds + 60).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> dict:
    def unit(value: str) -> float:  # wrk writes 12.34ms, 1.20s, 850.00us
        found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
        if not found:
            raise SystemExit(f"cannot read wrk's output:\n{out}")
        number, suffix = found.groups()
        return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[suffix]
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    socket_errors = sum(map(int, re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                                           out).groups())) if "Socket errors" in out else 0
    non_2xx = int(re.search(r"Non-2xx or 3xx responses: (\d+)", out).group(1)) if "Non-2xx" in out else 0
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": unit(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
            "p99": unit(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
            "requests": requests, "errors": socket_errors + non_2xx}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60, help="per target (default 60)")
    parser.add_argument("--mix-seconds", type=int, default=120, help="the mix of every target (default 120)")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    with tempfile.TemporaryDirectory(prefix="gis-load-") as tmp:
        store = Path(tmp) / "store.gpkg"
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        for command in (["build"], ["validate"]):
            subprocess.run([sys.executable, "-m", "gis_service.cli", "-q", "--store", str(store), "--layers",
                            str(ROOT / "layers"), *command], env=env, cwd=ROOT, capture_output=True)
        port = free_port()
        log = Path(tmp) / "server.log"
        server = start_server(store, port, log)
        base = f"http://{HOST}:{port}"
        try:
            warm(base)
            rss_start = rss_mb(server.pid)
            rows = []
            for label, path in TARGETS.items():
                before = rss_mb(server.pid)
                result = run_wrk(base + path, args.seconds, args.connections)
                rows.append((label, args.seconds, result, before, rss_mb(server.pid)))
                print(f"  {label}: {result['rps']:.1f} req/s, p99 {result['p99']:.0f} ms", file=sys.stderr, flush=True)
            script = Path(tmp) / "mix.lua"
            script.write_text(MIX_LUA % ", ".join(f'"{p}"' for p in TARGETS.values()))
            before = rss_mb(server.pid)
            mix = run_wrk(base + "/", args.mix_seconds, args.connections, script)
            rows.append((f"mix of all {len(TARGETS)}", args.mix_seconds, mix, before, rss_mb(server.pid)))
            peak = rss_mb(server.pid, "VmHWM")
        finally:
            server.terminate()
            server.wait(timeout=30)
            warnings = log.read_text(errors="replace").count("Task queue depth")
    print(f"| target | s | req/s | p50 ms | p99 ms | requests | errors | RSS before → after MB |")
    print("|---|---|---|---|---|---|---|---|")
    for label, seconds, r, before, after in rows:
        print(f"| {label} | {seconds} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['requests']:,} | "
              f"{r['errors']} | {before:.0f} → {after:.0f} |")
    print(f"\nserver RSS after warm-up {rss_start:.0f} MB, peak {peak:.0f} MB; wrk -t2 -c{args.connections}, "
          f"waitress 8 threads, {os.cpu_count()} cores; waitress queue-depth warnings: {warnings}")


if __name__ == "__main__":
    main()
