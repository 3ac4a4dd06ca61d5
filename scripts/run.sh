#!/usr/bin/env bash
# Set up everything and open the gisdesk window on the Haimen sample project.
# On a machine without a display (no DISPLAY / WAYLAND_DISPLAY) it cannot show a window:
# it renders the window offscreen and saves a screenshot to out/gisdesk-window.png instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >&2
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec .venv/bin/gisdesk open sample_data/haimen.gpkg "$@"
fi
mkdir -p out
echo "run: no display here; saving a screenshot of the window to out/gisdesk-window.png" >&2
QT_QPA_PLATFORM=offscreen exec .venv/bin/gisdesk open sample_data/haimen.gpkg \
  --screenshot out/gisdesk-window.png "$@"
