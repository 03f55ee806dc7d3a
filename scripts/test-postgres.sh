#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (docs/configuration.md, "PostgreSQL").
#   scripts/test-postgres.sh start   installs Debian's postgresql when missing, creates a cluster under /tmp,
#                                    listens on 127.0.0.1:${FEDILEARN_PG_PORT:-55432} only, creates the database and
#                                    prints its connection string (the value for FEDILEARN_TEST_POSTGRES) as the last line.
#   scripts/test-postgres.sh stop    stops the cluster and deletes its folder.
# Tests create and drop one database per test next to the printed one, so the role needs CREATEDB (postgres has it).
set -euo pipefail

port=${FEDILEARN_PG_PORT:-55432}
root=${FEDILEARN_PG_DIR:-/tmp/fedilearn-pg-$port}
db=fedilearn_test

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    local sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >&2
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
    dir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  echo "$dir"
}

case "${1:-}" in
  start)
    bin=$(bindir)
    if [ -f "$root/data/postmaster.pid" ] && as_postgres "$bin/pg_ctl" -D "$root/data" status >/dev/null 2>&1; then
      echo "PostgreSQL already running in $root" >&2
    else
      rm -rf "$root"
      install -d -o postgres "$root"
      as_postgres "$bin/initdb" -D "$root/data" -A trust -U postgres --no-sync >/dev/null
      # Always -l: without a log file a captured pg_ctl start never returns.
      as_postgres "$bin/pg_ctl" -D "$root/data" -l "$root/log" -w \
        -o "-p $port -k $root -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >&2
    fi
    as_postgres "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
      || as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
    echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=$db"
    ;;
  stop)
    bin=$(bindir)
    if [ -d "$root/data" ]; then
      as_postgres "$bin/pg_ctl" -D "$root/data" -m fast -w stop >&2 || true
    fi
    rm -rf "$root"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
