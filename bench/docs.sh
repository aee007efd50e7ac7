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
# exit, together with every server it started; the parts shared with
# bench/http.sh are in bench/lib.sh. See bench/README.md.
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
rss_slack="${BENCH_RSS_SLACK:-16}"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

bench_prepare wrk nginx curl oathtool python3 sqlite3 numfmt sha256sum
[ "$ndocs" -ge 1 ] 2>/dev/null || die "BENCH_DOCS must be a positive number"
bench_workdir

# json_get FILE EXPR: EXPR evaluated in Python on the parsed JSON as j.
json_get() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# mbps BYTES SECONDS -> MB/s (10^6 bytes)
mbps() {
	awk -v b="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.1f", b / t / 1e6; else print 0 }'
}

# --- akted ----------------------------------------------------------------
# A fresh akted (akted_start of bench/lib.sh: fresh data directory, so a
# fresh demo account and a fresh VmHWM) per phase, logged in as the demo
# patient. Sets akted_pid, akted_url, akted_data, token, and rid, the id of
# the patient's first record.
rid=""
akted_start_record() {
	akted_start "$1"
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
# nginx_start of bench/lib.sh, as in bench/http.sh; it serves the transfer
# file and a 1 KiB file from $tmp/nginx/www.
nginx_start

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

	akted_start_record "$size"
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
akted_start_record list
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

printf '\nlist of %s documents (%s items, %s bytes per answer)\n' "$ndocs" "$items" "$list_bytes"
wrk_table 22
printf 'akted peak RSS during the list runs: %s MiB\n' "$(kib_mib "$list_hwm")"
wrk_footer
exit "$status"
