#!/usr/bin/env bash
# Install the Debian packages the tests need, when they are missing: gdal-bin (ogrinfo, the
# real OGC API client), chromium (the real browser for page tests), poppler-utils (pdftotext:
# the report's PDF read back page by page), postgresql-15-postgis-3 (the PostGIS store's tests
# start their own cluster on 127.0.0.1; no system cluster is created or started). Needs root or sudo.
set -euo pipefail
need=()
command -v ogrinfo >/dev/null 2>&1 || need+=(gdal-bin)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
   ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  need+=(postgresql-15-postgis-3)
fi
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [[ " ${need[*]} " == *" postgresql-15-postgis-3 "* ]]; then
  # the tests run their own throw-away cluster: no 'main' cluster on port 5432
  $SUDO mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.d/gis-service.conf >/dev/null
fi
echo "Installing Debian packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
