# Private MariaDB servers without systemd: the one place that knows how to start and stop them.
# Used by scripts/qms (the local stack, the test run) and by tests that restart a server.
#
#   mariadb.sh start DIR PORT [ARG...]   initialise DIR/data if needed, start on 127.0.0.1:PORT, wait until ready
#   mariadb.sh stop DIR         clean shutdown of the server whose pid is in DIR/mysqld.pid
#   mariadb.sh sql DIR          a client on the server's socket as root (reads SQL from stdin)
#   mariadb.sh free-port        prints a TCP port nobody listens on
set -euo pipefail

mariadb_start() {
  local dir=$1 port=$2
  shift 2  # the rest: extra mariadbd options (later ones win)
  # A tmpdir of its own: servers bootstrapped side by side in one shared /tmp collide on
  # temporary table names.
  mkdir -p "$dir/tmp"
  if [ ! -d "$dir/data/mysql" ]; then
    mariadb-install-db --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" --user="$(id -un)" \
      --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 \
      || { cat "$dir/install.log" >&2; return 1; }
  fi
  # setsid: the server must outlive the shell that started it and not get its terminal's signals.
  setsid mariadbd --no-defaults --datadir="$dir/data" --socket="$dir/mysqld.sock" \
    --pid-file="$dir/mysqld.pid" --port="$port" --bind-address=127.0.0.1 --user="$(id -un)" \
    --tmpdir="$dir/tmp" \
    --log-error="$dir/error.log" --skip-name-resolve --innodb-buffer-pool-size=256M \
    --max-connections=500 "$@" </dev/null >/dev/null 2>&1 &
  local i
  # QMS_DB_START_TRIES: tenths of a second to wait (a Galera joiner waits for its state transfer).
  for i in $(seq 1 "${QMS_DB_START_TRIES:-300}"); do
    if mariadb-admin --no-defaults --socket="$dir/mysqld.sock" -uroot ping >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  echo "MariaDB in $dir did not start; see $dir/error.log" >&2
  tail -20 "$dir/error.log" >&2 || true
  return 1
}

mariadb_stop() {
  local dir=$1 pid
  [ -f "$dir/mysqld.pid" ] || return 0
  pid=$(cat "$dir/mysqld.pid")
  kill -TERM "$pid" 2>/dev/null || return 0
  local i
  for i in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

mariadb_sql() {
  mariadb --no-defaults --socket="$1/mysqld.sock" -uroot --batch --skip-column-names
}

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    start) mariadb_start "$2" "$3" ;;
    stop) mariadb_stop "$2" ;;
    sql) mariadb_sql "$2" ;;
    free-port) free_port ;;
    *) echo "usage: $0 start DIR PORT | stop DIR | sql DIR | free-port" >&2; exit 2 ;;
  esac
fi
