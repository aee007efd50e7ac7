# bench/lib.sh — what bench/http.sh and bench/docs.sh share; sourced by
# both, not run on its own. See bench/README.md.
#
#   settings    threads, conns (BENCH_THREADS, BENCH_CONNS), the akted
#               binary, the demo patient's credentials; log, die
#   bench_prepare TOOL...   install-deps.sh --bench, check the tools, find
#               nginx, build akted if missing
#   bench_workdir           the temporary directory $tmp, the pids of the
#               servers started, and the cleanup traps (EXIT, INT, TERM)
#   free_port, wait_http, ratio
#   akted_start [NAME]      akted --demo on a free port, logged in as the
#               demo patient: akted_pid, akted_url, akted_data, token
#   nginx_start             nginx with a temporary config: nginx_url
#   curl_wait, wrk_wait     curl/wrk in the background, stopped by cleanup
#   run NAME URL [ARGS]     wrk: warm-up, then the measured run
#   wrk_table WIDTH         the table of the runs; sets status=1 on failure
#   wrk_footer              the wrk settings, cores and date
#
# The sourcing script sets root (the repository) and seconds (measured wrk
# seconds) before it sources this file, and status=0 before wrk_table.
#
# The variables set here are read by the scripts that source this file.
# shellcheck shell=bash disable=SC2034
# and root and seconds are set by them:
# shellcheck disable=SC2154

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

# bench_prepare TOOL...: the benchmark dependencies installed, each TOOL
# found (in PATH or /usr/sbin), nginx_bin set, akted built if missing.
bench_prepare() {
	local tool
	bash "$root/scripts/install-deps.sh" --bench
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] ||
			die "$tool not found after install-deps.sh --bench"
	done
	nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
	[ -x "$akted" ] || ninja -C "$root/build"
	[ -x "$akted" ] || die "$akted missing after build"
}

# bench_workdir: $tmp, removed on exit (kept with BENCH_KEEP=1) together
# with every server in pids and a running wrk or curl.
bench_workdir() {
	tmp="$(mktemp -d "${TMPDIR:-/tmp}/akte-bench.XXXXXX")"
	pids=()
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}

# shellcheck disable=SC2317  # called through the trap
cleanup() {
	local pid
	if [ -n "${wrk_pid:-}" ]; then kill "$wrk_pid" 2>/dev/null || true; fi
	if [ -n "${curl_pid:-}" ]; then kill "$curl_pid" 2>/dev/null || true; fi
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

# ratio A B -> A / B with two decimals, "-" when B is not positive.
ratio() {
	awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
}

# --- akted ----------------------------------------------------------------
# akted_start [NAME]: akted serve --demo on a free loopback port with a
# fresh data directory $tmp/data[-NAME]; its per-request JSON log line goes
# to $tmp/akted[-NAME].log, as in production, not to the terminal; the
# session may idle for the whole run. Then the demo patient logs in
# (password + TOTP, confirmed device) and GET /api/v1/me must answer 200
# (its body in $tmp/me.json). Sets akted_pid, akted_url, akted_data, token.
akted_pid="" akted_url="" akted_data="" token=""
akted_start() {
	local suffix="${1:+-$1}" port totp login_reply st
	akted_data="$tmp/data$suffix"
	port="$(free_port)"
	AKTE_SESSION_IDLE=86400 "$akted" serve --data "$akted_data" \
		--listen "127.0.0.1:$port" --demo \
		>"$tmp/akted$suffix.out" 2>"$tmp/akted$suffix.log" &
	akted_pid=$!
	pids+=("$akted_pid")
	akted_url="http://127.0.0.1:$port"
	wait_http "$akted_url/healthz" "$akted_pid" ||
		{ tail -n 20 "$tmp/akted$suffix.log" >&2; die "akted did not answer on $akted_url/healthz"; }

	totp="$(oathtool --totp -b "$demo_totp_secret")"
	login_reply="$(curl -s -X POST "$akted_url/api/v1/auth/login" \
		-H 'Content-Type: application/json' \
		-d "$(printf '{"login":"%s","password":"%s","totp":"%s","device":"%s"}' \
			"$demo_login" "$demo_password" "$totp" "$demo_device")")"
	token="$(printf '%s' "$login_reply" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')" ||
		die "login failed: $login_reply"
	st="$(curl -s -o "$tmp/me.json" -w '%{http_code}' \
		-H "Authorization: Bearer $token" "$akted_url/api/v1/me")"
	[ "$st" = 200 ] || die "GET /api/v1/me answered $st"
}

# --- nginx ----------------------------------------------------------------
# nginx_start: two workers (akted has a thread pool of 2), keep-alive,
# sendfile, access log on to a file because akted logs every request too;
# everything under $tmp/nginx, serving $tmp/nginx/www (a 1 KiB file,
# 1k.bin, to begin with). Sets nginx_url.
nginx_url=""
nginx_start() {
	local port user=""
	port="$(free_port)"
	mkdir -p "$tmp/nginx/www" "$tmp/nginx/temp"
	head -c 1024 /dev/urandom >"$tmp/nginx/www/1k.bin"
	[ "$(id -u)" -eq 0 ] && user="user root;"
	cat >"$tmp/nginx/nginx.conf" <<EOF
$user
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
		listen 127.0.0.1:$port;
		root $tmp/nginx/www;
	}
}
EOF
	"$nginx_bin" -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" \
		>"$tmp/nginx/stdout" 2>&1 &
	pids+=("$!")
	nginx_url="http://127.0.0.1:$port"
	wait_http "$nginx_url/1k.bin" "${pids[-1]}" ||
		{ cat "$tmp/nginx/error.log" "$tmp/nginx/stdout" >&2 || true; die "nginx did not answer on $nginx_url/1k.bin"; }
}

# --- curl, wrk ------------------------------------------------------------
# curl or wrk in the background and wait for it, so that a signal reaches
# the traps at once rather than after a long transfer or wrk's run; cleanup
# stops it then.
curl_pid=""
curl_wait() {
	curl "$@" &
	curl_pid=$!
	wait "$curl_pid"
	curl_pid=""
}
wrk_pid=""
wrk_wait() {
	wrk "$@" &
	wrk_pid=$!
	wait "$wrk_pid"
	wrk_pid=""
}

# latency_ms "1.22ms" -> 1.22 (wrk prints us, ms, s or m)
latency_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		printf "%.2f", n }'
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

# wrk_table WIDTH: requests/s, p99 and the ratio to the last run (nginx)
# of every run, the target column WIDTH wide. Sets status=1 when a target
# answered nothing or with non-2xx/3xx responses.
wrk_table() {
	local width="$1" nginx_rps="${rps[-1]}" i
	printf "%-${width}s %12s %10s %10s\n" target "requests/s" "p99 ms" "x nginx"
	for i in "${!names[@]}"; do
		printf "%-${width}s %12.0f %10s %10s\n" "${names[$i]}" "${rps[$i]:-0}" "${p99[$i]:--}" \
			"$(ratio "${rps[$i]:-0}" "${nginx_rps:-0}")"
		if ! awk -v a="${rps[$i]:-0}" 'BEGIN { exit !(a > 0) }'; then
			log "${names[$i]}: no requests answered"
			status=1
		fi
		if [ -n "${bad[$i]}" ] && [ "${bad[$i]}" != 0 ]; then
			log "${names[$i]}: ${bad[$i]} non-2xx/3xx responses"
			status=1
		fi
	done
}

# wrk_footer: the wrk settings, the cores and the date under the tables.
wrk_footer() {
	printf '\nwrk -t%s -c%s -d%ss on %s cores, %s\n' "$threads" "$conns" "$seconds" \
		"$(nproc)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
