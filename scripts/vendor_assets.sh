#!/usr/bin/env bash
# Re-fetch the browser assets the pages serve from web/static/vendor/ (no CDN at run time).
# Source: the npm registry, through npm's own client (`npm pack`), at pinned versions.
# Usage: bash scripts/vendor_assets.sh   (run from anywhere; needs node/npm and network access to npm)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENDOR="$ROOT/web/static/vendor"
LEAFLET_VERSION="1.9.4"
VECTORGRID_VERSION="1.3.0"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "leaflet@${LEAFLET_VERSION}" >/dev/null
tar -xzf "leaflet-${LEAFLET_VERSION}.tgz"

rm -rf "$VENDOR/leaflet"
mkdir -p "$VENDOR/leaflet/images"
cp package/dist/leaflet.js package/dist/leaflet.css "$VENDOR/leaflet/"
cp package/dist/images/*.png "$VENDOR/leaflet/images/"
cp package/LICENSE "$VENDOR/leaflet/LICENSE"
cat > "$VENDOR/leaflet/VERSION" <<INFO
leaflet ${LEAFLET_VERSION} from the npm registry (npm pack leaflet@${LEAFLET_VERSION}), files from dist/.
Licence: BSD-2-Clause (see LICENSE). Re-fetch with scripts/vendor_assets.sh.
INFO

npm pack --silent "leaflet.vectorgrid@${VECTORGRID_VERSION}" >/dev/null
rm -rf package && tar -xzf "leaflet.vectorgrid-${VECTORGRID_VERSION}.tgz"
rm -rf "$VENDOR/leaflet.vectorgrid"
mkdir -p "$VENDOR/leaflet.vectorgrid"
cp package/dist/Leaflet.VectorGrid.bundled.min.js "$VENDOR/leaflet.vectorgrid/"
sed -n '/## Legalese/,$p' package/README.md > "$VENDOR/leaflet.vectorgrid/LICENSE"  # the package ships no LICENSE file
cat > "$VENDOR/leaflet.vectorgrid/VERSION" <<INFO
leaflet.vectorgrid ${VECTORGRID_VERSION} from the npm registry (npm pack leaflet.vectorgrid@${VECTORGRID_VERSION}), dist/Leaflet.VectorGrid.bundled.min.js
(with pbf, vector-tile, geojson-vt and topojson bundled). Licence: Beerware (see LICENSE; the bundled libraries are
ISC/BSD). Re-fetch with scripts/vendor_assets.sh.
INFO

echo "vendored leaflet ${LEAFLET_VERSION} and leaflet.vectorgrid ${VECTORGRID_VERSION} into ${VENDOR}"
