#!/usr/bin/env bash
# Set up and run the whole test suite: lint, format, types, import contracts, pytest.
# This is the one test command; .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
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
