/* test_multipart.c — unit tests of the streaming multipart/form-data parser
 * (src/http/multipart.c).
 *
 * Each test feeds a body and compares a transcript of the callbacks: part
 * beginnings with their strings, the part bytes (consecutive part_data calls
 * merged, since how data is chunked depends on how the body was split) and
 * part ends. The central property is that the transcript does not depend on
 * where the body is split, so bodies are fed whole, at every split point,
 * at every pair of split points and byte by byte. */
#include "http/multipart.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define CT "multipart/form-data; boundary=XbOuNdArY"
#define DELIM "--XbOuNdArY"

/* ---- a transcript of callback events ---- */

struct rec {
	char *log;
	size_t len, cap;
	int in_data;
	int keep_data;         /* 0: only count the bytes (big parts) */
	size_t data_bytes;     /* all part_data bytes */
	size_t max_chunk;      /* the largest part_data call */
	uint64_t pattern_pos;  /* for the big part: expected next byte index */
	int pattern_ok;
	int fail_on_begin;     /* a part_begin that refuses, by 1-based index */
	int begins;
};

static void rec_add(struct rec *r, const void *p, size_t n)
{
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 256;
		while (cap < r->len + n + 1)
			cap *= 2;
		r->log = realloc(r->log, cap);
		assert_non_null(r->log);
		r->cap = cap;
	}
	memcpy(r->log + r->len, p, n);
	r->len += n;
	r->log[r->len] = '\0';
}

static void rec_str(struct rec *r, const char *s)
{
	rec_add(r, s, strlen(s));
}

static int cb_begin(void *ctx, const char *name, const char *filename,
		    const char *content_type, struct err *e)
{
	struct rec *r = ctx;
	r->in_data = 0;
	if (++r->begins == r->fail_on_begin)
		return err_field(e, name, "refused by the test");
	rec_str(r, "<begin name=");
	rec_str(r, name);
	if (filename) {
		rec_str(r, " filename=");
		rec_str(r, filename);
	}
	if (content_type) {
		rec_str(r, " type=");
		rec_str(r, content_type);
	}
	rec_str(r, ">");
	return 0;
}

static int cb_data(void *ctx, const void *data, size_t n, struct err *e)
{
	(void)e;
	struct rec *r = ctx;
	assert_true(n > 0);
	r->data_bytes += n;
	if (n > r->max_chunk)
		r->max_chunk = n;
	if (!r->keep_data) {
		const unsigned char *p = data;
		for (size_t i = 0; i < n; i++, r->pattern_pos++)
			if (p[i] != (unsigned char)(r->pattern_pos * 7 + (r->pattern_pos >> 11)))
				r->pattern_ok = 0;
		return 0;
	}
	if (!r->in_data)
		rec_str(r, "<data>");
	r->in_data = 1;
	rec_add(r, data, n);
	return 0;
}

static int cb_end(void *ctx, struct err *e)
{
	(void)e;
	struct rec *r = ctx;
	r->in_data = 0;
	rec_str(r, "<end>");
	return 0;
}

static const struct multipart_callbacks cbs = {cb_begin, cb_data, cb_end};

static void rec_init(struct rec *r)
{
	memset(r, 0, sizeof *r);
	r->keep_data = 1;
	r->pattern_ok = 1;
	rec_str(r, "");
}

/* Feeds body split at the given cut points (ascending) and finishes; the
 * transcript goes to r, the error (if any) to e. Returns 0 or -1. */
static int run_cuts(const char *ct, const void *body, size_t len, const size_t *cuts,
		    size_t ncuts, struct rec *r, struct err *e)
{
	rec_init(r);
	err_clear(e);
	struct multipart *mp = multipart_new(ct, &cbs, r, e);
	if (!mp)
		return -1;
	const unsigned char *p = body;
	size_t at = 0;
	int rc = 0;
	for (size_t i = 0; i <= ncuts && rc == 0; i++) {
		size_t to = i < ncuts ? cuts[i] : len;
		rc = multipart_feed(mp, p + at, to - at, e);
		if (rc == 0)
			rc = multipart_feed(mp, p + to, 0, e); /* empty pieces are fine */
		at = to;
	}
	if (rc == 0)
		rc = multipart_finish(mp, e);
	multipart_free(mp);
	return rc;
}

static int run_whole(const char *ct, const void *body, size_t len, struct rec *r, struct err *e)
{
	return run_cuts(ct, body, len, NULL, 0, r, e);
}

static int run_bytewise(const char *ct, const void *body, size_t len, struct rec *r,
			struct err *e)
{
	rec_init(r);
	err_clear(e);
	struct multipart *mp = multipart_new(ct, &cbs, r, e);
	if (!mp)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < len && rc == 0; i++)
		rc = multipart_feed(mp, (const unsigned char *)body + i, 1, e);
	if (rc == 0)
		rc = multipart_finish(mp, e);
	multipart_free(mp);
	return rc;
}

/* Runs body whole, checks the result and transcript, then checks that every
 * split (each single cut, each pair of cuts when pairs is set, byte by byte)
 * gives the same result, transcript and error message. */
static void check_splits(const char *ct, const void *body, size_t len, int pairs,
			 int want_rc, const char *want_log, size_t want_log_len)
{
	struct rec whole, r;
	struct err ew, e;
	int rc = run_whole(ct, body, len, &whole, &ew);
	assert_int_equal(rc, want_rc);
	if (want_log) {
		assert_int_equal(whole.len, want_log_len);
		assert_memory_equal(whole.log, want_log, want_log_len);
	}
	for (size_t i = 0; i <= len; i++) {
		rc = run_cuts(ct, body, len, &i, 1, &r, &e);
		assert_int_equal(rc, want_rc);
		assert_int_equal(r.len, whole.len);
		assert_memory_equal(r.log, whole.log, whole.len);
		assert_string_equal(e.msg, ew.msg);
		free(r.log);
		for (size_t j = i; pairs && j <= len; j++) {
			size_t cuts[2] = {i, j};
			rc = run_cuts(ct, body, len, cuts, 2, &r, &e);
			assert_int_equal(rc, want_rc);
			assert_int_equal(r.len, whole.len);
			assert_memory_equal(r.log, whole.log, whole.len);
			free(r.log);
		}
	}
	rc = run_bytewise(ct, body, len, &r, &e);
	assert_int_equal(rc, want_rc);
	assert_int_equal(r.len, whole.len);
	assert_memory_equal(r.log, whole.log, whole.len);
	assert_string_equal(e.msg, ew.msg);
	free(r.log);
	free(whole.log);
}

#define LIT(s) s, sizeof(s) - 1

/* ---- the tests ---- */

/* The binary part holds CR, LF, "--", a NUL, a CRLF-- without the boundary,
 * the boundary without its CRLF, and delimiter prefixes cut short by one. */
#define BINARY "\x00\x01\r\n--\r\r\n-\r\n--XbOuNd\n--XbOuNdArY \r\n--XbOuNdAr\xff\r"
static const char form[] =
	"--XbOuNdArY\r\n"
	"Content-Disposition: form-data; name=\"title\"\r\n"
	"\r\n"
	"Befund Mai\r\n"
	"--XbOuNdArY\r\n"
	"content-disposition: form-data; name=\"file\"; filename=\"scan.bin\"\r\n"
	"CONTENT-TYPE: application/octet-stream\r\n"
	"X-Unknown: ignored\r\n"
	"\r\n" BINARY "\r\n"
	"--XbOuNdArY\r\n"
	"Content-Disposition: form-data; name=date\r\n"
	"\r\n"
	"2024-05-01\r\n"
	"--XbOuNdArY--\r\n";
static const char form_log[] =
	"<begin name=title><data>Befund Mai<end>"
	"<begin name=file filename=scan.bin type=application/octet-stream><data>" BINARY "<end>"
	"<begin name=date><data>2024-05-01<end>";

static void test_form_every_split(void **state)
{
	(void)state;
	check_splits(CT, LIT(form), 1, 0, LIT(form_log));
}

static void test_quoted_boundary(void **state)
{
	(void)state;
	const char body[] = "--a b:c?\r\nContent-Disposition: form-data; name=x\r\n\r\n"
			    "1\r\n--a b:c?--";
	struct rec r;
	struct err e;
	assert_int_equal(run_whole("Multipart/Form-Data ; charset=utf-8; BOUNDARY=\"a b:c?\"",
				   LIT(body), &r, &e), 0);
	assert_string_equal(r.log, "<begin name=x><data>1<end>");
	free(r.log);
	/* a boundary with transport padding after it */
	const char padded[] = "--b \t\r\nContent-Disposition: form-data; name=x\r\n\r\n"
			      "\r\n--b--";
	assert_int_equal(run_whole("multipart/form-data;boundary=b", LIT(padded), &r, &e), 0);
	assert_string_equal(r.log, "<begin name=x><end>");
	free(r.log);
}

static void test_filename_verbatim(void **state)
{
	(void)state;
	const char body[] =
		"--XbOuNdArY\r\n"
		"Content-Disposition: form-data; name=\"f\\\"1\"; "
		"filename=\"../../etc/\\\"pass\\\\wd\x01\x7f\t\xc3\xa4.txt\"\r\n"
		"\r\nx\r\n"
		"--XbOuNdArY\r\n"
		"Content-Disposition: form-data; name=g; filename=\"C:\\Users\\a\\b.pdf\"\r\n"
		"\r\n\r\n"
		"--XbOuNdArY--";
	check_splits(CT, LIT(body), 0, 0,
		     LIT("<begin name=f\"1 filename=../../etc/\"pass\\wd\x01\x7f\t\xc3\xa4.txt>"
			 "<data>x<end>"
			 "<begin name=g filename=C:\\Users\\a\\b.pdf><end>"));
}

static void test_filename_ext(void **state)
{
	(void)state;
	const char body[] =
		"--XbOuNdArY\r\n"
		"Content-Disposition: form-data; name=a; filename*=UTF-8''%C3%A4rztbrief%20%2E.pdf;"
		" filename=\"fallback.pdf\"\r\n\r\n\r\n"
		"--XbOuNdArY\r\n"
		"Content-Disposition: form-data; name=b; FILENAME*=iso-8859-1'de'%E4\r\n\r\n\r\n"
		"--XbOuNdArY--";
	struct rec r;
	struct err e;
	assert_int_equal(run_whole(CT, LIT(body), &r, &e), 0);
	assert_string_equal(r.log, "<begin name=a filename=\xc3\xa4rztbrief ..pdf><end>"
				   "<begin name=b filename=\xc3\xa4><end>");
	free(r.log);
	const char *bad[] = {
		"filename*=UTF-8''%00x",     /* a NUL */
		"filename*=UTF-8''%4",       /* cut escape */
		"filename*=UTF-8''%zz",      /* not hex */
		"filename*=KOI8-R''abc",     /* charset */
		"filename*=UTF-8'abc",       /* no language delimiter */
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char b[256];
		int n = snprintf(b, sizeof b,
				 "--XbOuNdArY\r\nContent-Disposition: form-data; name=a; %s\r\n"
				 "\r\n\r\n--XbOuNdArY--", bad[i]);
		assert_int_equal(run_whole(CT, b, (size_t)n, &r, &e), -1);
		assert_int_equal(e.code, ERR_MALFORMED);
		free(r.log);
	}
}

static void expect_malformed(const char *ct, const char *body, size_t len, const char *msg_part)
{
	struct rec r;
	struct err e;
	/* the same error whole and in every split */
	check_splits(ct, body, len, 0, -1, NULL, 0);
	assert_int_equal(run_whole(ct, body, len, &r, &e), -1);
	assert_int_equal(e.code, ERR_MALFORMED);
	if (!strstr(e.msg, msg_part))
		fail_msg("error \"%s\" lacks \"%s\"", e.msg, msg_part);
	free(r.log);
}

static void test_truncated(void **state)
{
	(void)state;
	/* no closing boundary; the first part is complete */
	const char body[] = "--XbOuNdArY\r\nContent-Disposition: form-data; name=a\r\n\r\n"
			    "1\r\n--XbOuNdArY\r\n";
	expect_malformed(CT, LIT(body), "truncated multipart body");
	/* ending mid-part, inside a possible delimiter: no part_end, and the
	 * held-back bytes are not passed on */
	const char mid[] = "--XbOuNdArY\r\nContent-Disposition: form-data; name=a\r\n\r\n"
			   "12345\r\n--XbOu";
	struct rec r;
	struct err e;
	assert_int_equal(run_whole(CT, LIT(mid), &r, &e), -1);
	assert_string_equal(r.log, "<begin name=a><data>12345");
	assert_non_null(strstr(e.msg, "truncated"));
	free(r.log);
	expect_malformed(CT, LIT(mid), "truncated");
	/* in the headers, in the preamble, empty */
	expect_malformed(CT, LIT("--XbOuNdArY\r\nContent-Disp"), "truncated");
	expect_malformed(CT, LIT("just a preamble"), "truncated");
	expect_malformed(CT, "", 0, "truncated");
	/* a closing boundary with "-" only */
	expect_malformed(CT, LIT("--XbOuNdArY-"), "truncated");
}

static void test_headers_too_large(void **state)
{
	(void)state;
	size_t cap = 3 * MULTIPART_MAX_HEADER_BYTES;
	char *b = malloc(cap);
	assert_non_null(b);
	/* one header of 8 KiB */
	int n = snprintf(b, cap, "--XbOuNdArY\r\nContent-Disposition: form-data; name=a\r\nX: ");
	memset(b + n, 'x', MULTIPART_MAX_HEADER_BYTES);
	n += MULTIPART_MAX_HEADER_BYTES;
	n += snprintf(b + n, cap - (size_t)n, "\r\n\r\n\r\n--XbOuNdArY--");
	struct rec r;
	struct err e;
	assert_int_equal(run_whole(CT, b, (size_t)n, &r, &e), -1);
	assert_string_equal(e.msg, "part headers too large");
	free(r.log);
	assert_int_equal(run_bytewise(CT, b, (size_t)n, &r, &e), -1);
	assert_string_equal(e.msg, "part headers too large");
	free(r.log);
	/* exactly at the limit, the blank line included, is fine */
	const char *head = "--XbOuNdArY\r\n";
	const char *disp = "Content-Disposition: form-data; name=a\r\nX: ";
	n = snprintf(b, cap, "%s%s", head, disp);
	size_t fill = MULTIPART_MAX_HEADER_BYTES - strlen(disp) - 4;
	memset(b + n, 'y', fill);
	n += (int)fill;
	n += snprintf(b + n, cap - (size_t)n, "\r\n\r\n\r\n--XbOuNdArY--");
	assert_int_equal(run_whole(CT, b, (size_t)n, &r, &e), 0);
	free(r.log);
	/* one byte more is not */
	n = snprintf(b, cap, "%s%s", head, disp);
	memset(b + n, 'y', fill + 1);
	n += (int)fill + 1;
	n += snprintf(b + n, cap - (size_t)n, "\r\n\r\n\r\n--XbOuNdArY--");
	assert_int_equal(run_whole(CT, b, (size_t)n, &r, &e), -1);
	assert_string_equal(e.msg, "part headers too large");
	free(r.log);
	/* 16 lines are fine, 17 are not */
	for (int lines = 16; lines <= 17; lines++) {
		n = snprintf(b, cap, "--XbOuNdArY\r\nContent-Disposition: form-data; name=a\r\n");
		for (int i = 1; i < lines; i++)
			n += snprintf(b + n, cap - (size_t)n, "X-%d: y\r\n", i);
		n += snprintf(b + n, cap - (size_t)n, "\r\n\r\n--XbOuNdArY--");
		assert_int_equal(run_whole(CT, b, (size_t)n, &r, &e), lines == 16 ? 0 : -1);
		if (lines == 17)
			assert_non_null(strstr(e.msg, "part headers too large"));
		free(r.log);
	}
	free(b);
}

static void test_too_many_parts(void **state)
{
	(void)state;
	char b[8192];
	for (int parts = MULTIPART_MAX_PARTS; parts <= MULTIPART_MAX_PARTS + 1; parts++) {
		int n = 0;
		for (int i = 0; i < parts; i++)
			n += snprintf(b + n, sizeof b - (size_t)n,
				      "--XbOuNdArY\r\nContent-Disposition: form-data; name=f%d\r\n"
				      "\r\n%d\r\n", i, i);
		n += snprintf(b + n, sizeof b - (size_t)n, "--XbOuNdArY--");
		struct rec r;
		struct err e;
		int rc = run_whole(CT, b, (size_t)n, &r, &e);
		if (parts == MULTIPART_MAX_PARTS) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, -1);
			assert_int_equal(e.code, ERR_MALFORMED);
			assert_string_equal(e.msg, "the form has too many parts");
		}
		free(r.log);
	}
}

static void test_bad_part_headers(void **state)
{
	(void)state;
	expect_malformed(CT, LIT("--XbOuNdArY\r\nContent-Type: text/plain\r\n\r\nx\r\n--XbOuNdArY--"),
			 "no Content-Disposition");
	expect_malformed(CT, LIT("--XbOuNdArY\r\n\r\nx\r\n--XbOuNdArY--"), "no Content-Disposition");
	expect_malformed(CT, LIT("--XbOuNdArY\r\nContent-Disposition: attachment; name=a\r\n\r\n"
				 "\r\n--XbOuNdArY--"), "not form-data");
	expect_malformed(CT, LIT("--XbOuNdArY\r\nContent-Disposition: form-datax; name=a\r\n\r\n"
				 "\r\n--XbOuNdArY--"), "not form-data");
	expect_malformed(CT, LIT("--XbOuNdArY\r\nContent-Disposition: form-data; filename=a\r\n"
				 "\r\n\r\n--XbOuNdArY--"), "no name");
	expect_malformed(CT, LIT("--XbOuNdArY\r\nContent-Disposition: form-data; name=\"\"\r\n"
				 "\r\n\r\n--XbOuNdArY--"), "no name");
	expect_malformed(CT, LIT("--XbOuNdArY\r\nContent-Disposition: form-data; name=\"a\r\n"
				 "\r\n\r\n--XbOuNdArY--"), "malformed");
	expect_malformed(CT, LIT("--XbOuNdArY\r\nContent-Disposition: form-data; name=a; name=b\r\n"
				 "\r\n\r\n--XbOuNdArY--"), "repeats");
	expect_malformed(CT, LIT("--XbOuNdArY\r\nContent-Disposition: form-data; name=a\r\n"
				 "Content-Disposition: form-data; name=b\r\n\r\n\r\n--XbOuNdArY--"),
			 "two Content-Disposition");
	expect_malformed(CT, LIT("--XbOuNdArY\r\nContent-Disposition: form-data; name=a\r\n"
				 " filename=b\r\n\r\n\r\n--XbOuNdArY--"), "folded");
	expect_malformed(CT, LIT("--XbOuNdArY\r\nno colon here\r\n\r\n\r\n--XbOuNdArY--"),
			 "malformed");
	expect_malformed(CT, LIT("--XbOuNdArY\r\nContent-Disposition: form-data; name=a\n\r\n"
				 "\r\n--XbOuNdArY--"), "CRLF");
	expect_malformed(CT, LIT("--XbOuNdArY\r\nContent-Disposition: form-data; name=a\r\r\n\r\n"
				 "\r\n--XbOuNdArY--"), "bare CR");
	/* a NUL in a name, quoted or not */
	expect_malformed(CT, LIT("--XbOuNdArY\r\nContent-Disposition: form-data; name=\"a\0b\"\r\n"
				 "\r\n\r\n--XbOuNdArY--"), "NUL");
	/* a boundary line with something after the boundary */
	expect_malformed(CT, LIT("--XbOuNdArYz\r\n"), "boundary line");
	expect_malformed(CT, LIT("--XbOuNdArY\r\nContent-Disposition: form-data; name=a\r\n\r\n"
				 "x\r\n--XbOuNdArY-x"), "boundary line");
}

static void test_name_limits(void **state)
{
	(void)state;
	char name[MULTIPART_MAX_NAME + 2];
	for (size_t len = MULTIPART_MAX_NAME; len <= MULTIPART_MAX_NAME + 1; len++) {
		memset(name, 'n', len);
		name[len] = '\0';
		char b[1024];
		struct rec r;
		struct err e;
		for (int as_file = 0; as_file <= 1; as_file++) {
			int n = snprintf(b, sizeof b,
					 "--XbOuNdArY\r\nContent-Disposition: form-data; name=\"%s\"%s%s%s\r\n"
					 "\r\n\r\n--XbOuNdArY--",
					 as_file ? "a" : name, as_file ? "; filename=\"" : "",
					 as_file ? name : "", as_file ? "\"" : "");
			int rc = run_whole(CT, b, (size_t)n, &r, &e);
			assert_int_equal(rc, len == MULTIPART_MAX_NAME ? 0 : -1);
			if (rc < 0)
				assert_non_null(strstr(e.msg, "too long"));
			free(r.log);
		}
	}
}

static void test_content_type_header(void **state)
{
	(void)state;
	struct err e;
	struct rec r;
	rec_init(&r);
	char ct[160];
	/* 70 characters are the most RFC 2046 allows */
	snprintf(ct, sizeof ct, "multipart/form-data; boundary=%070d", 7);
	struct multipart *mp = multipart_new(ct, &cbs, &r, &e);
	assert_non_null(mp);
	multipart_free(mp);
	snprintf(ct, sizeof ct, "multipart/form-data; boundary=%071d", 7);
	assert_null(multipart_new(ct, &cbs, &r, &e));
	assert_int_equal(e.code, ERR_MALFORMED);
	const char *malformed[] = {
		"multipart/form-data",
		"multipart/form-data;",
		"multipart/form-data; charset=utf-8",
		"multipart/form-data; boundary=",
		"multipart/form-data; boundary=\"\"",
		"multipart/form-data; boundary=\"abc",
		"multipart/form-data; boundary=a; boundary=b",
		"multipart/form-data; boundary=\"a b \"",      /* ends in a space */
		"multipart/form-data; boundary=\"a\\\"b\"",    /* '"' is no bchar */
		"multipart/form-data; boundary=ab[c]",         /* nor '[' */
		"multipart/form-data; boundary=abc junk",
	};
	for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
		err_clear(&e);
		assert_null(multipart_new(malformed[i], &cbs, &r, &e));
		if (e.code != ERR_MALFORMED)
			fail_msg("%s: code %d", malformed[i], e.code);
	}
	const char *media[] = {NULL, "", "text/plain", "multipart/mixed; boundary=a",
			       "multipart/form-datax; boundary=a", "application/json"};
	for (size_t i = 0; i < sizeof media / sizeof *media; i++) {
		err_clear(&e);
		assert_null(multipart_new(media[i], &cbs, &r, &e));
		assert_int_equal(e.code, ERR_MEDIA_TYPE);
	}
	free(r.log);
}

static void test_preamble_epilogue(void **state)
{
	(void)state;
	const char body[] = "This is the preamble. --XbOuNdArY is not a delimiter here\r\n"
			    "--XbOuNdAr\r\n\r\n"
			    "--XbOuNdArY\r\nContent-Disposition: form-data; name=a\r\n\r\n"
			    "v\r\n--XbOuNdArY--\r\nepilogue\r\n--XbOuNdArY\r\ngarbage";
	check_splits(CT, LIT(body), 1, 0, LIT("<begin name=a><data>v<end>"));
}

static void test_empty_parts(void **state)
{
	(void)state;
	const char body[] = "--XbOuNdArY\r\n"
			    "Content-Disposition: form-data; name=\"file\"; filename=\"\"\r\n"
			    "Content-Type: application/octet-stream\r\n\r\n"
			    "\r\n--XbOuNdArY\r\n"
			    "Content-Disposition: form-data; name=e\r\n\r\n"
			    "\r\n--XbOuNdArY--";
	check_splits(CT, LIT(body), 1, 0,
		     LIT("<begin name=file filename= type=application/octet-stream><end>"
			 "<begin name=e><end>"));
}

static void test_callback_error(void **state)
{
	(void)state;
	struct rec r;
	struct err e;
	rec_init(&r);
	r.fail_on_begin = 2;
	err_clear(&e);
	struct multipart *mp = multipart_new(CT, &cbs, &r, &e);
	assert_non_null(mp);
	assert_int_equal(multipart_feed(mp, LIT(form), &e), -1);
	assert_int_equal(e.code, ERR_INVALID);
	assert_string_equal(e.field, "file");
	/* stopped: no more events, every later call fails */
	assert_string_equal(r.log, "<begin name=title><data>Befund Mai<end>");
	err_clear(&e);
	assert_int_equal(multipart_feed(mp, "x", 1, &e), -1);
	assert_int_equal(e.code, ERR_MALFORMED);
	assert_int_equal(multipart_feed(mp, "", 0, &e), -1);
	assert_int_equal(multipart_finish(mp, &e), -1);
	multipart_free(mp);
	multipart_free(NULL);
	free(r.log);
	/* a parse error too makes later feeds fail */
	rec_init(&r);
	mp = multipart_new(CT, &cbs, &r, &e);
	assert_non_null(mp);
	assert_int_equal(multipart_feed(mp, LIT("--XbOuNdArY\r\n\r\n"), &e), -1);
	assert_int_equal(multipart_feed(mp, LIT(form), &e), -1);
	assert_int_equal(r.len, 0);
	multipart_free(mp);
	free(r.log);
}

/* A 5 MiB part in 64 KiB pieces: every byte arrives in order, no part_data
 * call is larger than a piece plus a held-back delimiter prefix, so the
 * parser holds nothing of the part itself. The pattern puts a CR and the
 * delimiter's first bytes into the data now and then. */
static void test_big_part_streams(void **state)
{
	(void)state;
	const size_t size = 5u << 20, piece = 64u << 10;
	const char head[] = "--XbOuNdArY\r\nContent-Disposition: form-data; name=file; "
			    "filename=big.bin\r\n\r\n";
	const char tail[] = "\r\n--XbOuNdArY--\r\n";
	struct rec r;
	struct err e;
	rec_init(&r);
	r.keep_data = 0;
	err_clear(&e);
	struct multipart *mp = multipart_new(CT, &cbs, &r, &e);
	assert_non_null(mp);
	assert_int_equal(multipart_feed(mp, LIT(head), &e), 0);
	unsigned char *buf = malloc(piece);
	assert_non_null(buf);
	for (size_t off = 0; off < size; off += piece) {
		for (size_t i = 0; i < piece; i++) {
			uint64_t pos = off + i;
			buf[i] = (unsigned char)(pos * 7 + (pos >> 11));
		}
		/* a delimiter prefix across the piece boundary now and then */
		if (off % (piece * 4) == 0)
			memcpy(buf + piece - 6, "\r\n--Xb", 6);
		assert_int_equal(multipart_feed(mp, buf, piece, &e), 0);
	}
	assert_int_equal(multipart_feed(mp, LIT(tail), &e), 0);
	assert_int_equal(multipart_finish(mp, &e), 0);
	multipart_free(mp);
	free(buf);
	assert_int_equal(r.data_bytes, size);
	assert_true(r.max_chunk <= piece + strlen("\r\n" DELIM));
	assert_string_equal(r.log, "<begin name=file filename=big.bin><end>");
	free(r.log);
}

/* The pattern check of the big part, on its own: data arrives in order. */
static void test_big_part_bytes(void **state)
{
	(void)state;
	const size_t size = 1u << 20, piece = 4093; /* odd pieces */
	struct rec r;
	struct err e;
	rec_init(&r);
	r.keep_data = 0;
	struct multipart *mp = multipart_new(CT, &cbs, &r, &e);
	assert_non_null(mp);
	assert_int_equal(multipart_feed(mp, LIT("--XbOuNdArY\r\nContent-Disposition: form-data; "
						"name=f\r\n\r\n"), &e), 0);
	unsigned char *buf = malloc(size);
	assert_non_null(buf);
	for (size_t pos = 0; pos < size; pos++)
		buf[pos] = (unsigned char)(pos * 7 + (pos >> 11));
	for (size_t off = 0; off < size; off += piece)
		assert_int_equal(multipart_feed(mp, buf + off, off + piece < size ? piece : size - off,
						&e), 0);
	assert_int_equal(multipart_feed(mp, LIT("\r\n--XbOuNdArY--"), &e), 0);
	assert_int_equal(multipart_finish(mp, &e), 0);
	multipart_free(mp);
	free(buf);
	assert_int_equal(r.data_bytes, size);
	assert_true(r.pattern_ok);
	assert_true(r.max_chunk <= piece + strlen("\r\n" DELIM));
	free(r.log);
}

/* Null callbacks are skipped; a body with many CRs that are no delimiter. */
static void test_null_callbacks_and_crs(void **state)
{
	(void)state;
	static const struct multipart_callbacks none = {NULL, NULL, NULL};
	struct err e;
	struct multipart *mp = multipart_new(CT, &none, NULL, &e);
	assert_non_null(mp);
	assert_int_equal(multipart_feed(mp, LIT(form), &e), 0);
	assert_int_equal(multipart_finish(mp, &e), 0);
	multipart_free(mp);
	char b[600];
	int n = snprintf(b, sizeof b, "--XbOuNdArY\r\nContent-Disposition: form-data; name=a\r\n\r\n");
	int start = n;
	for (int i = 0; i < 100; i++)
		b[n++] = "\r\r\n-"[i % 4];
	int stop = n;
	n += snprintf(b + n, sizeof b - (size_t)n, "\r\n--XbOuNdArY--");
	char want[300];
	int w = snprintf(want, sizeof want, "<begin name=a><data>");
	memcpy(want + w, b + start, (size_t)(stop - start));
	w += stop - start;
	w += snprintf(want + w, sizeof want - (size_t)w, "<end>");
	check_splits(CT, b, (size_t)n, 0, 0, want, (size_t)w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_every_split),
		cmocka_unit_test(test_quoted_boundary),
		cmocka_unit_test(test_filename_verbatim),
		cmocka_unit_test(test_filename_ext),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_headers_too_large),
		cmocka_unit_test(test_too_many_parts),
		cmocka_unit_test(test_bad_part_headers),
		cmocka_unit_test(test_name_limits),
		cmocka_unit_test(test_content_type_header),
		cmocka_unit_test(test_preamble_epilogue),
		cmocka_unit_test(test_empty_parts),
		cmocka_unit_test(test_callback_error),
		cmocka_unit_test(test_big_part_streams),
		cmocka_unit_test(test_big_part_bytes),
		cmocka_unit_test(test_null_callbacks_and_crs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
