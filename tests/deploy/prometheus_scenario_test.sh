#!/usr/bin/env bash
# A real Prometheus (Debian's) on loopback scrapes the real services with the chart's scrape
# settings and rules (its ServiceMonitor and PrometheusRule, via scripts/lib/monitor_config.py).
# Scenario: a complaint is created and its containment (3 s in this test's policies) breaches.
# Then every rule evaluates without error, every PromQL expression of every dashboard panel runs
# without error, and the breach alert is pending or firing.
set -euo pipefail
ROOT=$1
BUILD=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v prometheus >/dev/null || { echo "prometheus missing (scripts/qms installs it)"; exit 77; }
work=$(mktemp -d /tmp/qms-prom-test.XXXXXX)
pids=()
db="prom_$$"
admin=(mariadb --no-defaults -h127.0.0.1 -P"$QMS_TEST_DB_PORT" -u"$QMS_TEST_DB_ADMIN_USER"
       -p"$QMS_TEST_DB_ADMIN_PASSWORD")
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  "${admin[@]}" -e "DROP DATABASE IF EXISTS ${db}_n; DROP DATABASE IF EXISTS ${db}_c; DROP DATABASE IF EXISTS ${db}_r; DROP USER IF EXISTS '${db}'@'127.0.0.1';" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
"${admin[@]}" -e "CREATE DATABASE ${db}_n; CREATE DATABASE ${db}_c; CREATE DATABASE ${db}_r; CREATE USER '${db}'@'127.0.0.1' IDENTIFIED BY 'pw'; GRANT ALL ON ${db}_n.* TO '${db}'@'127.0.0.1'; GRANT ALL ON ${db}_c.* TO '${db}'@'127.0.0.1'; GRANT ALL ON ${db}_r.* TO '${db}'@'127.0.0.1';"
echo pw >"$work/db.password"
head -c 48 /dev/urandom | base64 | tr -d '\n' >"$work/jwt.secret"
"$BUILD/tools/qms_token" --secret_file="$work/jwt.secret" --subject=svc --roles=service \
  --plants='*' >"$work/service.token"
cat >"$work/policies.json" <<'JSON'
{"policies": [
  {"name": "complaint.containment", "deadlines": [{"name": "containment", "duration": "3s", "roles": ["quality"]}]},
  {"name": "complaint.corrective_action", "deadlines": [{"name": "corrective_action", "duration": "1h"}]},
  {"name": "complaint.verification", "deadlines": [{"name": "verification", "duration": "1h"}]},
  {"name": "complaint.serious", "deadlines": [{"name": "escalation", "duration": "0s"}]},
  {"name": "audit.2485", "deadlines": [{"name": "countermeasure", "duration": "1h"}]}
]}
JSON
start() {  # start NAME DB [FLAG...]
  local name=$1 database=$2
  shift 2
  "$BUILD/services/$name/$name" --plaintext --listen=127.0.0.1:0 --metrics_listen=127.0.0.1:0 \
    --ready_file="$work/$name.ready" --db_port="$QMS_TEST_DB_PORT" --db_name="$database" \
    --db_user="$db" --db_password_file="$work/db.password" \
    --jwt_hs256_secret_file="$work/jwt.secret" "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do [ -s "$work/$name.ready" ] && return 0; sleep 0.1; done
  cat "$work/$name.log" >&2
  fail "$name did not start"
}
start notifications "${db}_n" --policies_files="$work/policies.json" --engine_poll_interval=200ms \
  --metric_customers=ROUNDTRIP \
  --open_timers_refresh=1s
start complaints "${db}_c" --notifications_target="$(sed -n 's/^grpc=//p' "$work/notifications.ready")" \
  --service_token_file="$work/service.token"
start returns "${db}_r" --notifications_target="$(sed -n 's/^grpc=//p' "$work/notifications.ready")" \
  --complaints_target="$(sed -n 's/^grpc=//p' "$work/complaints.ready")" \
  --service_token_file="$work/service.token" --records_refresh=500ms

port=$(bash "$ROOT/scripts/lib/mariadb.sh" free-port)
# The scrape settings and rules are the chart's: its ServiceMonitor and PrometheusRule, rendered
# (1 s interval for the test) and turned into a configuration for these local services.
# shellcheck source=../../scripts/lib/deploy_tools.sh
QMS_TOOLS_DIR=${QMS_TOOLS_DIR:-$BUILD/tools-cache} source "$ROOT/scripts/lib/deploy_tools.sh"
helm_quiet "$(ensure_helm)" template qms "$ROOT/helm/qms" --set metrics.serviceMonitor.enabled=true \
  --set metrics.prometheusRule.enabled=true --set metrics.serviceMonitor.interval=1s \
  --set metrics.serviceMonitor.scrapeTimeout=1s >"$work/render.yaml"
/usr/bin/python3 "$ROOT/scripts/lib/monitor_config.py" "$work/render.yaml" "$work" \
  "notifications=$(sed -n 's/^metrics=//p' "$work/notifications.ready")" \
  "complaints=$(sed -n 's/^metrics=//p' "$work/complaints.ready")" \
  "returns=$(sed -n 's/^metrics=//p' "$work/returns.ready")"
promtool check config "$work/prometheus.yml" >/dev/null
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$port" >"$work/prometheus.log" 2>&1 &
pids+=($!)
api="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fs "$api/-/ready" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$api/-/ready" >/dev/null || { tail -20 "$work/prometheus.log" >&2; fail "prometheus did not start"; }

# The scenario: a complaint whose containment is never submitted.
QMS_TOKEN=$("$BUILD/tools/qms_token" --secret_file="$work/jwt.secret" --roles=sales --plants=SZ1) \
  "$BUILD/tests/complaints_roundtrip" "$(sed -n 's/^grpc=//p' "$work/complaints.ready")" SZ1 >/dev/null \
  || fail "could not create the complaint"
# And a bulk return of the plant, received.
QMS_TOKEN=$("$BUILD/tools/qms_token" --secret_file="$work/jwt.secret" --roles=warehouse --plants=SZ1) \
  "$BUILD/tests/returns_roundtrip" "$(sed -n 's/^grpc=//p' "$work/returns.ready")" SZ1 >/dev/null \
  || fail "could not register and receive the return"

/usr/bin/python3 - "$api" "$ROOT/deploy/grafana" <<'PY'
import json, sys, time, urllib.parse, urllib.request, glob

api, dashboards = sys.argv[1], sys.argv[2]
def get(path, **params):
    url = f"{api}{path}?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)

# The breach alert goes pending or firing.
deadline = time.time() + 60
state = None
while time.time() < deadline:
    alerts = get("/api/v1/alerts")["data"]["alerts"]
    hits = [a for a in alerts if a["labels"].get("alertname") == "QmsResponseDeadlineBreached"
            and a["labels"].get("plant") == "SZ1"]
    if hits:
        state = hits[0]["state"]
        break
    time.sleep(0.5)
assert state in ("pending", "firing"), f"no breach alert for SZ1 within 60 s: {alerts}"
print(f"breach alert: {state}")

# Every rule evaluates without error.
time.sleep(2)
groups = get("/api/v1/rules")["data"]["groups"]
rules = [r for g in groups for r in g["rules"]]
assert len(rules) >= 12, f"only {len(rules)} rules loaded"
bad = [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"]
assert not bad, f"rules with errors: {bad}"
print(f"{len(rules)} rules evaluate without error")

# Every dashboard panel's expression evaluates without error (Grafana's variables filled in),
# and the ones about the scenario return data.
count = 0
for path in sorted(glob.glob(f"{dashboards}/*.json")):
    board = json.load(open(path))
    for panel in board["panels"]:
        for target in panel["targets"]:
            expr = (target["expr"].replace("$__rate_interval", "1m").replace("$__range", "1h")
                    .replace("$plant", ".*").replace("$policy", ".*").replace("$service", "qms-.*"))
            result = get("/api/v1/query", query=expr)
            assert result["status"] == "success", f"{path}: {panel['title']}: {result}"
            count += 1
print(f"{count} dashboard expressions evaluate without error")
breaches = get("/api/v1/query", query='sum by (customer) (qms_timer_breaches_total{plant="SZ1",policy="complaint.containment"})')
assert breaches["data"]["result"] and float(breaches["data"]["result"][0]["value"][1]) >= 1, breaches
assert breaches["data"]["result"][0]["metric"].get("customer") == "ROUNDTRIP", breaches
up = get("/api/v1/query", query='up{job=~"qms-.*"}')["data"]["result"]
assert len(up) == 3 and all(float(s["value"][1]) == 1 for s in up), up
# The records panels have the return: open in RECEIVED, its two steps counted.
deadline = time.time() + 30
while time.time() < deadline:
    opened = get("/api/v1/query", query='qms_records_open{record="return",plant="SZ1",state="RECEIVED"}')
    steps = get("/api/v1/query", query='sum(qms_record_steps_total{record="return"})')
    if (opened["data"]["result"] and float(opened["data"]["result"][0]["value"][1]) == 1
            and steps["data"]["result"] and float(steps["data"]["result"][0]["value"][1]) == 2):
        break
    time.sleep(0.5)
else:
    raise AssertionError(f"no open return in the records metrics: {opened} {steps}")
print("records metrics: the received return is there")
PY
echo "prometheus scenario: all good"
