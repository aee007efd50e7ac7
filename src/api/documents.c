/* documents.c — the document routes other than the upload: list, metadata,
 * changes, deletion, and the download with Range, ETag and a safe
 * Content-Disposition. */
#include "api/api.h"

#include "api/input.h"
#include "domain/document.h"
#include "store/sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_documents_list(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	int limit = input_query_limit(req, 50, 200, &e);
	struct sql *db = limit > 0 ? sql_thread_conn(&e) : NULL;
	json_t *out = db ? document_list(db, &req->actor, req->params[0],
					 http_query(req, "category"), http_query(req, "q"),
					 http_query(req, "cursor"), limit, &e) : NULL;
	if (!out)
		http_reply_error(req, &e);
	else
		http_reply_json(req, 200, out);
}

void api_document_get(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	struct sql *db = sql_thread_conn(&e);
	json_t *out = db ? document_get(db, &req->actor, req->params[0], &e) : NULL;
	if (!out)
		http_reply_error(req, &e);
	else
		http_reply_json(req, 200, out);
}

void api_document_patch(struct http_request *req)
{
	static const struct input_field fields[] = {
		{"title", INPUT_STRING, 0, 200},
		{"category", INPUT_STRING, 0, 32},
		{"hidden", INPUT_BOOL, 0, 0},
	};
	struct err e;
	err_clear(&e);
	json_t *in = input_read(req, fields, INPUT_N(fields), &e);
	struct sql *db = in ? sql_thread_conn(&e) : NULL;
	json_t *hidden = json_object_get(in, "hidden");
	json_t *out = db ? document_update(db, &req->actor, req->params[0], input_str(in, "title"),
					   input_str(in, "category"),
					   json_is_boolean(hidden) ? json_is_true(hidden) : -1, &e)
			 : NULL;
	if (!out)
		http_reply_error(req, &e);
	else
		http_reply_json(req, 200, out);
	json_decref(in);
}

void api_document_delete(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	struct sql *db = sql_thread_conn(&e);
	if (!db || document_delete(db, &req->actor, req->params[0], &e) < 0)
		http_reply_error(req, &e);
	else
		http_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

/* ---- download ---- */

/* Parses a single "bytes=a-b" range against size. 0: no (usable) Range,
 * serve all; 1: range set; -1: unsatisfiable (416). Several ranges are
 * served as the whole body, which RFC 9110 allows. */
static int parse_range(const char *h, uint64_t size, uint64_t *from, uint64_t *to)
{
	if (!h || strncmp(h, "bytes=", 6) != 0 || strchr(h, ','))
		return 0;
	const char *p = h + 6;
	char *end;
	if (*p == '-') { /* the last N bytes */
		unsigned long long n = strtoull(p + 1, &end, 10);
		if (*end || end == p + 1)
			return 0;
		if (n == 0 || size == 0)
			return -1;
		*from = n >= size ? 0 : size - n;
		*to = size - 1;
		return 1;
	}
	if (*p < '0' || *p > '9')
		return 0;
	unsigned long long a = strtoull(p, &end, 10);
	if (*end != '-')
		return 0;
	const char *q = end + 1;
	unsigned long long b = size ? size - 1 : 0;
	if (*q) {
		b = strtoull(q, &end, 10);
		if (*end || end == q || b < a)
			return 0;
	}
	if (a >= size)
		return -1;
	*from = a;
	*to = b >= size ? size - 1 : b;
	return 1;
}

/* attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded */
static void content_disposition(const char *type, const char *filename, const char *id,
				int inline_ok, char *out, size_t n)
{
	static const char *const inline_types[] = {"application/pdf", "image/png", "image/jpeg"};
	int inl = 0;
	for (size_t i = 0; inline_ok && i < 3; i++)
		inl |= strcmp(type, inline_types[i]) == 0;
	const char *name = filename[0] ? filename : id;
	char ascii[256], enc[768];
	size_t k = 0, m = 0;
	for (const unsigned char *p = (const unsigned char *)name; *p && k < sizeof ascii - 1; p++)
		ascii[k++] = (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') ? (char)*p : '_';
	ascii[k] = '\0';
	for (const unsigned char *p = (const unsigned char *)name; *p && m < sizeof enc - 4; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("!#$&+-.^_`|~", *p))
			enc[m++] = (char)*p;
		else
			m += (size_t)snprintf(enc + m, sizeof enc - m, "%%%02X", *p);
	}
	enc[m] = '\0';
	snprintf(out, n, "%s; filename=\"%s\"; filename*=UTF-8''%s", inl ? "inline" : "attachment",
		 ascii, enc);
}

static long content_read(void *ctx, uint64_t off, char *buf, size_t max)
{
	return document_read(ctx, off, buf, max);
}

static void content_free(void *ctx)
{
	document_close(ctx);
}

/* The stream reads from offset 0 of the reply; a range shifts it. */
struct ranged {
	struct doc_content *c;
	uint64_t base;
};

static long ranged_read(void *ctx, uint64_t off, char *buf, size_t max)
{
	struct ranged *r = ctx;
	return document_read(r->c, r->base + off, buf, max);
}

static void ranged_free(void *ctx)
{
	struct ranged *r = ctx;
	document_close(r->c);
	free(r);
}

void api_document_content(struct http_request *req)
{
	struct err e;
	struct doc_content_info info;
	err_clear(&e);
	struct sql *db = sql_thread_conn(&e);
	struct doc_content *c = db ? document_open(db, &req->actor, req->params[0], &info, &e) : NULL;
	if (!c) {
		http_reply_error(req, &e);
		return;
	}
	char etag[80], disp[1200], range[96];
	snprintf(etag, sizeof etag, "\"%s\"", info.sha256);
	const char *inl = http_query(req, "inline");
	content_disposition(info.content_type, info.filename, req->params[0],
			    inl && strcmp(inl, "1") == 0, disp, sizeof disp);
	uint64_t from = 0, to = 0;
	const char *if_range = http_header(req, "If-Range");
	int r = (if_range && strcmp(if_range, etag) != 0) ? 0
		: parse_range(http_header(req, "Range"), info.size, &from, &to);
	const char *inm = http_header(req, "If-None-Match");
	if (inm && strcmp(inm, etag) == 0) {
		document_close(c);
		http_reply_bytes(req, 304, info.content_type, "", 0);
	} else if (r < 0) {
		document_close(c);
		err_set(&e, ERR_INVALID, "range_not_satisfiable", "the requested range is outside the file");
		http_reply_error(req, &e);
		req->status = 416;
		snprintf(range, sizeof range, "bytes */%llu", (unsigned long long)info.size);
		http_reply_header(req, "Content-Range", range);
	} else if (r > 0) {
		struct ranged *rg = malloc(sizeof *rg);
		if (!rg) {
			document_close(c);
			err_set(&e, ERR_INTERNAL, NULL, "out of memory");
			http_reply_error(req, &e);
			return;
		}
		rg->c = c;
		rg->base = from;
		http_reply_stream(req, 206, info.content_type, to - from + 1, ranged_read, rg,
				  ranged_free);
		snprintf(range, sizeof range, "bytes %llu-%llu/%llu", (unsigned long long)from,
			 (unsigned long long)to, (unsigned long long)info.size);
		http_reply_header(req, "Content-Range", range);
	} else {
		http_reply_stream(req, 200, info.content_type, info.size, content_read, c, content_free);
	}
	http_reply_header(req, "ETag", etag);
	http_reply_header(req, "Accept-Ranges", "bytes");
	http_reply_header(req, "Content-Disposition", disp);
	http_reply_header(req, "Cache-Control", "private, no-store");
}
