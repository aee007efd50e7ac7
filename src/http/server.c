/* server.c — the libmicrohttpd access handler and the request life cycle.
 *
 * libmicrohttpd calls the handler several times per request: first with
 * the headers, then with body pieces, then once more with none. We answer
 * only on that last call, even for errors known from the headers alone:
 * answering on the first call makes libmicrohttpd close the connection,
 * which costs keep-alive (DESIGN.md measured 19 000 instead of 68 000+
 * requests/s). The exception is a body whose declared length is already too
 * large: then closing is what we want, and we refuse before reading it.
 *
 * After the handler: security headers, the request id, one JSON log line
 * and the metrics, all in the completion callback so that they also cover
 * requests that failed early. */
#include "http/server.h"

#include "core/clock.h"
#include "core/log.h"
#include "crypto/token.h"
#include "http/auth.h"
#include "http/metrics.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct http_server {
	struct MHD_Daemon *daemon;
	const struct config *cfg;
	const struct route *routes;
	size_t n_routes;
	atomic_int inflight;
};

/* Request ids need to be unique, not secret: they are drawn from a
 * per-thread pool of random bytes, refilled 256 ids at a time, instead of a
 * getrandom() system call per request. */
static void request_new_id(char out[HTTP_REQUEST_ID_LEN + 1])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	static __thread unsigned char pool[HTTP_REQUEST_ID_LEN * 256];
	static __thread size_t used = sizeof pool;
	if (used == sizeof pool) {
		randombytes_buf(pool, sizeof pool);
		used = 0;
	}
	unsigned char *raw = pool + used;
	used += HTTP_REQUEST_ID_LEN;
	for (size_t i = 0; i < HTTP_REQUEST_ID_LEN; i++)
		out[i] = alphabet[raw[i] & 31];
	out[HTTP_REQUEST_ID_LEN] = '\0';
}

static void request_client_addr(struct http_request *req)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(req->client_addr, sizeof req->client_addr, "unknown");
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
			  req->client_addr, sizeof req->client_addr);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  req->client_addr, sizeof req->client_addr);
}

static int is_loopback(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}

static uint64_t route_body_limit(const struct http_server *srv, const struct route *r)
{
	if (r && r->flags & ROUTE_UPLOAD)
		return (uint64_t)srv->cfg->max_upload;
	return r && r->max_body ? r->max_body : (uint64_t)srv->cfg->max_json_body;
}

/* Checks that need only the headers. Sets req->early (an error to answer
 * once the body is drained) and returns 1 when the request must be refused
 * at once because its declared body is too large. */
static int request_check_headers(struct http_server *srv, struct http_request *req,
				 struct err *early)
{
	int path_known = 0;
	req->route = router_match(srv->routes, srv->n_routes, req->method, req->path,
				  req, &path_known);
	if (!req->route) {
		if (path_known)
			err_set(early, ERR_METHOD, NULL, "method %s not allowed here", req->method);
		else
			err_set(early, ERR_NOT_FOUND, NULL, "no such resource");
		return 0;
	}
	const char *cl = http_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl) {
		char *end;
		unsigned long long n = strtoull(cl, &end, 10);
		if (*end || n > route_body_limit(srv, req->route)) {
			err_set(early, ERR_TOO_LARGE, NULL,
				"the request body is larger than %llu bytes",
				(unsigned long long)route_body_limit(srv, req->route));
			return 1;
		}
	}
	if (req->route->flags & ROUTE_LOCAL && !is_loopback(req->client_addr)) {
		err_set(early, ERR_NOT_FOUND, NULL, "no such resource");
		return 0;
	}
	return 0;
}

static int content_type_is_json(const char *ct)
{
	if (!ct)
		return 0;
	size_t n = strlen("application/json");
	return strncasecmp(ct, "application/json", n) == 0 && (ct[n] == '\0' || ct[n] == ';');
}

static void request_dispatch(struct http_server *srv, struct http_request *req,
			     struct err *early)
{
	if (early->code) {
		http_reply_error(req, early);
		return;
	}
	if (req->body_too_large) {
		struct err e;
		err_set(&e, ERR_TOO_LARGE, NULL, "the request body is larger than %llu bytes",
			(unsigned long long)route_body_limit(srv, req->route));
		http_reply_error(req, &e);
		return;
	}
	if (req->route->flags & ROUTE_JSON && req->body.len > 0 &&
	    !content_type_is_json(http_header(req, MHD_HTTP_HEADER_CONTENT_TYPE))) {
		struct err e;
		err_set(&e, ERR_MEDIA_TYPE, NULL, "send the body as application/json");
		http_reply_error(req, &e);
		return;
	}
	if (http_auth_request(req, srv->cfg) < 0)
		return; /* http_auth_request replied */
	req->route->handler(req);
	if (!req->response) {
		struct err e;
		err_set(&e, ERR_INTERNAL, NULL, "no answer was produced");
		http_reply_error(req, &e);
	}
}

static void reply_add_common_headers(struct http_request *req)
{
	struct MHD_Response *r = req->response;
	MHD_add_response_header(r, "X-Request-Id", req->request_id);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	/* A handler may set a stricter policy of its own (the letter does). */
	if (!MHD_get_response_header(r, "Content-Security-Policy"))
		MHD_add_response_header(r, "Content-Security-Policy",
					"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	if (!req->route || !(req->route->flags & ROUTE_RAW))
		MHD_add_response_header(r, "Cache-Control", "no-store");
}

/* A streamed route: authenticate before the body is accepted, then let
 * the route decide. Returns -1 when a reply is set and the body refused. */
static int stream_begin(struct http_server *srv, struct http_request *req)
{
	if (http_auth_request(req, srv->cfg) < 0)
		return -1;
	if (req->route->stream->begin(req) < 0) {
		if (!req->response) {
			struct err e;
			err_set(&e, ERR_INTERNAL, NULL, "the upload could not start");
			http_reply_error(req, &e);
		}
		return -1;
	}
	return 0;
}

static int stream_data(struct http_request *req, const char *p, size_t n)
{
	uint64_t seen;
	if (__builtin_add_overflow(req->body_seen, (uint64_t)n, &seen) || seen > req->body_limit) {
		struct err e;
		err_set(&e, ERR_TOO_LARGE, NULL, "the request body is larger than %llu bytes",
			(unsigned long long)req->body_limit);
		http_reply_error(req, &e);
		return -1;
	}
	req->body_seen = seen;
	if (req->route->stream->data(req, p, n) < 0) {
		if (!req->response) {
			struct err e;
			err_set(&e, ERR_INTERNAL, NULL, "the upload failed");
			http_reply_error(req, &e);
		}
		return -1;
	}
	return 0;
}

/* A refusal before the body is read: answering at once closes the
 * connection, and if the client is still sending, the kernel resets it and
 * the client may never read the answer. So a small body is drained first.
 * At once: a body refused for its size (reading it is what we refuse), a
 * client that waits for "100 Continue" (it has sent nothing), and bodies of
 * unknown or large size (draining them would cost more than a lost answer). */
#define REFUSAL_DRAIN_MAX (16u << 20)

static int refusal_waits_for_body(struct http_request *req)
{
	if (req->status == 413 || http_header(req, "Expect"))
		return 0;
	const char *cl = http_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (!cl)
		return 0;
	char *end;
	unsigned long long n = strtoull(cl, &end, 10);
	return *end == '\0' && n > 0 && n <= REFUSAL_DRAIN_MAX;
}

static enum MHD_Result queue_reply(struct http_request *req)
{
	reply_add_common_headers(req);
	req->queued = 1;
	return MHD_queue_response(req->conn, req->status, req->response);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	(void)version;
	struct http_server *srv = cls;
	struct http_request *req = *con_cls;
	if (!req) {
		req = calloc(1, sizeof *req + sizeof(struct err));
		if (!req)
			return MHD_NO;
		*con_cls = req;
		atomic_fetch_add(&srv->inflight, 1);
		req->conn = conn;
		req->method = method;
		req->path = url;
		req->started_ms = clock_mono_ms();
		request_new_id(req->request_id);
		request_client_addr(req);
		struct err *early = (struct err *)(req + 1);
		int refuse_now = request_check_headers(srv, req, early);
		req->body_limit = route_body_limit(srv, req->route);
		buf_init(&req->body, req->route && req->route->stream ? 1 : req->body_limit);
		if (!refuse_now && !early->code && req->route && req->route->stream)
			refuse_now = stream_begin(srv, req) < 0;
		if (!refuse_now)
			return MHD_YES;
		if (!req->response)
			http_reply_error(req, early);
		if (refusal_waits_for_body(req))
			return MHD_YES; /* answered once the body is drained */
		return queue_reply(req);
	}
	struct err *early = (struct err *)(req + 1);
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (req->response) /* refused earlier: drop what still arrives */
			return MHD_YES;
		if (req->route && req->route->stream && !early->code) {
			/* A refusal mid-body is answered once the body is read:
			 * closing with unread data makes the kernel reset the
			 * connection, and the client would never see the answer. */
			stream_data(req, upload_data, n);
			return MHD_YES;
		}
		if (!early->code && !req->body_too_large &&
		    buf_append(&req->body, upload_data, n) < 0)
			req->body_too_large = 1;
		return MHD_YES;
	}
	if (req->queued) /* refused on the first call */
		return MHD_YES;
	if (req->response) /* refused mid-body */
		return queue_reply(req);
	if (req->route && req->route->stream && !early->code) {
		req->route->stream->end(req);
		if (!req->response) {
			struct err e;
			err_set(&e, ERR_INTERNAL, NULL, "no answer was produced");
			http_reply_error(req, &e);
		}
	} else {
		request_dispatch(srv, req, early);
	}
	return queue_reply(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)conn;
	struct http_server *srv = cls;
	struct http_request *req = *con_cls;
	if (!req)
		return;
	int64_t ms = clock_mono_ms() - req->started_ms;
	unsigned status = req->response ? req->status : 0;
	metrics_record(req->route, status, ms);
	/* The path may hold ids but never secrets: tokens travel in headers,
	 * bodies or the query string, none of which is logged. */
	json_t *f = json_pack("{s:s,s:s,s:s,s:s,s:i,s:I,s:s}", "id", req->request_id,
			      "method", req->method, "path", req->path,
			      "route", req->route ? req->route->pattern : "",
			      "status", (int)status, "ms", (json_int_t)ms,
			      "client", req->client_addr);
	if (req->actor.role != ROLE_NONE)
		json_object_set_new(f, "account", json_string(req->actor.account_id));
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		json_object_set_new(f, "aborted", json_integer(toe));
	log_event(LOG_INFO, "request", f);
	if (req->route && req->route->stream && req->route->stream->cleanup)
		req->route->stream->cleanup(req);
	if (req->response)
		MHD_destroy_response(req->response);
	buf_free(&req->body);
	sodium_memzero(req, sizeof *req);
	free(req);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->inflight, 1);
}

static int parse_listen(const char *listen, struct sockaddr_in *sa, struct err *e)
{
	char host[256];
	const char *colon = strrchr(listen, ':');
	if (!colon || (size_t)(colon - listen) >= sizeof host)
		return err_set(e, ERR_INVALID, "config", "listen must be HOST:PORT, got '%s'", listen);
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return err_set(e, ERR_INVALID, "config", "bad port in '%s'", listen);
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return err_set(e, ERR_INVALID, "config", "listen host must be an IPv4 address, got '%s'", host);
	return 0;
}

struct http_server *http_server_start(const struct config *cfg,
				      const struct route *routes, size_t n,
				      struct err *e)
{
	struct sockaddr_in sa;
	if (parse_listen(cfg->listen, &sa, e) < 0)
		return NULL;
	struct http_server *srv = calloc(1, sizeof *srv);
	if (!srv) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	srv->cfg = cfg;
	srv->routes = routes;
	srv->n_routes = n;
	if (metrics_init(routes, n) < 0) {
		free(srv);
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	srv->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC,
		0, NULL, NULL, on_request, srv,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->request_timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->max_header,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1000,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)511,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_END);
	if (!srv->daemon) {
		free(srv);
		err_set(e, ERR_UNAVAILABLE, "listen", "cannot listen on %s (in use?)", cfg->listen);
		return NULL;
	}
	return srv;
}

void http_server_stop(struct http_server *srv, int grace_s)
{
	if (!srv)
		return;
	/* The listen socket is ours once quiesced, but libmicrohttpd's threads
	 * still hold it in their epoll sets: close it only after they stopped. */
	MHD_socket s = MHD_quiesce_daemon(srv->daemon);
	int64_t deadline = clock_mono_ms() + (int64_t)grace_s * 1000;
	while (atomic_load(&srv->inflight) > 0 && clock_mono_ms() < deadline)
		usleep(20 * 1000);
	MHD_stop_daemon(srv->daemon);
	if (s != MHD_INVALID_SOCKET)
		close(s);
	free(srv);
}
