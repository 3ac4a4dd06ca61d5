#!/usr/bin/env bash
# Set up and run the whole test suite: lint, format, types, import contracts, pytest.
# This is the one test command; .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
# What this run installed, so a red run can be explained (the lock says what it should be).
echo "== installed"
echo "python: $(.venv/bin/python --version 2>&1); TZ=${TZ:-unset} LANG=${LANG:-unset}; $(nproc) cores"
.venv/bin/python -m pip list --format=freeze --exclude-editable | tr '\n' ' '; echo
.venv/bin/python -c 'import PySide6.QtCore as q, shapely, pyproj, pyogrio; print("Qt", q.qVersion(), "| GEOS", shapely.geos_version_string, "| PROJ", pyproj.proj_version_str, "| GDAL", pyogrio.__gdal_version_string__)'
dpkg-query -W -f='${Package}=${Version} ' fonts-noto-cjk xvfb chromium postgresql-15 postgresql-15-postgis-3 qgis-providers poppler-utils 2>/dev/null; echo
echo "== ruff check";  .venv/bin/ruff check .
echo "== ruff format"; .venv/bin/ruff format --check .
echo "== mypy";        .venv/bin/mypy gisdesk
echo "== postgis"
# tests/integration run against a real PostgreSQL + PostGIS: a throwaway server on loopback,
# stopped whatever happens; its connection settings come in as GISDESK_PG_* variables.
trap 'scripts/postgis.sh stop' EXIT
scripts/postgis.sh start
# shellcheck disable=SC1091
source .pg/env
echo "== pytest"
# pytest's exit code 5 (no tests collected) is a failure like any other non-zero code.
.venv/bin/python -m pytest "$@"
