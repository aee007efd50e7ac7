#!/usr/bin/env bash
# bench/http.sh — requests/s of akted against nginx on this machine.
#
# wrk drives, with the same settings, three targets in turn:
#   akted GET /healthz          the cheapest answer akted gives
#   akted GET /api/v1/me        authenticated (Bearer token of the demo patient)
#   nginx GET /1k.bin           a 1 KiB file, as the yardstick
# and prints requests/s, p99 latency and the ratio of each to nginx.
#
# Self-contained: installs wrk and nginx if missing, builds akted if missing,
# works in a temporary directory that is removed on exit, together with every
# server it started. The parts shared with bench/docs.sh are in bench/lib.sh.
# See bench/README.md.
#
#   BENCH_SECONDS   measured seconds per target (default 10; 2 is a smoke test)
#   BENCH_THREADS   wrk threads (default 2)
#   BENCH_CONNS     wrk connections (default 32)
#   BENCH_KEEP      1 keeps the temporary directory (wrk outputs, logs)
#
# Exit status 0 when every target answered: non-zero requests/s and no
# non-2xx/3xx responses reported by wrk; 1 otherwise.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

seconds="${BENCH_SECONDS:-10}"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

bench_prepare wrk nginx curl oathtool python3
bench_workdir

# shellcheck disable=SC2119  # no NAME: $tmp/data, $tmp/akted.log
akted_start
nginx_start

run "akted /healthz" "$akted_url/healthz"
run "akted /api/v1/me" "$akted_url/api/v1/me" -H "Authorization: Bearer $token"
run "nginx 1 KiB file" "$nginx_url/1k.bin"

status=0
printf '\n'
wrk_table 20
wrk_footer
exit "$status"
