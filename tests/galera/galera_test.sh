#!/usr/bin/env bash
# The suite on a three-node MariaDB Galera cluster on loopback: two complaints and two
# notifications replicas on different nodes (n1, n2) that migrate at the same moment, a create
# load over both complaints replicas (group commit, the relay to notifications), a burst of
# timers falling due at one instant for the two engines sharing their SKIP LOCKED claim — and
# kill -9 of node n2 in the middle of it. Then: every acknowledged create is on the surviving
# nodes with its timers, every stage of the burst fired exactly once, and no certification
# conflict reached a caller (no ABORTED answer). Arguments: the source root and the build dir.
# Run by `scripts/qms test galera` (not part of the default run: see the README).
set -euo pipefail
ROOT=$1
BUILD=$2
# shellcheck source=../../scripts/lib/mariadb.sh
source "$ROOT/scripts/lib/mariadb.sh"
# shellcheck source=../../scripts/lib/galera.sh
source "$ROOT/scripts/lib/galera.sh"
DIR=$(mktemp -d /tmp/qms-galera.XXXXXX)
chmod 755 "$DIR"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 1
  galera_stop "$DIR" >/dev/null 2>&1 || true
  [ -n "${KEEP:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$DIR"/n*/error.log "$DIR"/*.log; do
    [ -f "$f" ] && { echo "--- $f" >&2; grep -v "^\s*$" "$f" | tail -n 4 >&2; }
  done
  exit 1
}
log() { echo "[galera $(date +%T)] $*" >&2; }

log "three nodes in $DIR"
galera_start "$DIR" || fail "the cluster did not form"
N1=$(galera_port "$DIR" 1)
N2=$(galera_port "$DIR" 2)
sql() { mariadb --no-defaults -h127.0.0.1 -P"$1" -uroot --batch --skip-column-names "${@:2}"; }
for service in complaints notifications; do
  head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$DIR/$service.password"
  sql "$N1" <<SQL
CREATE DATABASE qms_$service;
CREATE USER '$service'@'127.0.0.1' IDENTIFIED BY '$(cat "$DIR/$service.password")';
GRANT ALL ON qms_$service.* TO '$service'@'127.0.0.1';
SQL
done
head -c 32 /dev/urandom >"$DIR/jwt.secret"
token() { "$BUILD/tools/qms_token" --secret_file="$DIR/jwt.secret" --roles="$1" --plants='*' --subject="$2"; }
token service relay >"$DIR/service.token"

# service NAME REPLICA NODE_PORT FLAGS...: starts it, prints its gRPC address when ready.
service() {
  local name=$1 replica=$2 port=$3
  shift 3
  "$BUILD/services/$name/$name" --plaintext --listen=127.0.0.1:0 --metrics_listen=127.0.0.1:0 \
    --ready_file="$DIR/$name-$replica.ready" --db_port="$port" --db_name="qms_$name" \
    --db_user="$name" --db_password_file="$DIR/$name.password" \
    --jwt_hs256_secret_file="$DIR/jwt.secret" --service_token_file="$DIR/service.token" "$@" \
    </dev/null >"$DIR/$name-$replica.log" 2>&1 &
  PIDS+=($!)
}
ready() {  # a replica waits for the other's migrations (DDL is replicated in total order)
  local file=$DIR/$1.ready i
  for i in $(seq 1 1800); do [ -s "$file" ] && break; sleep 0.1; done
  sed -n 's/^grpc=//p' "$file" 2>/dev/null || true
}

# Two replicas of each, on two nodes, migrating at the same moment.
policies="$ROOT/services/complaints/policies.json,$ROOT/tests/bench/timer_policies.json"
service notifications a "$N1" --policies_files="$policies" --engine_poll_interval=200ms
service notifications b "$N2" --policies_files="$policies" --engine_poll_interval=200ms
NA=$(ready notifications-a)
NB=$(ready notifications-b)
[ -n "$NA" ] && [ -n "$NB" ] || fail "notifications did not start: $(tail -3 "$DIR"/notifications-*.log)"
service complaints a "$N1" --notifications_target="$NA"
service complaints b "$N2" --notifications_target="$NB"
CA=$(ready complaints-a)
CB=$(ready complaints-b)
[ -n "$CA" ] && [ -n "$CB" ] || fail "complaints did not start: $(tail -3 "$DIR"/complaints-*.log)"
# Each migration applied by exactly one of the two replicas (they log each one they apply).
for name in complaints notifications; do
  applied=$(sql "$N1" "qms_$name" <<<"SELECT COUNT(*) FROM schema_migrations")
  ran=$(cat "$DIR/$name"-*.log | grep -c "migrate version=" || true)
  [ "$applied" = "$ran" ] || fail "$name: $applied migrations recorded, $ran applied by the replicas"
done
log "each migration applied once, by one of two replicas on two nodes"

QMS_TOKEN=$(token sales,quality,service,admin tester)
export QMS_TOKEN
qms() { "$BUILD/tools/qms" --timeout 10 "$@"; }

# The burst: 1,000 timers due 6 s from now (as n2 is killed), armed through replica a; both
# engines claim.
python3 - "$DIR/burst.json" <<'PY'
import json, sys, time
due = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 6))
json.dump({"requests": [{"plant": "SZ1", "subject": f"plants/SZ1/burst/{i}", "policy": "bench.trickle",
                         "dueTime": due, "requestId": f"burst-{i}"} for i in range(1000)]},
          open(sys.argv[1], "w"))
PY
qms --address "$NA" call BatchArmTimers - <"$DIR/burst.json" >/dev/null || fail "arming the burst"

# The create load: four clients, each creating with its own request ids, alternating replicas;
# a create that fails is retried with the same request id on the other replica, as an
# integrator would; every answer's code is recorded. The calls time out after 10 s.
worker() {
  local w=$1 n code name target other shun_b=0
  for n in $(seq 1 100); do
    target=$CA; other=$CB
    # Alternate, except for a while after replica b failed (a client fails over, then tries back).
    if [ $((n % 2)) = 0 ] && [ "$shun_b" -le 0 ]; then target=$CB; other=$CA; fi
    shun_b=$((shun_b - 1))
    for attempt in 1 2 3 4 5 6; do
      set +e
      qms --address "$target" --json complaints create --plant SZ1 --customer "C$w" --part "P$n" \
        --defect "galera load" --channel EMAIL --request-id "w$w-$n" \
        >"$DIR/reply.$w" 2>>"$DIR/errors.$w"
      code=$?
      set -e
      name=$( (grep -o '"name":"plants/SZ1/complaints/[^"]*"' "$DIR/reply.$w" || true) \
        | head -n 1 | cut -d'"' -f4)
      echo "$code" >>"$DIR/codes.$w"
      if [ "$code" = 0 ] && [ -n "$name" ]; then echo "$name" >>"$DIR/acked.$w"; break; fi
      [ "$target" = "$CB" ] && shun_b=40
      local swap=$target; target=$other; other=$swap
      sleep 0.2
    done
  done
}
log "create load on both replicas; kill -9 of n2 in 6 s"
WORKERS=()
for w in 1 2 3 4; do worker "$w" & WORKERS+=($!); done
sleep 6
galera_kill "$DIR" 2
log "n2 killed"
for pid in "${WORKERS[@]}"; do wait "$pid" || fail "a load client stopped"; done

cat "$DIR"/acked.* | sort >"$DIR/acked"
acked=$(wc -l <"$DIR/acked")
aborted=$(cat "$DIR"/codes.* | grep -cx 10 || true)
log "$acked creates acknowledged; answers by code: $(cat "$DIR"/codes.* | sort | uniq -c | tr '\n' ' ')"
[ "$acked" = 400 ] || fail "$acked of 400 creates acknowledged (each retried on the other replica)"
[ "$aborted" = 0 ] || fail "$aborted ABORTED answers: certification conflicts reached callers"

# Every acknowledged create is on the surviving nodes, once.
sql "$N1" qms_complaints <<<"SELECT CONCAT('plants/', plant, '/complaints/', number) FROM complaints" \
  | sort >"$DIR/stored"
missing=$(comm -23 "$DIR/acked" "$DIR/stored" | wc -l)
[ "$missing" = 0 ] || fail "$missing acknowledged complaints lost: $(comm -23 "$DIR/acked" "$DIR/stored" | head -3)"
dups=$(sql "$N1" qms_complaints <<<"SELECT COUNT(*) - COUNT(DISTINCT request_id) FROM complaints")
[ "$dups" = 0 ] || fail "$dups request ids stored twice"

# The relay on the surviving replica arms every acknowledged complaint's two timers.
for _ in $(seq 1 120); do
  armed=$(sql "$N1" qms_notifications <<<"SELECT COUNT(DISTINCT subject) FROM timers WHERE subject LIKE 'plants/SZ1/complaints/%'")
  [ "$armed" -ge "$acked" ] && break
  sleep 0.5
done
[ "$armed" -ge "$acked" ] || fail "timers of $armed complaints armed, $acked acknowledged"

# The burst: every stage fired, none twice.
for _ in $(seq 1 120); do
  fired=$(sql "$N1" qms_notifications <<<"SELECT COUNT(*) FROM firings f JOIN timers t ON t.id = f.timer_id WHERE t.policy = 'bench.trickle'")
  [ "$fired" -ge 1000 ] && break
  sleep 0.5
done
[ "$fired" = 1000 ] || fail "$fired firings for the 1,000 stages of the burst"
twice=$(sql "$N1" qms_notifications <<<"SELECT COUNT(*) FROM (SELECT timer_id, stage_index FROM firings GROUP BY timer_id, stage_index HAVING COUNT(*) > 1) d")
[ "$twice" = 0 ] || fail "$twice stages fired twice"
unfired=$(sql "$N1" qms_notifications <<<"SELECT COUNT(*) FROM timer_stages s JOIN timers t ON t.id = s.timer_id WHERE t.policy = 'bench.trickle' AND s.state <> 2")
[ "$unfired" = 0 ] || fail "$unfired stages of the burst not marked fired"
conflicts=$(sql "$N1" <<<"SHOW GLOBAL STATUS LIKE 'wsrep_local_cert_failures'" | cut -f2)
log "galera: all checks passed ($acked creates, 1,000 stages fired once, n2 killed mid-load; certification failures on n1: $conflicts, retried)"
