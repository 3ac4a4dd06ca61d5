#!/usr/bin/env bash
# Update the locks: exact versions, with hashes, of everything gisdesk installs.
#
#   scripts/lock.sh                      # add what pyproject.toml gained; keep every other pin
#   scripts/lock.sh --upgrade            # take the newest releases pyproject.toml's ranges allow
#   scripts/lock.sh --upgrade-package numpy   # move one package (and what it needs)
#
# Writes requirements/linux-x86_64-py311.txt (scripts/setup.sh: the app, tests, benchmarks and
# the Linux installer) and requirements/windows-x86_64-py311.txt (the Windows installer build:
# the app and PyInstaller). pyproject.toml keeps the compatible ranges for people who install
# gisdesk as a library; the locks are what gisdesk is tested and shipped with. Commit the
# changed files on their own, after scripts/test.sh passes on them, so the update is reviewed.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.8
tools=".venv-lock"
if [ ! -x "$tools/bin/uv" ] || [ "$("$tools/bin/uv" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  "${PYTHON:-python3}" -m venv "$tools"
  "$tools/bin/python" -m pip install -q "uv==$UV_VERSION"
fi
export SSL_CERT_FILE="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"

compile() {  # output platform extras...
  local out="$1" platform="$2"
  shift 2
  local extras=()
  for e in "$@"; do extras+=(--extra "$e"); done
  "$tools/bin/uv" pip compile pyproject.toml "${extras[@]}" \
    --python-version 3.11 --python-platform "$platform" \
    --generate-hashes --annotation-style line --quiet \
    --custom-compile-command "scripts/lock.sh" \
    "${LOCK_ARGS[@]}" -o "$out"
  echo "lock: $out ($(grep -c '==' "$out") packages)"
}

LOCK_ARGS=("$@")
# Debian 12 (bookworm) has glibc 2.36; wheels built for newer glibc are not taken.
compile requirements/linux-x86_64-py311.txt x86_64-manylinux_2_36 dev bench installer xls
compile requirements/windows-x86_64-py311.txt x86_64-pc-windows-msvc installer xls
