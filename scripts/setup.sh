#!/usr/bin/env bash
# Set up everything gisdesk needs on a fresh Debian/Ubuntu machine (or a Linux desktop):
# system packages (CJK font, Xvfb, Qt's runtime libraries), a virtualenv in .venv, and
# gisdesk installed into it with its test/dev extras. Safe to run again: it skips what is done.
#   scripts/setup.sh --with-qgis   # also Debian's qgis, for the QGIS benchmarks
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  fonts-noto-cjk            # Chinese labels render as characters, on screen and in plates
  xvfb xauth                # a real X screen for GUI checks on a machine without a display
  locales                   # zh_CN.UTF-8, the users' locale: the suite runs under it too
  poppler-utils             # pdftoppm/pdffonts: tests read exported plates back
  chromium                  # headless browser: tests open the offline web map
  postgresql postgresql-15-postgis-3  # PostGIS server for tests/integration (scripts/postgis.sh)
  python3-qgis qgis-providers  # QGIS 3.22: a test opens exported GeoPackages and their styles
  libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
)
# --with-qgis: also QGIS's desktop package, whose qgis_process.bin is the peer that
# benchmarks/bench_service_areas.py --qgis runs side by side (not needed by the tests).
if [ "${1:-}" = "--with-qgis" ]; then
  APT_PACKAGES+=(qgis)
fi

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if ((${#missing[@]})); then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The users' locale, so the suite can run as they work (TZ=Asia/Shanghai LANG=zh_CN.UTF-8).
if command -v localedef >/dev/null 2>&1 && ! locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\?8$'; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO localedef -i zh_CN -f UTF-8 zh_CN.UTF-8 || echo "setup: could not generate the zh_CN.UTF-8 locale"
fi

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv .venv
fi

# Exact versions with hashes from the lock (requirements/, made by scripts/lock.sh), so every
# set-up installs what the tests ran with; gisdesk itself goes in editable, without resolving
# anything more. Another platform falls back to pyproject.toml's ranges, and says so.
LOCK="requirements/linux-x86_64-py311.txt"
platform="$(.venv/bin/python -c 'import platform, sys; print(sys.platform, platform.machine(), "%d.%d" % sys.version_info[:2])')"
stamp=".venv/.gisdesk-setup-$(cat "$LOCK" pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  if [ "$platform" = "linux x86_64 3.11" ]; then
    echo "setup: installing the locked dependencies ($LOCK) into .venv"
    .venv/bin/python -m pip install -q --require-hashes --no-deps -r "$LOCK"
    .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
    .venv/bin/python -m pip check
  else
    echo "setup: no lock for $platform (the lock is for linux x86_64 3.11): installing from pyproject.toml's ranges"
    .venv/bin/python -m pip install -q -e ".[dev,bench,installer,xls]"
  fi
  rm -f .venv/.gisdesk-setup-*
  touch "$stamp"
fi
echo "setup: ready ($(.venv/bin/python -c 'import gisdesk; print("gisdesk", gisdesk.__version__)'))"
