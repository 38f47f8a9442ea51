#!/usr/bin/env bash
# The Prometheus rules are valid and every alert fires in one case and stays quiet in another
# (promtool, from Debian's prometheus package); the metric names they use exist on the services.
set -euo pipefail
ROOT=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v promtool >/dev/null || { echo "promtool missing (scripts/qms installs prometheus)"; exit 77; }
cd "$ROOT/deploy/prometheus"
promtool check rules qms-rules.yml
promtool test rules qms-rules.test.yml
# Every alert has test cases.
for alert in $(sed -n 's/^ *- alert: //p' qms-rules.yml); do
  grep -q "alertname: $alert\$" qms-rules.test.yml || fail "alert $alert has no promtool test"
done
# Every qms_ metric a rule reads is one the code exports (no rule watching a name that never comes).
for metric in $(cat qms-rules.yml "$ROOT"/deploy/grafana/*.json | grep -o 'qms_[a-z_]*' |
                sed -E 's/_(bucket|count|sum)$//' | sort -u); do
  grep -rq "\"$metric\"" "$ROOT/services" "$ROOT/common" ||
    fail "rules or dashboards use $metric, which no service exports"
done
echo "rules: valid, every alert tested, every metric of rules and dashboards exported"
