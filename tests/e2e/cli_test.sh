#!/usr/bin/env bash
# `qms` (tools/cli) against the local stack `scripts/qms up` starts: every service's methods
# through reflection, a call with JSON in and out, the status and field violations of a bad
# request, a refusal without a token, exit codes that follow the status; then `scripts/qms demo`
# twice (a month each, nothing duplicated) and the daily commands on what it made: lists as
# tables and JSON, a complaint walked through a step, its report written, timers, findings,
# returns, the live watch.
set -euo pipefail
# shellcheck source=stack.sh
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"
qms() { "$ROOT/scripts/qms" cli "$@"; }
json_get() { python3 -c "import json,sys; print(eval('json.load(sys.stdin)' + sys.argv[1]))" "$1"; }

"$ROOT/scripts/qms" up >/dev/null

# Help names every command and says what the exit code means.
help=$(qms --help) || fail "qms --help exited non-zero"
for word in services describe call "Exit code"; do
  grep -q "$word" <<<"$help" || fail "--help does not mention $word"
done
qms call --help | grep -q -- "--no-deadline" || fail "call --help is incomplete"
set +e; qms frobnicate >/dev/null 2>&1; code=$?; set -e
[ "$code" = 64 ] || fail "an unknown command exited $code, not 64"

# Without a token: refused, a clear message, exit code 16 (UNAUTHENTICATED).
set +e
err=$(QMS_TOKEN="" qms --service complaints call ListComplaints '{"parent":"plants/SZ1"}' 2>&1 >/dev/null)
code=$?
set -e
[ "$code" = 16 ] || fail "a call without a token exited $code: $err"
grep -q "UNAUTHENTICATED" <<<"$err" || fail "no UNAUTHENTICATED in: $err"
grep -q "QMS_TOKEN" <<<"$err" || fail "the refusal does not say how to give a token: $err"

QMS_TOKEN=$("$ROOT/scripts/qms" token --role quality,sales --plant SZ1)
export QMS_TOKEN

# Every service of the registry answers a generic call of one of its own methods.
while read -r name _; do
  name=${name%%#*}
  [ -n "$name" ] || continue
  methods=$(qms --service "$name" services) || fail "services of $name"
  grep -q "^qms\.$name\.v1\." <<<"$methods" || fail "$name lists no qms.$name.v1 service: $methods"
done <"$ROOT/services/registry.txt"
qms -s complaints call qms.complaints.v1.ComplaintService/ListComplaints '{"parent":"plants/SZ1"}' \
  | json_get '.get("complaints", [])' >/dev/null || fail "ListComplaints through reflection"
qms -s notifications call GetCalendar '{"plant":"SZ1"}' | json_get '["plant"]' | grep -qx SZ1 \
  || fail "GetCalendar through reflection"
qms -s returns call ListReturns '{"parent":"plants/SZ1"}' >/dev/null || fail "ListReturns"
qms -s complaints describe qms.complaints.v1.Complaint | grep -q "message Complaint" \
  || fail "describe"

# A create, its JSON reply parsed, the complaint read back by name.
created=$(qms -s complaints call CreateComplaint - <<'JSON'
{"parent": "plants/SZ1", "requestId": "cli-test-1",
 "complaint": {"customer": "CLI", "partNumber": "PN-CLI", "channel": "EMAIL",
               "defectDescription": "burr on the flange, seen by the command line test"}}
JSON
) || fail "CreateComplaint"
name=$(json_get '["name"]' <<<"$created")
[[ $name =~ ^plants/SZ1/complaints/SZ1-[0-9]{4}-[0-9]{5}$ ]] || fail "created $name"
got=$(qms -s complaints call GetComplaint "{\"name\":\"$name\"}" | json_get '["customer"]')
[ "$got" = CLI ] || fail "GetComplaint gave customer $got"

# A bad request: INVALID_ARGUMENT, its field violations, exit code 3, nothing written.
set +e
err=$(qms -s complaints call CreateComplaint \
  '{"parent":"plants/SZ1","requestId":"cli-test-2","complaint":{"customer":"CLI"}}' 2>&1 >/dev/null)
code=$?
set -e
[ "$code" = 3 ] || fail "a bad create exited $code: $err"
grep -q "^INVALID_ARGUMENT: " <<<"$err" || fail "no INVALID_ARGUMENT in: $err"
grep -q "^  complaint\.[a-z_]*: " <<<"$err" || fail "no field violation line in: $err"
count=$(qms -s complaints call ListComplaints '{"parent":"plants/SZ1","customer":"CLI"}' \
  | json_get '.get("complaints", []).__len__()')
[ "$count" = 1 ] || fail "$count CLI complaints after a refused create"

# JSON that is not the request type, and a plant the token does not cover.
set +e
qms -s complaints call GetComplaint '{"nome":"x"}' >/dev/null 2>&1; code=$?
set -e
[ "$code" = 3 ] || fail "an unknown JSON field exited $code"
set +e
err=$(qms -s complaints call ListComplaints '{"parent":"plants/BER"}' 2>&1 >/dev/null); code=$?
set -e
[ "$code" = 7 ] || fail "another plant exited $code: $err"
# Every command's help is complete: each command and subcommand answers --help with its usage.
for command in complaints findings timers calendar returns; do
  out=$(qms "$command" --help) || fail "$command --help"
  subs=$(sed -n '/^Subcommands:/,$p' <<<"$out" | awk 'NR > 1 && NF {print $1}')
  [ -n "$subs" ] || fail "$command --help lists no subcommands"
  for sub in $subs; do
    qms "$command" "$sub" --help | grep -q "^Usage: qms $command $sub" || fail "$command $sub --help"
  done
done
qms complaints triage --help | grep -q -- "--severity" || fail "triage --help names no --severity"

# The demo, twice: each run an older month, nothing duplicated.
run1=$("$ROOT/scripts/qms" demo --json) || fail "the first demo run"
run2=$("$ROOT/scripts/qms" demo --json) || fail "the second demo run"
"$ROOT/scripts/qms" demo >"$QMS_VAR_DIR/demo.txt" || fail "a third demo run"
grep -q "scripts/qms cli complaints list" "$QMS_VAR_DIR/demo.txt" || fail "the demo says what to look at"
export QMS_TOKEN
QMS_TOKEN=$("$ROOT/scripts/qms" token --role quality,sales --plant SZ1,BER)
for plant in SZ1 BER; do
  qms --json complaints list --plant "$plant" --limit 1000 >"$QMS_VAR_DIR/$plant.json" \
    || fail "complaints list --json $plant"
done
python3 - "$run1" "$run2" "$QMS_VAR_DIR/SZ1.json" "$QMS_VAR_DIR/BER.json" <<'PY' || fail "the demo's month"
import collections, json, sys, time
run1, run2 = json.loads(sys.argv[1]), json.loads(sys.argv[2])
months = [run1["month"], run2["month"]]
assert months[0] > months[1], f"the second run filled {months[1]}, not a month before {months[0]}"
states = {"RECEIVED", "TRIAGED", "CONTAINED", "ROOT_CAUSE_IDENTIFIED", "ACTIONS_PROPOSED",
          "ACTIONS_REJECTED", "APPROVED", "REPLIED", "CLOSED", "REOPENED"}
for path in sys.argv[3:]:
    # Each run's live complaint was received almost 24 h ago: on the 1st of a month, in the month
    # before. Every complaint of a demo month was received days before that.
    recent = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 25 * 3600))
    complaints = [c for c in json.load(open(path))["complaints"] if c["receivedTime"] < recent]
    for month in months:
        of_month = [c for c in complaints if c["receivedTime"].startswith(month)]
        assert len(of_month) == 12, f"{path}: {len(of_month)} complaints received in {month}"
        key = collections.Counter((c["customer"], c["partNumber"], c["receivedTime"])
                                  for c in of_month)
        assert len(key) == 12, f"{path} {month}: duplicated {[k for k, n in key.items() if n > 1]}"
        seen = {c["status"] for c in of_month}
        assert seen == states, f"{path} {month}: states {sorted(seen)}, missing {states - seen}"
        assert any(c.get("seriousReasons") for c in of_month), f"{path} {month}: none serious"
        assert any(c.get("reopenedAs") for c in of_month), f"{path} {month}: no reopen chain"
PY

# A list as a table: a header and the live complaints of the three runs.
table=$(qms complaints list --plant SZ1) || fail "complaints list"
head -n 1 <<<"$table" | grep -q "^COMPLAINT *STATE *CUSTOMER" || fail "no table header: $table"
for number in $(json_get '["live"][0]' <<<"$run1") $(json_get '["live"][0]' <<<"$run2"); do
  grep -q "^$number " <<<"$table" || fail "$number not in the table"
done

# One complaint of the month, still RECEIVED, walked through the complaint meeting.
number=$(python3 - "$run1" "$QMS_VAR_DIR/SZ1.json" <<'PY'
import json, sys
month = json.loads(sys.argv[1])["month"]
print(next(c["number"] for c in json.load(open(sys.argv[2]))["complaints"]
           if c["status"] == "RECEIVED" and c["receivedTime"].startswith(month)))
PY
)
QMS_TOKEN=$("$ROOT/scripts/qms" token --role quality --plant SZ1)
qms complaints triage "$number" --department Production --severity MINOR --what "burr seen" \
  --member "Liu Yang|Quality|8D leader" | grep -q "^state: *TRIAGED" || fail "triage $number"
qms complaints history "$number" | tail -n 1 | grep -q "TriageComplaint .* RECEIVED *TRIAGED" \
  || fail "the history of $number does not end with the triage"
qms complaints show "$number" | grep -q "^D1 team:" || fail "show $number has no D1 team"
qms complaints report "$number" -o "$QMS_VAR_DIR/report.html" >/dev/null || fail "report"
grep -qi "<html" "$QMS_VAR_DIR/report.html" && grep -q "$number" "$QMS_VAR_DIR/report.html" \
  || fail "the report of $number is not its HTML document"
# A step the state does not allow: FAILED_PRECONDITION, exit code 9; an unknown number: 5.
closed=$(python3 -c "import json,sys; print(next(c['number'] for c in json.load(open(sys.argv[1]))['complaints'] if c['status'] == 'CLOSED'))" "$QMS_VAR_DIR/SZ1.json")
set +e
err=$(qms complaints contain "$closed" --action "sort|Quality|Liu|$(date -u -d '+30 days' +%F)" 2>&1); code=$?
set -e
[ "$code" = 9 ] && grep -q "FAILED_PRECONDITION" <<<"$err" || fail "contain on $closed: $code $err"
set +e
qms complaints show SZ1-1999-99999 >/dev/null 2>&1; code=$?
set -e
[ "$code" = 5 ] || fail "show of an unknown complaint exited $code"

# Findings with their blacklist, returns, timers, the calendar, the live watch.
qms --json findings blacklist --plant SZ1 | python3 -c "
import json, sys
f = json.load(sys.stdin)['findings']
assert len(f) >= 4 and all(x['blacklisted'] for x in f), f" || fail "findings blacklist"
qms --json findings list --plant SZ1 | python3 -c "
import json, sys
assert any(not x.get('blacklisted') for x in json.load(sys.stdin)['findings'])" \
  || fail "every finding blacklisted: the live ones were on time"
qms --json returns list --plant SZ1 | python3 -c "
import json, sys
r = json.load(sys.stdin)['returns']
assert {'CLOSED', 'RECEIVED'} <= {x['state'] for x in r}, r" || fail "returns list"
qms calendar show SZ1 | grep -q "^time zone: *Asia/Shanghai" || fail "calendar show"
# The month's containments were done late: their breaches fire as soon as the relay arms them.
breached=""
for _ in $(seq 60); do
  breached=$(qms timers list --plant SZ1 breached)
  grep -q " complaint.containment " <<<"$breached" && break
  sleep 1
done
grep -q " complaint.containment " <<<"$breached" || fail "no breached containment: $breached"
qms --json timers list --plant SZ1 overdue | json_get '["timers"].__len__()' >/dev/null \
  || fail "timers list overdue --json"
set +e
event=$(timeout 20 "$BUILD/tools/qms" --var-dir "$QMS_VAR_DIR" --json watch --plant SZ1 --after 1 | head -n 1)
set -e
json_get '["kind"]' <<<"$event" | grep -Eq "WARNING|BREACH|ESCALATION" || fail "watch: $event"
echo "qms command line: all checks passed"
