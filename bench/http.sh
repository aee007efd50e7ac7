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
# server it started. See bench/README.md.
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
threads="${BENCH_THREADS:-2}"
conns="${BENCH_CONNS:-32}"
warmup=$(( seconds <= 2 ? 1 : 2 ))
akted="$root/build/src/server/akted"

demo_login="patient@demo.akte.example"
demo_password="Demo-Patientin-2026"
demo_totp_secret="MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK"
demo_device="akte-demo-cli-device"

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

bash "$root/scripts/install-deps.sh" --bench
for tool in wrk nginx curl oathtool python3; do
	command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] ||
		die "$tool not found after install-deps.sh --bench"
done
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$akted" ] || ninja -C "$root/build"
[ -x "$akted" ] || die "$akted missing after build"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/akte-bench.XXXXXX")"
pids=()
# shellcheck disable=SC2317  # called through the trap
cleanup() {
	local pid
	if [ -n "${wrk_pid:-}" ]; then kill "$wrk_pid" 2>/dev/null || true; fi
	for pid in "${pids[@]+"${pids[@]}"}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]+"${pids[@]}"}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		log "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port nothing listens on now: the kernel picks it, we release it.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_http URL PID: until URL answers 200, or the server died, or 10 s passed.
wait_http() {
	local url="$1" pid="$2" i
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 1
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)" = 200 ] && return 0
		sleep 0.1
	done
	return 1
}

# --- akted ----------------------------------------------------------------
# Its per-request JSON log line goes to a file, as in production, not to the
# terminal; the session may idle for the whole run.
akted_port="$(free_port)"
AKTE_SESSION_IDLE=86400 "$akted" serve --data "$tmp/data" \
	--listen "127.0.0.1:$akted_port" --demo \
	>"$tmp/akted.out" 2>"$tmp/akted.log" &
pids+=("$!")
akted_url="http://127.0.0.1:$akted_port"
wait_http "$akted_url/healthz" "${pids[-1]}" ||
	{ tail -n 20 "$tmp/akted.log" >&2; die "akted did not answer on $akted_url/healthz"; }

totp="$(oathtool --totp -b "$demo_totp_secret")"
login_body="$(printf '{"login":"%s","password":"%s","totp":"%s","device":"%s"}' \
	"$demo_login" "$demo_password" "$totp" "$demo_device")"
login_reply="$(curl -s -X POST "$akted_url/api/v1/auth/login" \
	-H 'Content-Type: application/json' -d "$login_body")"
token="$(printf '%s' "$login_reply" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')" ||
	die "login failed: $login_reply"
me_status="$(curl -s -o /dev/null -w '%{http_code}' \
	-H "Authorization: Bearer $token" "$akted_url/api/v1/me")"
[ "$me_status" = 200 ] || die "GET /api/v1/me answered $me_status"

# --- nginx ----------------------------------------------------------------
# Two workers (akted has a thread pool of 2), keep-alive, access log on to a
# file because akted logs every request too; everything under $tmp/nginx.
nginx_port="$(free_port)"
mkdir -p "$tmp/nginx/www" "$tmp/nginx/temp"
head -c 1024 /dev/urandom >"$tmp/nginx/www/1k.bin"
nginx_user=""
[ "$(id -u)" -eq 0 ] && nginx_user="user root;"
cat >"$tmp/nginx/nginx.conf" <<EOF
$nginx_user
worker_processes 2;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
	access_log $tmp/nginx/access.log;
	default_type application/octet-stream;
	sendfile on;
	tcp_nopush on;
	keepalive_timeout 65;
	keepalive_requests 1000000;
	client_body_temp_path $tmp/nginx/temp/body;
	proxy_temp_path $tmp/nginx/temp/proxy;
	fastcgi_temp_path $tmp/nginx/temp/fastcgi;
	uwsgi_temp_path $tmp/nginx/temp/uwsgi;
	scgi_temp_path $tmp/nginx/temp/scgi;
	server {
		listen 127.0.0.1:$nginx_port;
		root $tmp/nginx/www;
	}
}
EOF
"$nginx_bin" -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" \
	>"$tmp/nginx/stdout" 2>&1 &
pids+=("$!")
nginx_url="http://127.0.0.1:$nginx_port"
wait_http "$nginx_url/1k.bin" "${pids[-1]}" ||
	{ cat "$tmp/nginx/error.log" "$tmp/nginx/stdout" >&2 || true; die "nginx did not answer on $nginx_url/1k.bin"; }

# --- wrk ------------------------------------------------------------------
# latency_ms "1.22ms" -> 1.22 (wrk prints us, ms, s or m)
latency_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		printf "%.2f", n }'
}

# wrk in the background and wait for it, so that a signal reaches the traps
# at once rather than after wrk's run; cleanup stops it then.
wrk_pid=""
wrk_wait() {
	wrk "$@" &
	wrk_pid=$!
	wait "$wrk_pid"
	wrk_pid=""
}

# run NAME URL [wrk args...]: a short warm-up, then the measured run.
names=() rps=() p99=() bad=()
run() {
	local name="$1" url="$2"; shift 2
	local out="$tmp/wrk-${#names[@]}.txt"
	log "$name: warm-up ${warmup}s, then ${seconds}s"
	wrk_wait -t"$threads" -c"$conns" -d"${warmup}s" "$@" "$url" >/dev/null
	wrk_wait -t"$threads" -c"$conns" -d"${seconds}s" --latency "$@" "$url" >"$out"
	names+=("$name")
	rps+=("$(awk '/^Requests\/sec:/ { print $2 }' "$out")")
	p99+=("$(latency_ms "$(awk '$1 == "99%" { print $2 }' "$out")")")
	bad+=("$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")")
	if grep -q 'Socket errors' "$out"; then
		log "$name: $(grep 'Socket errors' "$out" | sed 's/^ *//')"
	fi
}

run "akted /healthz" "$akted_url/healthz"
run "akted /api/v1/me" "$akted_url/api/v1/me" -H "Authorization: Bearer $token"
run "nginx 1 KiB file" "$nginx_url/1k.bin"

nginx_rps="${rps[-1]}"
status=0
printf '\n%-20s %12s %10s %10s\n' target "requests/s" "p99 ms" "x nginx"
for i in "${!names[@]}"; do
	ratio="$(awk -v a="${rps[$i]:-0}" -v b="${nginx_rps:-0}" \
		'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
	printf '%-20s %12.0f %10s %10s\n' "${names[$i]}" "${rps[$i]:-0}" "${p99[$i]:--}" "$ratio"
	if ! awk -v a="${rps[$i]:-0}" 'BEGIN { exit !(a > 0) }'; then
		log "${names[$i]}: no requests answered"
		status=1
	fi
	if [ -n "${bad[$i]}" ] && [ "${bad[$i]}" != 0 ]; then
		log "${names[$i]}: ${bad[$i]} non-2xx/3xx responses"
		status=1
	fi
done
printf '\nwrk -t%s -c%s -d%ss on %s cores, %s\n' "$threads" "$conns" "$seconds" \
	"$(nproc)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
exit "$status"
