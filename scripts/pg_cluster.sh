#!/usr/bin/env bash
# Start (or stop) a throw-away PostgreSQL 15 + PostGIS cluster on 127.0.0.1 for the tests and the
# benchmark: initdb + pg_ctl in a folder of our own, run as the postgres user when we are root.
#   scripts/pg_cluster.sh start DIR [PORT]   → prints the URL: postgresql://postgres@127.0.0.1:PORT/gis
#   scripts/pg_cluster.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?folder}; port=${3:-55432}
bin=/usr/lib/postgresql/15/bin
as_pg=()
if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u postgres --); fi
case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
      "${as_pg[@]}" "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! "${as_pg[@]}" "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      "${as_pg[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c shared_buffers=256MB -c max_wal_size=4GB" start >/dev/null
    fi
    "${as_pg[@]}" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='gis'" | grep -q 1 || \
      "${as_pg[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres gis
    "${as_pg[@]}" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d gis -qc "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
    echo "postgresql://postgres@127.0.0.1:$port/gis"
    ;;
  stop)
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null
    ;;
  *) echo "start|stop" >&2; exit 2 ;;
esac
