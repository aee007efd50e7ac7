#!/usr/bin/env bash
# test.sh — what `make test` runs: build twice (plain, and with
# AddressSanitizer + UndefinedBehaviorSanitizer), run the unit tests of both,
# the integration tests against the sanitized server and CLI, and a short
# bounded fuzzing slice. Prints one closing line "N passed, N failed"
# summing every suite, and exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
passed=0
failed=0

count_meson() { # $1 = build dir; adds the test cases of its last meson test run
  local log="$1/meson-logs/testlog.json"
  [ -f "$log" ] || { failed=$((failed + 1)); return; }
  local ok bad
  # Each cmocka executable reports its own cases; an executable that died
  # without saying how many failed counts as one failure.
  read -r ok bad < <(/usr/bin/python3 - "$log" <<'PY'
import json, re, sys
ok = bad = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    out = t.get("stdout", "") + t.get("stderr", "")
    p = re.search(r"\[  PASSED  \] (\d+) test", out)
    f = re.search(r"\[  FAILED  \] (\d+) test", out)
    ok += int(p.group(1)) if p else (1 if t["result"] == "OK" else 0)
    if t["result"] != "OK":
        bad += int(f.group(1)) if f else 1
print(ok, bad)
PY
)
  passed=$((passed + ok))
  failed=$((failed + bad))
}

step() { echo; echo "=== $*"; }

step "build (plain)"
[ -f build/build.ninja ] || meson setup build >/dev/null || exit 1
ninja -C build || { echo "0 passed, 1 failed"; exit 1; }

step "build (ASan + UBSan)"
[ -f build-san/build.ninja ] || meson setup build-san -Db_sanitize=address,undefined \
  -Db_lundef=false -Dc_args=-fno-sanitize-recover=undefined >/dev/null || exit 1
ninja -C build-san || { echo "0 passed, 1 failed"; exit 1; }

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

step "unit tests (plain)"
meson test -C build --suite unit --print-errorlogs
count_meson build

step "unit tests (sanitizers)"
meson test -C build-san --suite unit --print-errorlogs
count_meson build-san

step "integration tests (sanitized akted and akte)"
junit=$(mktemp)
AKTED="$root/build-san/src/server/akted" AKTE_CLI="$root/build-san/src/cli/akte" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider --junitxml="$junit" tests/integration
rc=$?
if [ -s "$junit" ]; then
  read -r t f e s < <(/usr/bin/python3 - "$junit" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) for s in suites)
e = sum(int(s.get("errors", 0)) for s in suites)
k = sum(int(s.get("skipped", 0)) for s in suites)
print(t, f, e, k)
PY
)
  passed=$((passed + t - f - e - s))
  failed=$((failed + f + e))
elif [ $rc -ne 0 ]; then
  failed=$((failed + 1))
fi
rm -f "$junit"

if [ -f tests/fuzz/run.sh ]; then
  step "fuzzing (short slice)"
  if FUZZ_SECONDS=${FUZZ_SECONDS:-20} bash tests/fuzz/run.sh; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
