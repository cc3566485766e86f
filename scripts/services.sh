#!/usr/bin/env bash
# Makes sure PostgreSQL and MariaDB are up on 127.0.0.1 (idempotent): start them if stopped,
# install them from Debian's packages if absent. Used by `npm test`, `npm run demo`, .ci/run.
set -euo pipefail

log() { printf 'services: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
my_up() { mariadb-admin --protocol=tcp -h 127.0.0.1 -P 3306 -uroot ping >/dev/null 2>&1 || mysqladmin --protocol=tcp -h 127.0.0.1 -P 3306 -uroot ping >/dev/null 2>&1; }
wait_for() { local what=$1 check=$2; for _ in $(seq 1 60); do $check && return 0; sleep 0.5; done; log "$what did not come up within 30 s"; return 1; }

ensure_postgres() {
  if pg_up; then return 0; fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "PostgreSQL is not installed: installing it from Debian's packages"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
  fi
  local ver; ver=$(ls /etc/postgresql | sort -V | tail -n 1)
  log "starting PostgreSQL $ver"
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  wait_for PostgreSQL pg_up
  # trust auth, users postgres and root, database test (what the project's tests expect)
  as_root su postgres -c "psql -q -tc \"select 1 from pg_roles where rolname='root'\" | grep -q 1 || psql -q -c 'create role root superuser login'" >/dev/null
  as_root su postgres -c "psql -q -tc \"select 1 from pg_database where datname='test'\" | grep -q 1 || createdb test" >/dev/null
}

ensure_mariadb() {
  if my_up; then return 0; fi
  if [ ! -x /usr/sbin/mariadbd ]; then
    log "MariaDB is not installed: installing it from Debian's packages"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q mariadb-server >/dev/null
  fi
  log "starting MariaDB"
  as_root mkdir -p /run/mysqld
  as_root chown mysql:mysql /run/mysqld 2>/dev/null || true
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  wait_for MariaDB my_up
  mariadb --protocol=tcp -h 127.0.0.1 -uroot -e 'create database if not exists test' 2>/dev/null || true
}

ensure_postgres
ensure_mariadb
log "PostgreSQL and MariaDB are up"
