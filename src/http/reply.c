/* reply.c — reading a request (headers, query, cookies, JSON body) and
 * setting its one reply. The JSON error body is built here from struct err,
 * the only place an error becomes an HTTP status (through err.c's table). */
#include "http/request.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *http_header(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_cookie(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

json_t *http_body_json(struct http_request *req, struct err *e)
{
	if (req->body.len == 0) {
		err_set(e, ERR_MALFORMED, "malformed_json", "a JSON object is required as the body");
		return NULL;
	}
	json_error_t je;
	json_t *j = json_loadb(req->body.data, req->body.len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		err_set(e, ERR_MALFORMED, "malformed_json", "the body is not valid JSON (line %d, column %d)",
			je.line, je.column);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		err_set(e, ERR_MALFORMED, "malformed_json", "the body must be a JSON object");
		return NULL;
	}
	return j;
}

static void reply_set(struct http_request *req, unsigned status, struct MHD_Response *r,
		      const char *content_type)
{
	if (!r)
		return;
	if (req->response) {
		MHD_destroy_response(r);
		return;
	}
	req->status = status;
	req->response = r;
	snprintf(req->content_type, sizeof req->content_type, "%s", content_type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
}

void http_reply_bytes(struct http_request *req, unsigned status,
		      const char *content_type, const void *data, size_t n)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(n, (void *)data, MHD_RESPMEM_MUST_COPY);
	reply_set(req, status, r, content_type);
}

void http_reply_json(struct http_request *req, unsigned status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text)
		return;
	size_t n = strlen(text);
	/* Keep a trailing newline: friendlier for curl users. */
	char *t2 = realloc(text, n + 2);
	if (!t2) {
		free(text);
		return;
	}
	t2[n] = '\n';
	t2[n + 1] = '\0';
	struct MHD_Response *r =
		MHD_create_response_from_buffer(n + 1, t2, MHD_RESPMEM_MUST_FREE);
	if (!r)
		free(t2);
	reply_set(req, status, r, "application/json");
}

void http_reply_error(struct http_request *req, const struct err *e)
{
	unsigned status = (unsigned)err_http_status(e->code);
	json_t *inner = json_pack("{s:s,s:s}", "code", e->key[0] ? e->key : err_default_key(e->code),
				  "message", e->msg);
	/* Texts are built to be valid UTF-8; should one slip through, the
	 * status and code still go out rather than no answer at all. */
	if (!inner)
		inner = json_pack("{s:s,s:s}", "code", err_default_key(e->code), "message",
				  "(message not shown)");
	if (e->field[0])
		json_object_set_new(inner, "field", json_string(e->field));
	http_reply_json(req, status, json_pack("{s:o}", "error", inner));
	if (e->code == ERR_LOCKED && e->retry_after > 0) {
		char v[24];
		snprintf(v, sizeof v, "%d", e->retry_after);
		http_reply_header(req, "Retry-After", v);
	}
	if (e->code == ERR_UNAUTHENTICATED)
		http_reply_header(req, "WWW-Authenticate", "Bearer realm=\"akte\"");
}

struct reply_stream {
	long (*read)(void *ctx, uint64_t off, char *buf, size_t max);
	void *ctx;
	void (*free_ctx)(void *ctx);
};

static ssize_t reply_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct reply_stream *rs = cls;
	long n = rs->read(rs->ctx, pos, buf, max);
	return n < 0 ? MHD_CONTENT_READER_END_WITH_ERROR : (ssize_t)n;
}

static void reply_stream_free(void *cls)
{
	struct reply_stream *rs = cls;
	if (rs->free_ctx)
		rs->free_ctx(rs->ctx);
	free(rs);
}

/* 64 KiB: the blob chunk size, so each read decrypts whole chunks. */
#define REPLY_STREAM_BLOCK (64 * 1024)

void http_reply_stream(struct http_request *req, unsigned status, const char *content_type,
		       uint64_t size, long (*read)(void *ctx, uint64_t off, char *buf, size_t max),
		       void *ctx, void (*free_ctx)(void *ctx))
{
	struct reply_stream *rs = malloc(sizeof *rs);
	if (!rs) {
		if (free_ctx)
			free_ctx(ctx);
		return;
	}
	rs->read = read;
	rs->ctx = ctx;
	rs->free_ctx = free_ctx;
	struct MHD_Response *r = MHD_create_response_from_callback(
		size, REPLY_STREAM_BLOCK, reply_stream_read, rs, reply_stream_free);
	if (!r) {
		reply_stream_free(rs);
		return;
	}
	reply_set(req, status, r, content_type);
}

void http_reply_header(struct http_request *req, const char *name, const char *value)
{
	if (req->response)
		MHD_add_response_header(req->response, name, value);
}
