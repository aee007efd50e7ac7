/* router.h — the route table type and matching. The table itself belongs to
 * the api layer (api/routes.c) and is handed to the server at start, so the
 * http layer knows no handler by name. */
#ifndef AKTE_HTTP_ROUTER_H
#define AKTE_HTTP_ROUTER_H

#include "http/request.h"

#include <stddef.h>

enum route_flags {
	ROUTE_AUTH = 1 << 0,   /* needs a session; 401 without one */
	ROUTE_JSON = 1 << 1,   /* a body, if any, must be application/json */
	ROUTE_LOCAL = 1 << 2,  /* only from a loopback address */
	ROUTE_RAW = 1 << 3,    /* answers are not JSON (no Cache-Control change) */
	ROUTE_UPLOAD = 1 << 4, /* body limit is the max_upload setting */
};

/* A route whose body is streamed to its handler instead of buffered. The
 * calls come in this order: begin once the headers are read and the session
 * checked (it may reply and return -1 to refuse the body before it is
 * sent); data for each piece; end when the body is complete (it replies).
 * cleanup always runs last, also when the client went away mid-body. */
struct route_stream {
	int (*begin)(struct http_request *req);
	int (*data)(struct http_request *req, const char *p, size_t n);
	void (*end)(struct http_request *req);
	void (*cleanup)(struct http_request *req);
};

struct route {
	const char *method;
	const char *pattern;   /* "/api/v1/devices/{}": {} matches one segment */
	void (*handler)(struct http_request *req);
	unsigned flags;
	size_t max_body;       /* 0: the configured max_json_body */
	const struct route_stream *stream; /* NULL: the body is buffered */
};

/* Find the route for method and path, filling req->params. Returns NULL
 * when nothing matches; *path_known is set when the path matches some route
 * with another method (405 rather than 404). */
const struct route *router_match(const struct route *table, size_t n,
				 const char *method, const char *path,
				 struct http_request *req, int *path_known);

#endif
