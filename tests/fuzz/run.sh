#!/usr/bin/env bash
# Builds the fuzz targets (tests/fuzz/build.sh) and runs each for its share
# of FUZZ_SECONDS (default 60, in total across all targets), on a copy of its
# seed corpus in a temporary directory: generated inputs never land in the
# repository. Exits non-zero when any target finds a crash, a leak, a
# timeout or a broken invariant; the crashing input is then kept (its path
# is printed) and the temporary directory is not removed.
#   FUZZ_SECONDS=20 bash tests/fuzz/run.sh [target...]
# Environment: FUZZ_SECONDS, FUZZ_BUILD (build dir), FUZZ_WORK (where the
# temporary directory goes; default $TMPDIR or /tmp).
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_BUILD:-$root/build-fuzz}
total=${FUZZ_SECONDS:-60}
ALL="fuzz_json_input fuzz_token_code fuzz_kvnr fuzz_config fuzz_router fuzz_validate fuzz_multipart"
targets=${*:-$ALL}

if ! command -v "${CC:-clang}" >/dev/null 2>&1; then
  echo "fuzz: ${CC:-clang} not found; install clang (scripts/install-deps.sh does)" >&2
  exit 2
fi
case $total in
  ''|*[!0-9]*) echo "fuzz: FUZZ_SECONDS must be a whole number of seconds" >&2; exit 2 ;;
esac

FUZZ_BUILD=$out bash "$root/tests/fuzz/build.sh" $targets || exit 2

ntargets=$(wc -w <<<"$targets")
per=$(( total / ntargets ))
[ "$per" -ge 1 ] || per=1

work=$(mktemp -d "${FUZZ_WORK:-${TMPDIR:-/tmp}}/akte-fuzz.XXXXXX")
failed=()
start=$(date +%s)
echo "fuzz: $ntargets targets, ${per}s each, work dir $work"

for t in $targets; do
  mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
  if [ -d "$root/tests/fuzz/corpus/$t" ]; then
    cp -R "$root/tests/fuzz/corpus/$t/." "$work/corpus/$t/"
  fi
  log=$work/$t.log
  dict=()
  [ -f "$root/tests/fuzz/$t.dict" ] && dict=(-dict="$root/tests/fuzz/$t.dict")
  # TMPDIR for fuzz_config's temp file; AKTE_RULES passes through.
  TMPDIR=$work "$out/$t" "$work/corpus/$t" \
    -max_total_time="$per" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$work/artifacts/$t/" -print_final_stats=1 "${dict[@]}" \
    >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  if [ "$rc" -eq 0 ]; then
    printf 'fuzz: %-16s ok    %s runs, %s\n' "$t" "${runs:-?}" "${cov:-cov: ?}"
  else
    printf 'fuzz: %-16s FAILED (exit %d)\n' "$t" "$rc"
    grep -E 'ERROR: |invariant failed|SUMMARY: |runtime error' "$log" | head -5 | sed 's/^/      /'
    for a in "$work/artifacts/$t"/*; do
      [ -e "$a" ] && echo "      input: $a"
    done
    echo "      log:   $log"
    echo "      replay: $out/$t <input>"
    failed+=("$t")
  fi
done

echo "fuzz: done in $(( $(date +%s) - start ))s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]} (inputs kept in $work)" >&2
  exit 1
fi
rm -rf "$work"
exit 0
