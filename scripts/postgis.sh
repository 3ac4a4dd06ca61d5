#!/usr/bin/env bash
# A throwaway PostgreSQL + PostGIS server for gisdesk's integration tests and benchmarks.
#
#   scripts/postgis.sh start    install the Debian packages if missing, create a cluster in
#                               .pg/ (or a temp dir), start it on 127.0.0.1 at a free port
#                               (from 55432 up), create the database, the postgis extension,
#                               the roles and their login users; write .pg/env
#   scripts/postgis.sh env      print the export lines (`eval "$(scripts/postgis.sh env)"`)
#   scripts/postgis.sh status   say whether it runs
#   scripts/postgis.sh stop     stop it and delete the cluster
#
# Roles: gisdesk_admin (publishes layers, owns schemas and audit tables), gisdesk_editor
# (reads and edits features), gisdesk_reader (reads only). Login users: gd_admin (also in
# pg_signal_backend and pg_read_all_stats, so tests can watch and kill a client's backend),
# gd_editor_a, gd_editor_b (editors), gd_reader. Passwords are random per cluster and only
# written to .pg/env (mode 600).
# PostgreSQL refuses to run as root: as root the cluster belongs to the postgres user.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
STATE="$REPO/.pg"
ENV_FILE="$STATE/env"
PORT_FROM="${GISDESK_PG_PORT_FROM:-55432}"
DB=gisdesk

log() { echo "postgis: $*" >&2; }

pg_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -f "$("$d/pg_config" --sharedir 2>/dev/null)/extension/postgis.control" ]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

install_packages() {
  log "installing PostgreSQL and PostGIS from Debian packages"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
    postgresql postgresql-postgis >&2
}

# Run a command as the cluster's owner (postgres when we are root, ourselves otherwise).
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")  # from a folder postgres may enter
  else
    "$@"
  fi
}

running() {
  [ -f "$ENV_FILE" ] || return 1
  # shellcheck disable=SC1090
  local data
  data="$(sed -n 's/^# data=//p' "$ENV_FILE")"
  [ -n "$data" ] && [ -d "$data" ] || return 1
  as_owner "$(pg_bin)/pg_ctl" -D "$data" status >/dev/null 2>&1
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

new_password() { head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20; }

start() {
  if running; then
    log "already running ($(grep GISDESK_PG_PORT= "$ENV_FILE"))"
    return 0
  fi
  stop_cluster quiet
  local bin
  bin="$(pg_bin)" || { install_packages; bin="$(pg_bin)"; } || {
    log "PostGIS is not available after installing it"; exit 1; }

  mkdir -p "$STATE"
  chmod 755 "$STATE"
  echo '*' >"$STATE/.gitignore"  # the folder ignores itself: nothing here belongs in git
  # The owner must reach the data folder; a checkout under a private home may not allow it.
  local base="$STATE"
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -w "$STATE" 2>/dev/null; then
    chown postgres "$STATE" 2>/dev/null || true
    if ! runuser -u postgres -- test -w "$STATE" 2>/dev/null; then
      base="$(mktemp -d /tmp/gisdesk-pg.XXXXXX)"
      chown postgres "$base"
    fi
  fi
  local data="$base/data" sock="$base/sock"
  mkdir -p "$sock"
  chmod 700 "$sock"  # local connections are trusted: only the owner may reach the socket
  if [ "$(id -u)" = 0 ]; then chown postgres "$sock"; fi

  local port="$PORT_FROM"
  while ! port_free "$port"; do
    port=$((port + 1))
    if [ "$port" -gt $((PORT_FROM + 50)) ]; then log "no free port"; exit 1; fi
  done

  local pw_super pw_admin pw_ea pw_eb pw_reader pwfile
  pw_super="$(new_password)"
  pw_admin="$(new_password)"
  pw_ea="$(new_password)"
  pw_eb="$(new_password)"
  pw_reader="$(new_password)"
  pwfile="$(mktemp)"
  echo "$pw_super" >"$pwfile"
  if [ "$(id -u)" = 0 ]; then chown postgres "$pwfile"; fi
  log "creating a cluster in $data (PostgreSQL $("$bin/postgres" --version | awk '{print $3}'))"
  as_owner "$bin/initdb" -D "$data" -U postgres --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >"$STATE/initdb.log" 2>&1 \
    || { cat "$STATE/initdb.log" >&2; rm -f "$pwfile"; exit 1; }
  rm -f "$pwfile"
  # Throwaway test cluster: durability is not the point, speed is (fsync off).
  as_owner "$bin/pg_ctl" -D "$data" -w -t 60 -l "$base/server.log" \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$sock -c unix_socket_permissions=0700 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60" \
    start >/dev/null
  log "running on 127.0.0.1:$port"

  as_owner "$bin/psql" -q -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -U postgres -d postgres \
    >/dev/null <<SQL
CREATE ROLE gisdesk_admin NOLOGIN;
CREATE ROLE gisdesk_editor NOLOGIN;
CREATE ROLE gisdesk_reader NOLOGIN;
CREATE ROLE gd_admin LOGIN PASSWORD '$pw_admin' IN ROLE gisdesk_admin, pg_signal_backend, pg_read_all_stats;
CREATE ROLE gd_editor_a LOGIN PASSWORD '$pw_ea' IN ROLE gisdesk_editor;
CREATE ROLE gd_editor_b LOGIN PASSWORD '$pw_eb' IN ROLE gisdesk_editor;
CREATE ROLE gd_reader LOGIN PASSWORD '$pw_reader' IN ROLE gisdesk_reader;
CREATE DATABASE $DB OWNER gisdesk_admin;
\\c $DB
CREATE EXTENSION postgis;
REVOKE ALL ON DATABASE $DB FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE $DB TO gisdesk_editor, gisdesk_reader;
GRANT CONNECT, CREATE, TEMPORARY ON DATABASE $DB TO gisdesk_admin;
SQL

  umask 077
  cat >"$ENV_FILE" <<ENV
# gisdesk test PostGIS server, written by scripts/postgis.sh start
# data=$data
export GISDESK_PG_HOST=127.0.0.1
export GISDESK_PG_PORT=$port
export GISDESK_PG_DB=$DB
export GISDESK_PG_ADMIN_USER=gd_admin
export GISDESK_PG_ADMIN_PASSWORD=$pw_admin
export GISDESK_PG_EDITOR_USER=gd_editor_a
export GISDESK_PG_EDITOR_PASSWORD=$pw_ea
export GISDESK_PG_EDITOR2_USER=gd_editor_b
export GISDESK_PG_EDITOR2_PASSWORD=$pw_eb
export GISDESK_PG_READER_USER=gd_reader
export GISDESK_PG_READER_PASSWORD=$pw_reader
ENV
  log "database $DB ready; connection settings in .pg/env"
}

stop_cluster() {
  [ -f "$ENV_FILE" ] || return 0
  local data bin
  data="$(sed -n 's/^# data=//p' "$ENV_FILE")"
  bin="$(pg_bin 2>/dev/null || true)"
  if [ -n "$data" ] && [ -d "$data" ]; then
    if [ -n "$bin" ]; then
      as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$data" "$(dirname "$data")/sock" "$(dirname "$data")/server.log"
    case "$(dirname "$data")" in /tmp/gisdesk-pg.*) rmdir "$(dirname "$data")" 2>/dev/null || true ;; esac
    [ "${1:-}" = quiet ] || log "stopped"
  fi
  rm -f "$ENV_FILE"
}

case "${1:-}" in
  start) start ;;
  stop) stop_cluster ;;
  env) running && grep '^export' "$ENV_FILE" || { log "not running"; exit 1; } ;;
  status) if running; then log "running"; else log "not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
