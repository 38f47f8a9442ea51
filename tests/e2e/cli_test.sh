#!/usr/bin/env bash
# `qms` (tools/cli) against the local stack `scripts/qms up` starts: every service's methods
# through reflection, a call with JSON in and out, the status and field violations of a bad
# request, a refusal without a token, exit codes that follow the status.
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
echo "qms command line: all checks passed"
