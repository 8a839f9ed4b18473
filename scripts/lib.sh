# Shared by scripts/serve, scripts/test and the benchmarks: install only what is missing.
# Debian packages need `apt-get update` once before the first install on a new machine.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo)

# ensure_debian PKG... : installs the packages that dpkg does not list as installed.
ensure_debian() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing Debian packages: ${missing[*]}"
  "${SUDO[@]}" apt-get update -q
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# The C libraries the server links and loads.
RUNTIME_PACKAGES=(libsqlite3-dev libspatialite-dev libsqlite3-mod-spatialite libproj-dev proj-data)
RUNTIME_PACKAGES+=(zlib1g-dev)  # gzip responses (Sources/CZlib)

require_swift() {
  command -v swift >/dev/null 2>&1 || { echo "swift is not on PATH (Swift 6.1 or newer is needed)" >&2; exit 1; }
}

build_release() {
  (cd "$ROOT" && swift build -c release --product zamin)
}

# PostgreSQL 15 + PostGIS 3 from Debian's packages (issue 17): the store of several nodes.
POSTGRES_PACKAGES=(postgresql-15 postgresql-15-postgis-3 postgresql-client-15)

# start_postgres DIR : a throwaway cluster in DIR (initdb, trust auth, 127.0.0.1 only, a free
# port), started with pg_ctl and stopped by its postmaster's PID by stop_postgres (call it from
# an EXIT trap). Sets POSTGRES_PID, POSTGRES_PORT and POSTGRES_ADMIN_URL (the `postgres`
# database as its superuser). As root the cluster runs as the system user postgres, which
# PostgreSQL requires.
start_postgres() {
  local dir=$1 bin
  bin=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  local as=()
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    as=(runuser -u postgres --)
    chmod 755 "$dir"; chown postgres "$dir"
  fi
  POSTGRES_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  # The options are kept beside the cluster: a fault test stops and starts it again with them
  # (Tests/e2e/test_faults.py).
  echo "-c listen_addresses=127.0.0.1 -p $POSTGRES_PORT -k $dir -c max_connections=1000 -c fsync=on" > "$dir/options"
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "$(cat "$dir/options")" start >/dev/null
  POSTGRES_PID=$(head -1 "$dir/data/postmaster.pid")
  POSTGRES_DIR=$dir
  POSTGRES_BIN=$bin
  POSTGRES_ADMIN_URL="postgres://postgres@127.0.0.1:$POSTGRES_PORT/postgres"
  echo "postgres: cluster $dir/data, postmaster PID $POSTGRES_PID, 127.0.0.1:$POSTGRES_PORT"
}

# stop_postgres : fast shutdown of the cluster start_postgres started, by its PID (read again from
# postmaster.pid: a fault test may have restarted it); SIGKILL after 60 s.
stop_postgres() {
  [ -n "${POSTGRES_PID:-}" ] || return 0
  if [ -f "$POSTGRES_DIR/data/postmaster.pid" ]; then POSTGRES_PID=$(head -1 "$POSTGRES_DIR/data/postmaster.pid"); fi
  kill -INT "$POSTGRES_PID" 2>/dev/null || return 0
  for _ in $(seq 600); do kill -0 "$POSTGRES_PID" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$POSTGRES_PID" 2>/dev/null || true
}

# citizen_burst PORT PID WORKLOAD QUERIES_CSV : one 2 s wrk burst (2 threads, 32 connections) of
# scripts/bench/citizen.lua at 127.0.0.1:PORT; prints "req_per_s requests cpu_ticks", the ticks
# being the CPU the server PID used meanwhile (scripts/bench-ab, scripts/bench-observability).
citizen_burst() {
  local before after result
  before=$(awk '{print $14 + $15}' "/proc/$2/stat")
  result=$(wrk -t2 -c32 -d2s -s "$ROOT/scripts/bench/citizen.lua" "http://127.0.0.1:$1" -- workload="$3" queries="$4" | grep RESULT)
  after=$(awk '{print $14 + $15}' "/proc/$2/stat")
  echo "$(echo "$result" | sed -E 's/.*req_per_s=([0-9.]+).*/\1/') ${result##*requests=} $((after - before))"
}
