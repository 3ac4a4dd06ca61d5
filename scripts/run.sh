#!/usr/bin/env bash
# Set up everything and open gisdesk on the Haimen sample project.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >&2
exec .venv/bin/gisdesk info sample_data/haimen.gpkg "$@"
