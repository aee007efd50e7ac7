#!/usr/bin/env bash
# bench/docs.sh — documents through akted against nginx on this machine.
#
# Two parts:
#   1. transfer: for each size (default 64 MiB, 256 MiB, 1 GiB) a file of
#      random bytes is uploaded to the demo patient's record through
#      POST /api/v1/records/{rid}/documents and downloaded again through
#      GET /api/v1/documents/{id}/content, each timed with curl; nginx
#      serves the same file (sendfile on) as the yardstick for the download.
#      Every size gets a fresh akted, so its peak RSS (VmHWM) is per size;
#      the peak must stay flat as the size grows (constant-memory design).
#   2. list: a record with 10 000 documents (one uploaded through the API,
#      the others cloned from it with sqlite3), wrk on
#      GET /api/v1/records/{rid}/documents (default limit 50) against nginx
#      on a 1 KiB file.
# and prints MB/s (10^6 bytes per second), requests/s and the ratios to
# nginx.
#
# Self-contained like bench/http.sh: installs wrk and nginx if missing,
# builds akted if missing, works in a temporary directory that is removed on
# exit, together with every server it started. See bench/README.md.
#
#   BENCH_SIZES      sizes for part 1, head -c syntax (default "64M 256M 1G")
#   BENCH_DOCS       documents in the record for part 2 (default 10000)
#   BENCH_SECONDS    measured wrk seconds per target (default 10)
#   BENCH_THREADS    wrk threads (default 2)
#   BENCH_CONNS      wrk connections (default 32)
#   BENCH_RSS_SLACK  MiB the peak RSS may differ between the smallest and the
#                    largest size before it counts as growing (default 16)
#   BENCH_QUICK      1: sizes 16M, 1000 documents, 2 s wrk (under a minute)
#   BENCH_KEEP       1 keeps the temporary directory (outputs, logs)
#
# Exit status 0 when every step worked: uploads answered 201, downloads 200
# with the uploaded SHA-256, wrk saw only 2xx, the peak RSS did not grow;
# 1 otherwise.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	sizes="${BENCH_SIZES:-16M}"
	ndocs="${BENCH_DOCS:-1000}"
	seconds="${BENCH_SECONDS:-2}"
else
	sizes="${BENCH_SIZES:-64M 256M 1G}"
	ndocs="${BENCH_DOCS:-10000}"
	seconds="${BENCH_SECONDS:-10}"
fi
threads="${BENCH_THREADS:-2}"
conns="${BENCH_CONNS:-32}"
rss_slack="${BENCH_RSS_SLACK:-16}"
warmup=$(( seconds <= 2 ? 1 : 2 ))
akted="$root/build/src/server/akted"

demo_login="patient@demo.akte.example"
demo_password="Demo-Patientin-2026"
demo_totp_secret="MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK"
demo_device="akte-demo-cli-device"

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

bash "$root/scripts/install-deps.sh" --bench
for tool in wrk nginx curl oathtool python3 sqlite3 numfmt sha256sum; do
	command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] ||
		die "$tool not found after install-deps.sh --bench"
done
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$akted" ] || ninja -C "$root/build"
[ -x "$akted" ] || die "$akted missing after build"
[ "$ndocs" -ge 1 ] 2>/dev/null || die "BENCH_DOCS must be a positive number"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/akte-bench.XXXXXX")"
pids=()
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

# json_get FILE EXPR: EXPR evaluated in Python on the parsed JSON as j.
json_get() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# curl in the background and wait for it, so that a signal reaches the traps
# at once rather than after a long transfer.
curl_pid=""
curl_wait() {
	curl "$@" &
	curl_pid=$!
	wait "$curl_pid"
	curl_pid=""
}

# mbps BYTES SECONDS -> MB/s (10^6 bytes)
mbps() {
	awk -v b="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.1f", b / t / 1e6; else print 0 }'
}
ratio() {
	awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
}

# --- akted ----------------------------------------------------------------
# A fresh akted (fresh data directory, so a fresh demo account and a fresh
# VmHWM) per phase; its per-request JSON log goes to a file as in
# production. Sets akted_pid, akted_url, akted_data, token, rid.
akted_pid="" akted_url="" akted_data="" token="" rid=""
akted_start() {
	local name="$1" port login_reply totp
	akted_data="$tmp/data-$name"
	port="$(free_port)"
	AKTE_SESSION_IDLE=86400 "$akted" serve --data "$akted_data" \
		--listen "127.0.0.1:$port" --demo \
		>"$tmp/akted-$name.out" 2>"$tmp/akted-$name.log" &
	akted_pid=$!
	pids+=("$akted_pid")
	akted_url="http://127.0.0.1:$port"
	wait_http "$akted_url/healthz" "$akted_pid" ||
		{ tail -n 20 "$tmp/akted-$name.log" >&2; die "akted did not answer on $akted_url/healthz"; }

	totp="$(oathtool --totp -b "$demo_totp_secret")"
	login_reply="$(curl -s -X POST "$akted_url/api/v1/auth/login" \
		-H 'Content-Type: application/json' \
		-d "$(printf '{"login":"%s","password":"%s","totp":"%s","device":"%s"}' \
			"$demo_login" "$demo_password" "$totp" "$demo_device")")"
	token="$(printf '%s' "$login_reply" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')" ||
		die "login failed: $login_reply"
	local st
	st="$(curl -s -o "$tmp/me.json" -w '%{http_code}' \
		-H "Authorization: Bearer $token" "$akted_url/api/v1/me")"
	[ "$st" = 200 ] || die "GET /api/v1/me answered $st"
	rid="$(json_get "$tmp/me.json" 'j["records"][0]["id"]')" ||
		die "GET /api/v1/me has no records[0].id: $(cat "$tmp/me.json")"
}

# Stops the current akted and removes its data directory (disk space).
akted_stop() {
	local keep=() pid
	kill "$akted_pid" 2>/dev/null || true
	wait "$akted_pid" 2>/dev/null || true
	for pid in "${pids[@]}"; do
		[ "$pid" = "$akted_pid" ] || keep+=("$pid")
	done
	pids=("${keep[@]+"${keep[@]}"}")
	[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$akted_data"
	akted_pid=""
}

# Peak resident set of the current akted in KiB; akted_hwm_reset sets the
# peak back to the current resident set (clear_refs 5, Linux >= 4.0), so
# that a phase's peak is not the login's (the password hash takes tens of
# MiB for a moment).
akted_hwm() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$akted_pid/status"
}
akted_hwm_reset() {
	echo 5 >"/proc/$akted_pid/clear_refs" 2>/dev/null ||
		log "cannot reset akted's VmHWM: the peaks include the login's"
}
kib_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# upload FILE TITLE -> sets doc_id; dies unless 201. Streams the file (-T),
# so curl neither holds it in memory nor chunks it: Content-Length is the
# file's size. "Expect:" off, as browsers do not send it. Sets up_time.
up_time="" doc_id=""
upload() {
	local file="$1" title="$2" code rc=0
	curl_wait -sS -o "$tmp/up.json" -w '%{http_code} %{time_total}\n' \
		-X POST -T "$file" -H 'Expect:' \
		-H "Authorization: Bearer $token" -H 'Content-Type: application/octet-stream' \
		"$akted_url/api/v1/records/$rid/documents?title=$title&category=sonstiges" \
		>"$tmp/curl.out" || rc=$?
	[ "$rc" = 0 ] || die "upload of $file failed: curl exit $rc"
	read -r code up_time <"$tmp/curl.out"
	[ "$code" = 201 ] || die "upload answered $code: $(head -c 300 "$tmp/up.json")"
	doc_id="$(json_get "$tmp/up.json" 'j["id"]')"
}

# download URL [curl args] -> sets down_time; dies unless 200 and the whole
# size arrived.
down_time=""
download() {
	local url="$1" want="$2" code got rc=0; shift 2
	curl_wait -sS -o /dev/null -w '%{http_code} %{time_total} %{size_download}\n' \
		"$@" "$url" >"$tmp/curl.out" || rc=$?
	[ "$rc" = 0 ] || die "download of $url failed: curl exit $rc"
	read -r code down_time got <"$tmp/curl.out"
	[ "$code" = 200 ] || die "GET $url answered $code"
	[ "$got" = "$want" ] || die "GET $url gave $got bytes, not $want"
}

# --- nginx ----------------------------------------------------------------
# As in bench/http.sh: two workers, keep-alive, sendfile, access log to a
# file; it serves the transfer file and a 1 KiB file from $tmp/nginx/www.
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

status=0

# --- 1. transfer ----------------------------------------------------------
# Per size: the file (in nginx's root, so both serve the very same bytes),
# an akted with its blob store, both in $tmp; the download goes to
# /dev/null. Four times the size free is asked for, to leave room.
t_size=() t_up=() t_down=() t_nginx=() t_login=() t_idle=() t_hwm_up=() t_hwm_down=()
for size in $sizes; do
	bytes="$(numfmt --from=iec "$size")" || die "BENCH_SIZES: cannot read $size"
	label="$(numfmt --to=iec-i --suffix=B "$bytes")"
	avail="$(df --output=avail -B1 "$tmp" | tail -n 1 | tr -d ' ')"
	if [ "$avail" -lt $(( 4 * bytes )) ]; then
		log "$label: skipped, $(numfmt --to=iec-i --suffix=B "$avail") free in $tmp, $(numfmt --to=iec-i --suffix=B $(( 4 * bytes ))) wanted"
		continue
	fi
	file="$tmp/nginx/www/doc.bin"
	head -c "$bytes" /dev/urandom >"$file"
	sha="$(sha256sum "$file" | cut -d' ' -f1)"

	akted_start "$size"
	login_hwm="$(akted_hwm)"
	akted_hwm_reset
	idle="$(akted_hwm)"
	log "$label: upload"
	upload "$file" bench
	hwm_up="$(akted_hwm)"
	akted_hwm_reset
	up_sha="$(json_get "$tmp/up.json" 'j["sha256"]')"
	[ "$up_sha" = "$sha" ] || die "$label: upload reports sha256 $up_sha, the file has $sha"
	t_up_s="$up_time"

	log "$label: download"
	download "$akted_url/api/v1/documents/$doc_id/content" "$bytes" \
		-H "Authorization: Bearer $token"
	hwm_down="$(akted_hwm)"
	t_down_s="$down_time"

	# Once more, outside the timing, into sha256sum.
	got_sha="$(curl -sS -H "Authorization: Bearer $token" \
		"$akted_url/api/v1/documents/$doc_id/content" | sha256sum | cut -d' ' -f1)"
	[ "$got_sha" = "$sha" ] || die "$label: downloaded sha256 $got_sha, the file has $sha"

	log "$label: nginx download"
	download "$nginx_url/doc.bin" "$bytes"
	t_nginx_s="$down_time"

	akted_stop
	rm -f "$file"
	t_size+=("$bytes")
	t_up+=("$(mbps "$bytes" "$t_up_s")")
	t_down+=("$(mbps "$bytes" "$t_down_s")")
	t_nginx+=("$(mbps "$bytes" "$t_nginx_s")")
	t_login+=("$login_hwm")
	t_idle+=("$idle")
	t_hwm_up+=("$hwm_up")
	t_hwm_down+=("$hwm_down")
done

# --- 2. list --------------------------------------------------------------
# One real document through the API, then ndocs - 1 clones of its rows
# (documents and blobs, whose id documents.blob_id references UNIQUE) with
# new ids and ever older created_at, written by sqlite3 into akted's
# database while akted runs (WAL; it waits for the lock). The clones' blob
# files do not exist: the list does not open them.
akted_start list
printf 'bench document for the list\n' >"$tmp/small.txt"
upload "$tmp/small.txt" list
log "list: cloning the document to $ndocs in all"
if [ "$ndocs" -gt 1 ]; then
	sqlite3 "$akted_data/akte.db" <<EOF || die "sqlite3 could not clone the document rows"
.bail on
.timeout 10000
BEGIN IMMEDIATE;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ndocs - 1)
INSERT INTO blobs (id, wrapped_key, size, created_at, record_id)
SELECT 'bench' || printf('%020d', n.i) || '4', b.wrapped_key, b.size, b.created_at - n.i,
       b.record_id
  FROM n, blobs b WHERE b.id = (SELECT blob_id FROM documents WHERE id = '$doc_id');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ndocs - 1)
INSERT INTO documents (id, record_id, blob_id, title, category, doc_date, content_type,
       filename, size, sha256, hidden, author_account_id, author_capacity, author_org_id,
       created_at)
SELECT 'bench' || printf('%020d', n.i) || '0', d.record_id,
       'bench' || printf('%020d', n.i) || '4', d.title || ' ' || n.i, d.category,
       d.doc_date, d.content_type, d.filename, d.size, d.sha256, d.hidden,
       d.author_account_id, d.author_capacity, d.author_org_id, d.created_at - n.i
  FROM n, documents d WHERE d.id = '$doc_id';
COMMIT;
EOF
fi
count="$(sqlite3 "$akted_data/akte.db" ".timeout 10000" \
	"SELECT count(*) FROM documents WHERE record_id = '$rid'")"
[ "$count" = "$ndocs" ] || die "the record has $count documents, not $ndocs"
list_url="$akted_url/api/v1/records/$rid/documents"
st="$(curl -s -o "$tmp/list.json" -w '%{http_code}' -H "Authorization: Bearer $token" "$list_url")"
[ "$st" = 200 ] || die "GET $list_url answered $st: $(head -c 300 "$tmp/list.json")"
items="$(json_get "$tmp/list.json" 'len(j["items"])')"
list_bytes="$(stat -c %s "$tmp/list.json")"
log "list: $items items, $list_bytes bytes per answer"

# latency_ms "1.22ms" -> 1.22 (wrk prints us, ms, s or m)
latency_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		printf "%.2f", n }'
}

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

akted_hwm_reset
run "akted document list" "$list_url" -H "Authorization: Bearer $token"
list_hwm="$(akted_hwm)"
run "nginx 1 KiB file" "$nginx_url/1k.bin"

# --- output ---------------------------------------------------------------
printf '\ntransfer (MB/s = 10^6 bytes/s; x nginx = over nginx download MB/s; RSS = akted peak MiB)\n'
printf '%-8s %9s %9s %9s %7s %7s %10s %9s %9s %9s\n' size "upload" "download" "nginx dl" \
	"up x" "down x" "RSS login" "RSS idle" "RSS up" "RSS down"
for i in "${!t_size[@]}"; do
	printf '%-8s %9s %9s %9s %7s %7s %10s %9s %9s %9s\n' \
		"$(numfmt --to=iec-i --suffix=B "${t_size[$i]}")" \
		"${t_up[$i]}" "${t_down[$i]}" "${t_nginx[$i]}" \
		"$(ratio "${t_up[$i]}" "${t_nginx[$i]}")" "$(ratio "${t_down[$i]}" "${t_nginx[$i]}")" \
		"$(kib_mib "${t_login[$i]}")" "$(kib_mib "${t_idle[$i]}")" \
		"$(kib_mib "${t_hwm_up[$i]}")" "$(kib_mib "${t_hwm_down[$i]}")"
done
if [ "${#t_size[@]}" -eq 0 ]; then
	log "no size was measured"
	status=1
elif [ "${#t_size[@]}" -ge 2 ]; then
	# The transfer peak of a size: the larger of upload and download.
	lo=$(( t_hwm_up[0] > t_hwm_down[0] ? t_hwm_up[0] : t_hwm_down[0] ))
	hi=$(( t_hwm_up[-1] > t_hwm_down[-1] ? t_hwm_up[-1] : t_hwm_down[-1] ))
	grow_kib=$(( hi - lo ))
	if [ "$grow_kib" -gt $(( rss_slack * 1024 )) ]; then
		printf 'peak RSS grew by %s MiB from %s to %s: not constant memory\n' \
			"$(kib_mib "$grow_kib")" "$(numfmt --to=iec-i --suffix=B "${t_size[0]}")" \
			"$(numfmt --to=iec-i --suffix=B "${t_size[-1]}")"
		status=1
	else
		printf 'peak RSS flat: %s MiB at %s, %s MiB at %s (slack %s MiB)\n' \
			"$(kib_mib "$lo")" "$(numfmt --to=iec-i --suffix=B "${t_size[0]}")" \
			"$(kib_mib "$hi")" "$(numfmt --to=iec-i --suffix=B "${t_size[-1]}")" "$rss_slack"
	fi
else
	printf 'peak RSS: one size only, growth not judged\n'
fi

nginx_rps="${rps[-1]}"
printf '\nlist of %s documents (%s items, %s bytes per answer)\n' "$ndocs" "$items" "$list_bytes"
printf '%-22s %12s %10s %10s\n' target "requests/s" "p99 ms" "x nginx"
for i in "${!names[@]}"; do
	printf '%-22s %12.0f %10s %10s\n' "${names[$i]}" "${rps[$i]:-0}" "${p99[$i]:--}" \
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
printf 'akted peak RSS during the list runs: %s MiB\n' "$(kib_mib "$list_hwm")"
printf '\nwrk -t%s -c%s -d%ss on %s cores, %s\n' "$threads" "$conns" "$seconds" \
	"$(nproc)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
exit "$status"
