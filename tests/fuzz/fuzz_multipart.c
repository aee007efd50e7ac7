/* fuzz_multipart.c — the streaming multipart/form-data parser
 * (src/http/multipart.c).
 *
 * Input layout: byte 0 chooses the piece size (1..256), byte 1 one of a few
 * fixed Content-Type headers (short boundaries make accidental delimiters
 * likely), the rest is the body. The body is parsed twice, whole and in
 * pieces; a third, tiny pass hands the whole input to multipart_new as a
 * Content-Type header.
 *
 * Invariants beyond "no crash":
 *   - the transcript of callbacks (part_begin strings, part bytes with
 *     consecutive part_data merged, part_end), the result of feed/finish and
 *     the error message are the same whole and in pieces;
 *   - part_begin strings are NUL-terminated, within the limits, name
 *     non-empty; part_data is never empty, and no call is larger than the
 *     piece being fed plus a delimiter;
 *   - at most MULTIPART_MAX_PARTS parts; events come in begin/data/end order;
 *   - every failure is ERR_MALFORMED, and later calls keep failing. */
#include "http/multipart.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"


static const char *const headers[] = {
	"multipart/form-data; boundary=XbOuNdArY",
	"multipart/form-data; boundary=b",
	"multipart/form-data; boundary=\"a b:c?\"",
	"Multipart/Form-Data;BOUNDARY=--",
};
#define NHEADERS (sizeof headers / sizeof *headers)
#define MAX_DELIM (4 + MULTIPART_MAX_BOUNDARY)

struct trace {
	unsigned char *log;
	size_t len, cap;
	int in_part, in_data, parts;
	size_t piece; /* the size of the piece being fed */
};

static void trace_add(struct trace *t, const void *p, size_t n)
{
	if (t->len + n > t->cap) {
		size_t cap = t->cap ? t->cap : 1024;
		while (cap < t->len + n)
			cap *= 2;
		t->log = realloc(t->log, cap);
		CHECK(t->log);
		t->cap = cap;
	}
	memcpy(t->log + t->len, p, n);
	t->len += n;
}

static void trace_str(struct trace *t, const char *s, size_t max)
{
	size_t n = strlen(s);
	CHECK(n <= max);
	trace_add(t, s, n + 1); /* the NUL separates the strings */
}

static int on_begin(void *ctx, const char *name, const char *filename,
		    const char *content_type, struct err *e)
{
	(void)e;
	struct trace *t = ctx;
	CHECK(!t->in_part);
	CHECK(++t->parts <= MULTIPART_MAX_PARTS);
	t->in_part = 1;
	t->in_data = 0;
	CHECK(name && name[0]);
	trace_add(t, "B", 1);
	trace_str(t, name, MULTIPART_MAX_NAME);
	trace_str(t, filename ? filename : "(none)", MULTIPART_MAX_NAME);
	trace_str(t, content_type ? content_type : "(none)", MULTIPART_MAX_NAME);
	return 0;
}

static int on_data(void *ctx, const void *data, size_t n, struct err *e)
{
	(void)e;
	struct trace *t = ctx;
	CHECK(t->in_part);
	CHECK(n > 0);
	CHECK(n <= t->piece + MAX_DELIM);
	if (!t->in_data)
		trace_add(t, "D", 1);
	t->in_data = 1;
	trace_add(t, data, n);
	return 0;
}

static int on_end(void *ctx, struct err *e)
{
	(void)e;
	struct trace *t = ctx;
	CHECK(t->in_part);
	t->in_part = 0;
	t->in_data = 0;
	trace_add(t, "E", 1);
	return 0;
}

static const struct multipart_callbacks cbs = {on_begin, on_data, on_end};

/* Parses body in pieces of `piece` bytes (all of it when 0). Returns the
 * result; the transcript is in t, the error in e. */
static int parse(const char *ct, const uint8_t *body, size_t len, size_t piece,
		 struct trace *t, struct err *e)
{
	memset(t, 0, sizeof *t);
	err_clear(e);
	struct multipart *mp = multipart_new(ct, &cbs, t, e);
	CHECK(mp);
	int rc = 0;
	size_t at = 0;
	while (rc == 0 && at < len) {
		size_t n = piece && piece < len - at ? piece : len - at;
		t->piece = n;
		rc = multipart_feed(mp, body + at, n, e);
		at += n;
	}
	if (rc == 0)
		rc = multipart_finish(mp, e);
	if (rc < 0) {
		CHECK(e->code == ERR_MALFORMED);
		struct err again;
		err_clear(&again);
		CHECK(multipart_feed(mp, body, len, &again) == -1);
		CHECK(again.code == ERR_MALFORMED);
		CHECK(multipart_finish(mp, &again) == -1);
	} else {
		CHECK(!t->in_part);
	}
	multipart_free(mp);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the whole input as a request Content-Type */
	char *ct = malloc(size + 1);
	CHECK(ct);
	memcpy(ct, data, size);
	ct[size] = '\0';
	struct err e;
	err_clear(&e);
	struct multipart *mp = multipart_new(ct, &cbs, NULL, &e);
	CHECK(mp || e.code == ERR_MALFORMED || e.code == ERR_MEDIA_TYPE);
	multipart_free(mp);
	free(ct);

	if (size < 2)
		return 0;
	size_t piece = (size_t)data[0] + 1;
	const char *hdr = headers[data[1] % NHEADERS];
	const uint8_t *body = data + 2;
	size_t len = size - 2;

	struct trace whole, split;
	struct err ew, es;
	int rw = parse(hdr, body, len, 0, &whole, &ew);
	int rs = parse(hdr, body, len, piece, &split, &es);
	CHECK(rw == rs);
	CHECK(whole.len == split.len);
	CHECK(whole.len == 0 || memcmp(whole.log, split.log, whole.len) == 0);
	CHECK(strcmp(ew.msg, es.msg) == 0);
	free(whole.log);
	free(split.log);
	return 0;
}
