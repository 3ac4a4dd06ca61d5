#!/usr/bin/env bash
# Build the gisdesk desktop bundle and run it headless against the source checkout:
# set-up (scripts/setup.sh, which installs PyInstaller with everything else from the lock), then
# installer/smoke_test.py, which builds, unpacks, runs, measures and compares.
# Arguments go to smoke_test.py (e.g. --skip-build to reuse dist/gisdesk).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# desktop-file-validate checks the menu entries (optional: skipped where it cannot be had).
if ! command -v desktop-file-validate >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi
  { $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive \
      $SUDO apt-get install -y -q --no-install-recommends desktop-file-utils; } >/dev/null 2>&1 ||
    echo "smoke_test: desktop-file-utils not installed; .desktop entries will not be validated"
fi
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python installer/smoke_test.py "$@"
