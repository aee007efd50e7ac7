/* server.h — the HTTP server: libmicrohttpd with a thread pool on epoll. */
#ifndef AKTE_HTTP_SERVER_H
#define AKTE_HTTP_SERVER_H

#include "core/config.h"
#include "core/err.h"
#include "http/router.h"

struct http_server;

/* Start listening on cfg->listen. The route table must outlive the server.
 * The caller owns the result and ends it with http_server_stop(). */
struct http_server *http_server_start(const struct config *cfg,
				      const struct route *routes, size_t n,
				      struct err *e);
/* Stop accepting, let in-flight requests finish for up to grace_s seconds,
 * then close every connection and free the server. */
void http_server_stop(struct http_server *srv, int grace_s);

#endif
