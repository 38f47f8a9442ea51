#!/usr/bin/env bash
# helm/qms checked with the real tools: Helm's strict lint and render with the default values
# and the three-plant example; the values schema refusing wrong values (each case must fail and
# name the value); every rendered object valid against the Kubernetes and prometheus-operator
# schemas (kubernetes-models); a reviewer's checks over the render (check_render.py check); the
# plain manifests in deploy/kubernetes current; and the rendered container args starting the real
# binaries against the test database (check_render.py run).
set -euo pipefail
ROOT=$1
BUILD=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
# shellcheck source=../../scripts/lib/deploy_tools.sh
QMS_TOOLS_DIR=${QMS_TOOLS_DIR:-$BUILD/tools-cache} source "$ROOT/scripts/lib/deploy_tools.sh"
helm=$(ensure_helm)
modules=$(ensure_node_models)
chart=$ROOT/helm/qms
example=$chart/examples/three-plants.yaml
version=$(sed -n 's/^appVersion: *"*\([^"]*\)"*$/\1/p' "$chart/Chart.yaml")
[ -n "$version" ] || fail "no appVersion in Chart.yaml"
work=$(mktemp -d /tmp/qms-chart-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
to_json() { /usr/bin/python3 -c 'import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(sys.stdin) if d]))'; }

# Values that must never reach a render: the local stack's secrets, when there are any.
forbid=()
for secret in "$ROOT"/var/secrets/*; do
  [ -s "$secret" ] && forbid+=(--forbid "$(cat "$secret")")
done

echo "== lint and render"
helm_quiet "$helm" lint --strict "$chart" >"$work/lint.txt" || { cat "$work/lint.txt"; fail "lint (defaults)"; }
helm_quiet "$helm" lint --strict "$chart" -f "$example" >"$work/lint.txt" \
  || { cat "$work/lint.txt"; fail "lint (three plants)"; }
helm_quiet "$helm" template qms "$chart" --namespace qms >"$work/default.yaml"
helm_quiet "$helm" template quality "$chart" --namespace quality -f "$example" >"$work/three.yaml"
# Everything switched on, TLS with client certificates, autoscaling: every template renders.
helm_quiet "$helm" template all "$chart" -f "$example" --set tls.clientAuth=true \
  --set services.notifications.autoscaling.enabled=true >"$work/all.yaml"

echo "== reviewer's checks"
/usr/bin/python3 "$ROOT/tests/deploy/check_render.py" check "$work/default.yaml" --tag "$version" "${forbid[@]}"
/usr/bin/python3 "$ROOT/tests/deploy/check_render.py" check "$work/three.yaml" --tag "$version" \
  --image-prefix registry.example.com/quality/ "${forbid[@]}"
/usr/bin/python3 "$ROOT/tests/deploy/check_render.py" check "$work/all.yaml" --tag "$version" \
  --image-prefix registry.example.com/quality/ "${forbid[@]}"
for kind in ServiceMonitor PrometheusRule HorizontalPodAutoscaler NetworkPolicy PodDisruptionBudget; do
  grep -q "^kind: $kind$" "$work/all.yaml" || fail "no $kind rendered with everything on"
done
[ "$(grep -c '^kind: ConfigMap$' "$work/all.yaml")" -eq 4 ] || fail "expected the config and 3 dashboard ConfigMaps"
grep -q 'grafana_dashboard: "1"' "$work/all.yaml" || fail "dashboards not labelled for the Grafana sidecar"
# Notifications gets each service's own policies, then the release's overrides (the example's).
grep -q -- '--policies_files=/etc/qms/policies-complaints.json,/etc/qms/policies-returns.json$' \
  "$work/default.yaml" || fail "notifications is not given complaints' and returns' policies"
grep -q -- '--policies_files=/etc/qms/policies-complaints.json,/etc/qms/policies-returns.json,/etc/qms/policies.json$' \
  "$work/three.yaml" || fail "the release's policy overrides are not given after the services' own"
# Every service of services/registry.txt has a Deployment, and its registry calls become flags.
for name in $(sed -n 's/^\([a-z][a-z0-9_-]*\).*/\1/p' "$ROOT/services/registry.txt"); do
  grep -q "^  name: qms-$name$" "$work/default.yaml" || fail "no objects for registry service $name"
done
grep -q -- '--notifications_target=qms-notifications:50051$' "$work/default.yaml" \
  || fail "complaints' registry call to notifications is not a flag"
# serviceDefaults reach every service; a block's false and 0 win over them; a block holds only
# what differs (the rest still comes from the defaults).
helm_quiet "$helm" template qms "$chart" --set serviceDefaults.resources.limits.memory=300Mi \
  --set services.complaints.replicas=0 --set services.complaints.public=false >"$work/merge.yaml"
/usr/bin/python3 - "$work/merge.yaml" <<'PY'
import sys, yaml
objs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
deps = {d["metadata"]["name"]: d for d in objs if d["kind"] == "Deployment"}
for name, d in deps.items():
    limits = d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert limits["memory"] == "300Mi", f"{name}: serviceDefaults not applied: {limits}"
assert deps["qms-complaints"]["spec"]["replicas"] == 0, "a block's replicas: 0 lost"
assert deps["qms-notifications"]["spec"]["replicas"] == 2, "the default replicas lost"
args = deps["qms-complaints"]["spec"]["template"]["spec"]["containers"][0]["args"]
assert "--db_name=qms_complaints" in args and "--db_user=complaints" in args, args
policies = {d["metadata"]["name"]: d for d in objs if d["kind"] == "NetworkPolicy"}
public = [r for r in policies["qms-complaints"]["spec"]["ingress"]
          if any("namespaceSelector" in f and "podSelector" not in f for f in r.get("from", []))]
assert not public, "a block's public: false lost"
PY
# The PrometheusRule carries every rule of deploy/prometheus.
/usr/bin/python3 - "$work/all.yaml" "$ROOT/deploy/prometheus/qms-rules.yml" <<'PY'
import sys, yaml
rule = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "PrometheusRule"][0]
assert rule["spec"] == yaml.safe_load(open(sys.argv[2])), "PrometheusRule differs from deploy/prometheus"
PY

echo "== Kubernetes schemas"
for render in default three all; do
  to_json <"$work/$render.yaml" | node "$ROOT/tests/deploy/validate_k8s.mjs" "$modules" \
    || fail "$render render has invalid objects"
done

echo "== the schema refuses wrong values"
refused() {  # refused WHAT-THE-ERROR-NAMES --set ...
  local names=$1
  shift
  if helm_quiet "$helm" template qms "$chart" "$@" >"$work/out.txt" 2>&1; then
    fail "accepted: $*"
  fi
  grep -q -- "$names" "$work/out.txt" || { cat "$work/out.txt"; fail "the error for '$*' does not name $names"; }
  echo "refused $* ($names)"
}
refused /services/complaints/replicas --set services.complaints.replicas=-1
refused /services/complaints/database/existingSecret --set services.complaints.database.existingSecret=
refused /serviceDefaults --set serviceDefaults.database.passwordKey=null
refused "services.returnz: services/registry.txt lists no such service" --set services.returnz.replicas=1
refused /auth/existingSecret --set auth.existingSecret=
refused /plants/0/code --set 'plants[0].code=sz1'
refused /plants/0/timeZone --set 'plants[0].timeZone=Shanghai'
refused /plants/0/calendar/week/0/weekday --set-json 'plants[0].calendar={"week":[{"weekday":8,"windows":[]}]}'
refused /ports/grpc --set ports.grpc=70000
refused /containerSecurityContext/readOnlyRootFilesystem --set containerSecurityContext.readOnlyRootFilesystem=false
refused /services/complaints --set services.complaints.replica=3
refused /auth --set auth.hs256SecretKey= --set auth.publicKeysKey=
refused "notifications, which is not enabled" --set services.notifications.enabled=false

echo "== plain manifests"
render_plain_manifests "$helm" "$ROOT" >"$work/plain.yaml"
diff -u "$ROOT/deploy/kubernetes/qms.yaml" "$work/plain.yaml" >"$work/plain.diff" \
  || { head -40 "$work/plain.diff"; fail "deploy/kubernetes/qms.yaml is stale: run scripts/qms chart"; }

echo "== the rendered args start the real services"
if [ -z "${QMS_TEST_DB_PORT:-}" ]; then
  fail "no test database (run through scripts/qms test)"
fi
# The three-plant example's plants and calendars, with the keys the test can provide (HS256,
# no TLS): the services parse every flag and the notification service stores the calendars.
helm_quiet "$helm" template quality "$chart" -f "$example" --set tls.existingSecret= \
  --set auth.hs256SecretKey=jwt.secret --set auth.publicKeysKey= >"$work/run.yaml"
mkdir -p "$work/run"
/usr/bin/python3 "$ROOT/tests/deploy/check_render.py" run "$work/run.yaml" --build "$BUILD" --work "$work/run"
grep -q 'calendar of SZ1 set from the plants file' "$work/run/notifications.log" \
  || { cat "$work/run/notifications.log"; fail "the example's calendars were not stored"; }
echo "chart: all good"
