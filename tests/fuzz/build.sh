#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ into build-fuzz/ with clang
# (ASan + UBSan), apart from the meson build. Incremental: a target is only
# rebuilt when its binary is older than its .c, the src/ files it links, any
# header under src/ or this script.
#   bash tests/fuzz/build.sh [target...]     default: all targets
# Environment: CC (default clang), FUZZ_BUILD (default <repo>/build-fuzz).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_BUILD:-$root/build-fuzz}
CC=${CC:-clang}

if ! command -v "$CC" >/dev/null 2>&1; then
  echo "fuzz: $CC not found; install clang (scripts/install-deps.sh does)" >&2
  exit 2
fi
for pc in jansson libsodium libcrypto libmicrohttpd; do
  if ! pkg-config --exists "$pc"; then
    echo "fuzz: pkg-config cannot find $pc (run scripts/install-deps.sh)" >&2
    exit 2
  fi
done

# target -> the src/ files it links (relative to src/) and pkg-config libs.
declare -A SRCS LIBS
SRCS[fuzz_json_input]="api/input.c http/reply.c core/err.c core/buf.c"
LIBS[fuzz_json_input]="jansson libmicrohttpd"
SRCS[fuzz_token_code]="crypto/token.c"
LIBS[fuzz_token_code]="libsodium"
SRCS[fuzz_kvnr]="domain/kvnr.c core/err.c"
LIBS[fuzz_kvnr]="jansson"
SRCS[fuzz_config]="core/config.c core/err.c"
LIBS[fuzz_config]=""
SRCS[fuzz_router]="http/router.c"
LIBS[fuzz_router]=""
SRCS[fuzz_validate]="domain/validate.c core/clock.c core/err.c"
LIBS[fuzz_validate]=""
SRCS[fuzz_multipart]="http/multipart.c core/err.c"
LIBS[fuzz_multipart]=""
ALL="fuzz_json_input fuzz_token_code fuzz_kvnr fuzz_config fuzz_router fuzz_validate fuzz_multipart"

targets=${*:-$ALL}
mkdir -p "$out"

# Newest mtime among the inputs every target shares.
common_newest=$(find "$root/src" "$root/tests/fuzz" -name '*.h' -printf '%T@\n' | sort -n | tail -1)
script_mtime=$(stat -c %Y "$0")

needs_build() {
  local bin=$1; shift
  [ -x "$bin" ] || return 0
  local bt; bt=$(stat -c %Y "$bin")
  local f
  for f in "$@"; do
    [ "$(stat -c %Y "$f")" -le "$bt" ] || return 0
  done
  # headers and this script
  awk -v a="$common_newest" -v b="$bt" 'BEGIN { exit !(a > b) }' && return 0
  [ "$script_mtime" -le "$bt" ] || return 0
  return 1
}

pids=()
names=()
for t in $targets; do
  if [ -z "${SRCS[$t]+x}" ]; then
    echo "fuzz: unknown target $t (known: $ALL)" >&2
    exit 2
  fi
  files=("$root/tests/fuzz/$t.c")
  for s in ${SRCS[$t]}; do files+=("$root/src/$s"); done
  bin=$out/$t
  if ! needs_build "$bin" "${files[@]}"; then
    continue
  fi
  pcflags=""
  [ -n "${LIBS[$t]}" ] && pcflags=$(pkg-config --cflags --libs ${LIBS[$t]})
  echo "fuzz: building $t"
  # shellcheck disable=SC2086
  "$CC" -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -std=c11 -D_GNU_SOURCE \
    -DAKTE_RULES_DEFAULT="\"$root/data\"" -I "$root/src" \
    "${files[@]}" $pcflags -o "$bin.tmp" 2>"$out/$t.build.log" &&
    mv "$bin.tmp" "$bin" &
  pids+=($!)
  names+=("$t")
done

rc=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    echo "fuzz: building ${names[$i]} failed:" >&2
    cat "$out/${names[$i]}.build.log" >&2
    rc=1
  fi
done
exit $rc
