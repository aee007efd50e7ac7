/* request.h — one HTTP request as the api layer sees it, and the calls it
 * uses to answer. The api layer never touches libmicrohttpd directly: it
 * reads the request through these accessors and sets exactly one reply. */
#ifndef AKTE_HTTP_REQUEST_H
#define AKTE_HTTP_REQUEST_H

#include "core/buf.h"
#include "core/err.h"
#include "domain/actor.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_PARAMS 4
#define HTTP_REQUEST_ID_LEN 16

struct route;
struct MHD_Connection;
struct MHD_Response;

struct http_request {
	/* in */
	const char *method;
	const char *path;                     /* without the query string */
	const struct route *route;
	const char *params[HTTP_MAX_PARAMS];  /* path segments matched by {} */
	char params_buf[512];
	struct buf body;                      /* capped at the route's limit */
	struct actor actor;                   /* ROLE_NONE unless authenticated */
	char request_id[HTTP_REQUEST_ID_LEN + 1];
	char client_addr[64];
	struct MHD_Connection *conn;
	int64_t started_ms;
	int body_too_large;
	uint64_t body_seen;                   /* bytes of a streamed body so far */
	uint64_t body_limit;
	void *stream_ctx;                     /* owned by the route's stream ops */
	int queued;                           /* the reply was handed to libmicrohttpd */
	/* out */
	unsigned status;
	struct MHD_Response *response;
	char content_type[128];
};

/* Header and query lookup (NULL when absent). */
const char *http_header(struct http_request *req, const char *name);
const char *http_query(struct http_request *req, const char *name);
const char *http_cookie(struct http_request *req, const char *name);

/* The body as a JSON object: 400 when not JSON or not an object. The
 * caller owns the result. */
json_t *http_body_json(struct http_request *req, struct err *e);

/* Replies: each sets the response once; later calls are ignored. */
void http_reply_json(struct http_request *req, unsigned status, json_t *body); /* steals body */
void http_reply_error(struct http_request *req, const struct err *e);
void http_reply_bytes(struct http_request *req, unsigned status,
		      const char *content_type, const void *data, size_t n);
/* A reply whose body is produced by read(ctx, offset, buf, max) in pieces
 * (return bytes written, or -1 to abort the connection); free(ctx) runs
 * when the reply is done. size is the body length in bytes. */
void http_reply_stream(struct http_request *req, unsigned status, const char *content_type,
		       uint64_t size, long (*read)(void *ctx, uint64_t off, char *buf, size_t max),
		       void *ctx, void (*free_ctx)(void *ctx));
/* Adds a header to the reply already set (no-op without one). */
void http_reply_header(struct http_request *req, const char *name, const char *value);

#endif
