/* http.h — the client's JSON calls to akted over libcurl.
 *
 * One request per call, no redirects followed (a bearer token must not go
 * to another host), http and https only, connect timeout 10 s, total 120 s,
 * answers larger than HTTP_MAX_RESPONSE refused. Transport failures become a
 * struct err with a message a person can act on; any HTTP answer, good or
 * bad, comes back in struct http_resp for the verb to judge. */
#ifndef AKTE_CLI_HTTP_H
#define AKTE_CLI_HTTP_H

#include "core/err.h"

#include <jansson.h>

#define HTTP_MAX_RESPONSE (16L * 1024 * 1024)
#define HTTP_CONNECT_TIMEOUT 10L /* seconds */
#define HTTP_TOTAL_TIMEOUT 120L  /* seconds */

struct http_resp {
	long status;      /* HTTP status code */
	json_t *body;     /* the parsed answer, NULL when empty or not JSON;
			   * owned by the resp, freed by http_resp_free */
	long retry_after; /* seconds from Retry-After, 0 when absent */
};

int http_global_init(struct err *e);
void http_global_cleanup(void);

/* method "GET"/"POST"/...; base "https://host[:port]" (a trailing '/' is
 * fine); path "/api/v1/..."; bearer may be NULL; req (not taken) may be
 * NULL for no body. 0 when an answer arrived (resp filled, any status), -1
 * when none did or it was refused (e filled, resp empty). A 2xx answer that
 * is not JSON is an error. */
int http_call(const char *base, const char *method, const char *path,
	      const char *bearer, const json_t *req, struct http_resp *resp,
	      struct err *e);

/* A call whose body is streamed rather than held: an upload read from a
 * callback, a 2xx answer written to a sink, progress reported. Used by
 * transfer.c; the error mapping and the JSON of refusals stay those of
 * http_call. Sizes are in bytes. Instead of the total timeout, a transfer
 * fails when less than 1 byte/s moves for HTTP_STALL_TIMEOUT seconds. */
#define HTTP_STALL_TIMEOUT 60L /* seconds */

struct http_stream {
	const char *content_type; /* of the upload body; NULL: none sent */
	long long upload_size;    /* bytes the reader will give */
	/* Fill buf (up to n bytes); return the count, 0 at the end, or
	 * HTTP_STREAM_ABORT to stop. NULL: no body. */
	size_t (*reader)(char *buf, size_t n, void *arg);
	void *reader_arg;
	/* A 2xx answer's bytes; return n, or less to stop. NULL: the answer
	 * is JSON and kept in resp->body like http_call's. Non-2xx answers
	 * always go to resp->body, never here. */
	size_t (*sink)(const char *p, size_t n, void *arg);
	void *sink_arg;
	/* Called now and then with the bytes moved so far and expected (0
	 * when not known); nonzero stops the transfer. NULL: none. */
	int (*progress)(long long done, long long total, void *arg);
	void *progress_arg;
	/* Out: the Content-Disposition of a 2xx answer, "" when none. */
	char disposition[1024];
	int sink_failed; /* out: the sink returned short */
};

#define HTTP_STREAM_ABORT ((size_t)-1)

/* Like http_call with the body and answer of s. With s->sink set, a 2xx
 * answer leaves resp->body NULL. */
int http_stream_call(const char *base, const char *method, const char *path,
		     const char *bearer, struct http_stream *s,
		     struct http_resp *resp, struct err *e);

void http_resp_free(struct http_resp *r);

/* The error of a non-2xx answer: the code from the status, the key, message
 * and field from the body's {"error":{...}} when present, retry_after. */
void http_resp_err(const struct http_resp *r, struct err *e);

/* The message of a non-2xx answer's body, or NULL. Owned by r. */
const char *http_resp_message(const struct http_resp *r);

#endif
