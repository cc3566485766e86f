#!/usr/bin/env bash
# Gives the local PostgreSQL a certificate signed by a self-signed test CA, so that Parity's
# TLS options (?sslmode=verify-full&sslrootcert=CA) can be tested against a real server.
# Idempotent: reuses a valid CA and server certificate, and only changes and reloads
# PostgreSQL's settings when they differ. Plain (non-TLS) connections keep working: ssl=on
# only lets clients ask for TLS. Prints PARITY_TLS_CA=<path of the CA certificate>.
#
#   bash scripts/tls-setup.sh            # set up (or confirm) TLS on 127.0.0.1:5432
#   bash scripts/tls-setup.sh --restore  # back to the server's own certificate settings
#
# MariaDB is not changed: its ssl_cert/ssl_key are read only at start-up, and restarting a
# database other people's tests are using is not safe. With the same files, MariaDB takes
#   [mariadbd] ssl_ca=$DIR/ca.crt  ssl_cert=$DIR/server.crt  ssl_key=$DIR/server.key
# after its next restart.
set -euo pipefail

DIR=${PARITY_TLS_DIR:-/var/lib/parity-tls}
PG_DIR=${PARITY_TLS_PG_DIR:-/etc/postgresql/parity-tls}
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${PGPORT:-5432}" -U postgres -d postgres -At)

log() { printf 'tls-setup: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

pg_setting() { "${PSQL[@]}" -c "SHOW $1"; }

reload_and_wait() {
  # $1: expected ssl_cert_file after the reload ('' = whatever the config files say)
  "${PSQL[@]}" -c 'SELECT pg_reload_conf()' >/dev/null
  for _ in $(seq 1 50); do
    if [ -z "$1" ] || [ "$(pg_setting ssl_cert_file)" = "$1" ]; then return 0; fi
    sleep 0.1
  done
  log "PostgreSQL did not pick up ssl_cert_file=$1 after a reload"
  return 1
}

if [ "${1:-}" = "--restore" ]; then
  "${PSQL[@]}" -c 'ALTER SYSTEM RESET ssl_cert_file' -c 'ALTER SYSTEM RESET ssl_key_file' -c 'ALTER SYSTEM RESET ssl_ca_file'
  reload_and_wait ''
  log "PostgreSQL uses its own certificate again ($(pg_setting ssl_cert_file))"
  exit 0
fi

command -v openssl >/dev/null || { log "openssl is needed"; exit 1; }
as_root mkdir -p "$DIR"

# a certificate is reusable when it verifies against our CA, names 127.0.0.1 and lasts 30 more days
cert_ok() {
  [ -s "$DIR/ca.crt" ] && [ -s "$DIR/ca.key" ] && [ -s "$DIR/server.crt" ] && [ -s "$DIR/server.key" ] || return 1
  openssl verify -CAfile "$DIR/ca.crt" "$DIR/server.crt" >/dev/null 2>&1 || return 1
  openssl x509 -in "$DIR/server.crt" -noout -checkend $((30 * 86400)) >/dev/null || return 1
  openssl x509 -in "$DIR/server.crt" -noout -ext subjectAltName 2>/dev/null | grep -q 'IP Address:127.0.0.1' || return 1
  # the key belongs to the certificate
  [ "$(openssl x509 -in "$DIR/server.crt" -noout -pubkey)" = "$(openssl pkey -in "$DIR/server.key" -pubout)" ]
}

if cert_ok; then
  log "reusing the CA and server certificate in $DIR"
else
  log "making a test CA and a server certificate for 127.0.0.1/localhost in $DIR"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=Parity test CA' \
    -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
    -keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj '/CN=127.0.0.1' -keyout "$tmp/server.key" -out "$tmp/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >"$tmp/ext"
  openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial -days 825 \
    -extfile "$tmp/ext" -out "$tmp/server.crt" 2>/dev/null
  as_root install -m 0644 "$tmp/ca.crt" "$DIR/ca.crt"
  as_root install -m 0600 "$tmp/ca.key" "$DIR/ca.key"
  as_root install -m 0644 "$tmp/server.crt" "$DIR/server.crt"
  as_root install -m 0600 "$tmp/server.key" "$DIR/server.key"
fi

# PostgreSQL reads its key as the postgres user and refuses a key others can read
as_root mkdir -p "$PG_DIR"
as_root install -o postgres -g postgres -m 0644 "$DIR/server.crt" "$PG_DIR/server.crt"
as_root install -o postgres -g postgres -m 0600 "$DIR/server.key" "$PG_DIR/server.key"

if [ "$(pg_setting ssl)" = on ] && [ "$(pg_setting ssl_cert_file)" = "$PG_DIR/server.crt" ] && [ "$(pg_setting ssl_key_file)" = "$PG_DIR/server.key" ]; then
  # same paths: the files may have been renewed above, so reload (harmless when they were not)
  reload_and_wait "$PG_DIR/server.crt"
  log "PostgreSQL already uses $PG_DIR/server.crt"
else
  "${PSQL[@]}" -c 'ALTER SYSTEM SET ssl = on' \
    -c "ALTER SYSTEM SET ssl_cert_file = '$PG_DIR/server.crt'" \
    -c "ALTER SYSTEM SET ssl_key_file = '$PG_DIR/server.key'"
  reload_and_wait "$PG_DIR/server.crt"
  log "PostgreSQL now serves TLS with $PG_DIR/server.crt (restore with: bash scripts/tls-setup.sh --restore)"
fi

# prove it: a verify-full handshake against 127.0.0.1 with our CA
if ! PGSSLMODE=verify-full PGSSLROOTCERT="$DIR/ca.crt" "${PSQL[@]}" -c 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()' | grep -qx t; then
  log "a verify-full connection to PostgreSQL failed"
  exit 1
fi
echo "PARITY_TLS_CA=$DIR/ca.crt"
