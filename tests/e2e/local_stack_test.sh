#!/usr/bin/env bash
# `scripts/qms up` on a fresh var dir prints its endpoints; a complaint round trip works through
# them; `up` again starts nothing new; `down` stops exactly what `up` started.
set -euo pipefail
# shellcheck source=stack.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"

out=$("$ROOT/scripts/qms" up)
echo "$out"
grpc=$(awk '$1 == "complaints" { print $3 }' <<<"$out")
metrics=$(awk '$1 == "complaints" { print $5 }' <<<"$out")
[[ $grpc =~ ^127\.0\.0\.1:[0-9]+$ ]] || fail "no complaints gRPC address in: $out"
[[ $metrics =~ ^http://127\.0\.0\.1:[0-9]+/metrics$ ]] || fail "no metrics URL in: $out"

# Without a token the service refuses; with one from `scripts/qms token` the round trip works.
QMS_TOKEN="" "$BUILD/tests/complaints_roundtrip" "$grpc" SZ1 >/dev/null 2>&1 \
  && fail "a call without a token was accepted"
QMS_TOKEN=$("$ROOT/scripts/qms" token --role sales --plant SZ1) || fail "scripts/qms token"
export QMS_TOKEN
name=$("$BUILD/tests/complaints_roundtrip" "$grpc" SZ1) || fail "round trip"
[[ $name =~ ^plants/SZ1/complaints/SZ1-[0-9]{4}-[0-9]{5}$ ]] || fail "unexpected name $name"
# Read the whole page first: `grep -q` closing the pipe early would fail curl under pipefail.
page=$(curl -fsS "$metrics") || fail "metrics endpoint"
grep -q 'grpc_server_handled_total{.*grpc_method="CreateComplaint"' <<<"$page" \
  || fail "metrics do not show the create"

# The complaint's timers travel through the outbox relay to the notification service.
nmetrics=$(awk '$1 == "notifications" { print $5 }' <<<"$out")
[[ $nmetrics =~ ^http://127\.0\.0\.1:[0-9]+/metrics$ ]] || fail "no notifications metrics URL in: $out"
armed=""
for _ in $(seq 1 100); do
  npage=$(curl -fsS "$nmetrics") || fail "notifications metrics endpoint"
  if grep -q 'grpc_server_handled_total{.*grpc_code="OK".*grpc_method="BatchArmTimers"' <<<"$npage" ||
     grep -q 'grpc_server_handled_total{.*grpc_method="BatchArmTimers".*grpc_code="OK"' <<<"$npage"; then
    armed=yes; break
  fi
  sleep 0.1
done
[ -n "$armed" ] || fail "the complaint's timers did not reach notifications"

# Each service has its own database and user; the user cannot see another schema.
grants=$(mariadb --no-defaults --socket="$QMS_VAR_DIR/mariadb/mysqld.sock" -uroot --batch \
  --skip-column-names -e "SHOW GRANTS FOR 'complaints'@'127.0.0.1'")
grep -q 'ON `qms_complaints`.\*' <<<"$grants" || fail "complaints user is not limited to its database"
grep -q 'ON \*\.\*.*ALL' <<<"$grants" && fail "complaints user has global rights"

service_pid=$(cat "$QMS_VAR_DIR/run/complaints.pid")
db_pid=$(cat "$QMS_VAR_DIR/mariadb/mysqld.pid")
again=$("$ROOT/scripts/qms" up)
[ "$(cat "$QMS_VAR_DIR/run/complaints.pid")" = "$service_pid" ] || fail "second up restarted complaints"
[ "$(cat "$QMS_VAR_DIR/mariadb/mysqld.pid")" = "$db_pid" ] || fail "second up restarted MariaDB"
grep -q "$grpc" <<<"$again" || fail "second up printed other endpoints"
"$BUILD/tests/complaints_roundtrip" "$grpc" SZ1 >/dev/null || fail "round trip after second up"

"$ROOT/scripts/qms" down
kill -0 "$service_pid" 2>/dev/null && fail "complaints still running after down"
kill -0 "$db_pid" 2>/dev/null && fail "MariaDB still running after down"
echo "local stack: up, round trip, idempotent up, down — all good"
