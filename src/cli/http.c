/* http.c — JSON over libcurl for the client, see http.h.
 *
 * All of libcurl's memory comes from wipe.c (curl_global_init_mem), so the
 * copies curl makes of the Authorization header and of answers holding a
 * token are zeroed when freed. The map from transport failures to messages
 * lives in http_transport_err: the one place a person learns why the server
 * could not be asked. */
#include "cli/http.h"

#include "cli/wipe.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#ifndef AKTE_VERSION
#define AKTE_VERSION "0"
#endif
#define HTTP_URL_MAX 2048

/* The answer as it arrives, in wiping memory, capped. */
struct http_body {
	char *data;
	size_t len;
	size_t cap;
	int too_big;
};

int http_global_init(struct err *e)
{
	if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, wipe_malloc, wipe_free,
				 wipe_realloc, wipe_strdup,
				 wipe_calloc) != CURLE_OK)
		return err_set(e, ERR_INTERNAL, NULL,
			       "cannot initialise libcurl");
	return 0;
}

void http_global_cleanup(void)
{
	curl_global_cleanup();
}

static size_t http_on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct http_body *b = arg;
	size_t n = size * nmemb; /* curl guarantees size == 1 */
	if (n > (size_t)HTTP_MAX_RESPONSE - b->len) {
		b->too_big = 1;
		return 0; /* makes curl stop with CURLE_WRITE_ERROR */
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *q = wipe_realloc(b->data, cap);
		if (!q)
			return 0;
		b->data = q;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static int http_transport_err(CURLcode rc, const char *base,
			      const char *detail, int too_big,
			      struct err *e)
{
	if (!detail[0])
		detail = curl_easy_strerror(rc);
	if (too_big || rc == CURLE_FILESIZE_EXCEEDED)
		return err_set(e, ERR_TOO_LARGE, "response_too_large",
			       "the server's answer is larger than %ld MiB; "
			       "refused", HTTP_MAX_RESPONSE >> 20);
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return err_set(e, ERR_UNAVAILABLE, "certificate",
			       "the server's certificate could not be "
			       "verified (%s): %s", base, detail);
	case CURLE_SSL_CONNECT_ERROR:
		return err_set(e, ERR_UNAVAILABLE, "tls",
			       "no secure connection to %s could be made: %s",
			       base, detail);
	case CURLE_OPERATION_TIMEDOUT:
		return err_set(e, ERR_UNAVAILABLE, "timeout",
			       "the server at %s did not answer in time: %s",
			       base, detail);
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return err_set(e, ERR_INVALID, "bad_server_url",
			       "the server URL %s is not valid: %s", base,
			       detail);
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_WEIRD_SERVER_REPLY:
		return err_set(e, ERR_UNAVAILABLE, "unreachable",
			       "cannot reach the server at %s: %s", base,
			       detail);
	default:
		return err_set(e, ERR_UNAVAILABLE, "transport",
			       "the request to %s failed: %s", base, detail);
	}
}

static int http_url(const char *base, const char *path, char *url,
		    size_t n, struct err *e)
{
	if (strncasecmp(base, "http://", 7) != 0 &&
	    strncasecmp(base, "https://", 8) != 0)
		return err_set(e, ERR_INVALID, "bad_server_url",
			       "the server URL must start with https:// or "
			       "http://, not \"%.200s\"", base);
	size_t blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	int w = snprintf(url, n, "%.*s%s", (int)blen, base, path);
	if (w < 0 || (size_t)w >= n)
		return err_set(e, ERR_INVALID, "bad_server_url",
			       "the server URL is too long");
	return 0;
}

/* Render req into wiping memory: it may hold a password. */
static char *http_render(const json_t *req, size_t *len, struct err *e)
{
	size_t n = json_dumpb(req, NULL, 0, JSON_COMPACT);
	char *s = n ? wipe_malloc(n) : NULL;
	if (!s || json_dumpb(req, s, n, JSON_COMPACT) != n) {
		wipe_free(s);
		err_set(e, ERR_INTERNAL, NULL, "cannot render the request");
		return NULL;
	}
	*len = n;
	return s;
}

static struct curl_slist *http_headers(const char *bearer,
					const char *content_type)
{
	struct curl_slist *h, *t;
	h = curl_slist_append(NULL, "Accept: application/json");
	if (!h)
		return NULL;
	if (content_type) {
		char line[256];
		snprintf(line, sizeof line, "Content-Type: %s", content_type);
		t = curl_slist_append(h, line);
		if (!t)
			goto fail;
		h = t;
	}
	if (bearer) {
		size_t n = strlen(bearer) + sizeof "Authorization: Bearer ";
		char *line = wipe_malloc(n);
		if (!line)
			goto fail;
		snprintf(line, n, "Authorization: Bearer %s", bearer);
		t = curl_slist_append(h, line);
		wipe_free(line);
		if (!t)
			goto fail;
		h = t;
	}
	return h;
fail:
	curl_slist_free_all(h);
	return NULL;
}

/* Where the answer's bytes go: a 2xx answer to the stream's sink when it
 * has one, everything else (JSON answers and every refusal) to memory. The
 * status is known by the time the first byte arrives. */
struct http_answer {
	struct http_body mem;
	CURL *curl;
	struct http_stream *s;
	int to_sink; /* -1 not yet decided, 0 memory, 1 sink */
};

static size_t http_on_answer(char *p, size_t size, size_t nmemb, void *arg)
{
	struct http_answer *a = arg;
	size_t n = size * nmemb;
	if (a->to_sink < 0) {
		long status = 0;
		curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &status);
		a->to_sink = a->s && a->s->sink && status >= 200 &&
			     status < 300;
	}
	if (!a->to_sink)
		return http_on_data(p, size, nmemb, &a->mem);
	size_t took = a->s->sink(p, n, a->s->sink_arg);
	if (took != n) {
		a->s->sink_failed = 1;
		return 0;
	}
	return n;
}

static size_t http_on_read(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct http_stream *s = arg;
	size_t n = s->reader(buf, size * nmemb, s->reader_arg);
	return n == HTTP_STREAM_ABORT ? CURL_READFUNC_ABORT : n;
}

static int http_on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
			    curl_off_t ultotal, curl_off_t ulnow)
{
	struct http_stream *s = arg;
	if (s->reader)
		return s->progress(ulnow, ultotal > 0 ? ultotal :
					  s->upload_size, s->progress_arg);
	return s->progress(dlnow, dltotal, s->progress_arg);
}

static int http_setup(CURL *c, const char *url, const char *method,
		      struct curl_slist *hdr, const char *body, size_t blen,
		      struct http_stream *s, struct http_answer *answer,
		      char *errbuf)
{
	CURLcode rc = CURLE_OK;
#define HTTP_SET(opt, val) \
	if (rc == CURLE_OK) \
		rc = curl_easy_setopt(c, opt, val)
	HTTP_SET(CURLOPT_URL, url);
	HTTP_SET(CURLOPT_PROTOCOLS_STR, "http,https");
	HTTP_SET(CURLOPT_FOLLOWLOCATION, 0L);
	HTTP_SET(CURLOPT_NOSIGNAL, 1L);
	HTTP_SET(CURLOPT_CONNECTTIMEOUT, HTTP_CONNECT_TIMEOUT);
	HTTP_SET(CURLOPT_USERAGENT, "akte/" AKTE_VERSION);
	HTTP_SET(CURLOPT_HTTPHEADER, hdr);
	HTTP_SET(CURLOPT_ERRORBUFFER, errbuf);
	HTTP_SET(CURLOPT_WRITEFUNCTION, http_on_answer);
	HTTP_SET(CURLOPT_WRITEDATA, answer);
	HTTP_SET(CURLOPT_CUSTOMREQUEST, method);
	if (!s) {
		HTTP_SET(CURLOPT_TIMEOUT, HTTP_TOTAL_TIMEOUT);
		HTTP_SET(CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)HTTP_MAX_RESPONSE);
	} else {
		/* A 2 GiB upload may take long; only a stall is an error.
		 * The memory path still caps JSON answers (http_on_data). */
		HTTP_SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
		HTTP_SET(CURLOPT_LOW_SPEED_TIME, HTTP_STALL_TIMEOUT);
		if (!s->sink)
			HTTP_SET(CURLOPT_MAXFILESIZE_LARGE,
				 (curl_off_t)HTTP_MAX_RESPONSE);
	}
	if (s && s->reader) {
		HTTP_SET(CURLOPT_POST, 1L);
		HTTP_SET(CURLOPT_READFUNCTION, http_on_read);
		HTTP_SET(CURLOPT_READDATA, s);
		HTTP_SET(CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)s->upload_size);
	} else if (body) {
		HTTP_SET(CURLOPT_POSTFIELDS, body);
		HTTP_SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
	} else if (!strcmp(method, "POST")) {
		/* A POST without fields still needs curl to send one. */
		HTTP_SET(CURLOPT_POSTFIELDS, "");
		HTTP_SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
	if (s && s->progress) {
		HTTP_SET(CURLOPT_XFERINFOFUNCTION, http_on_progress);
		HTTP_SET(CURLOPT_XFERINFODATA, s);
		HTTP_SET(CURLOPT_NOPROGRESS, 0L);
	}
#undef HTTP_SET
	return rc == CURLE_OK ? 0 : -1;
}

/* The status, Retry-After, Content-Disposition and the JSON of the answer
 * held in memory into resp. */
static int http_collect(CURL *c, const struct http_answer *a,
			struct http_stream *s, struct http_resp *resp,
			struct err *e)
{
	curl_off_t retry = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &retry) == CURLE_OK &&
	    retry > 0)
		resp->retry_after = (long)retry;
	int ok = resp->status >= 200 && resp->status < 300;
	struct curl_header *h = NULL;
	if (s && ok &&
	    curl_easy_header(c, "Content-Disposition", 0, CURLH_HEADER, -1,
			     &h) == CURLHE_OK)
		snprintf(s->disposition, sizeof s->disposition, "%s",
			 h->value);
	if (a->mem.len > 0) {
		json_error_t jerr;
		resp->body = json_loadb(a->mem.data, a->mem.len,
					JSON_REJECT_DUPLICATES, &jerr);
	}
	if (ok && a->mem.len > 0 && !resp->body)
		return err_set(e, ERR_INTERNAL, "bad_response",
			       "the server's answer is not JSON (HTTP %ld)",
			       resp->status);
	return 0;
}

/* One request for http_call and http_stream_call alike: a JSON body (body,
 * blen) or the stream's, the answer to memory or the stream's sink. */
static int http_perform(const char *base, const char *method,
			const char *path, const char *bearer,
			const char *body, size_t blen, struct http_stream *s,
			struct http_resp *resp, struct err *e)
{
	char url[HTTP_URL_MAX];
	char errbuf[CURL_ERROR_SIZE] = "";
	struct http_answer answer = {.s = s, .to_sink = -1};
	struct curl_slist *hdr = NULL;
	int rc = -1;

	memset(resp, 0, sizeof *resp);
	if (http_url(base, path, url, sizeof url, e) < 0)
		return -1;
	const char *ctype = body ? "application/json" :
			    s && s->reader ? s->content_type : NULL;
	hdr = http_headers(bearer, ctype);
	CURL *c = answer.curl = curl_easy_init();
	if (!hdr || !c ||
	    http_setup(c, url, method, hdr, body, blen, s, &answer,
		       errbuf) < 0) {
		err_set(e, ERR_INTERNAL, NULL, "cannot prepare the request");
		goto out;
	}
	CURLcode cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		http_transport_err(cc, base, errbuf, answer.mem.too_big, e);
		goto out;
	}
	if (http_collect(c, &answer, s, resp, e) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		http_resp_free(resp);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	wipe_free(answer.mem.data);
	return rc;
}

int http_call(const char *base, const char *method, const char *path,
	      const char *bearer, const json_t *req, struct http_resp *resp,
	      struct err *e)
{
	char *body = NULL;
	size_t blen = 0;
	memset(resp, 0, sizeof *resp);
	if (req && !(body = http_render(req, &blen, e)))
		return -1;
	int rc = http_perform(base, method, path, bearer, body, blen, NULL,
			      resp, e);
	wipe_free(body);
	return rc;
}

int http_stream_call(const char *base, const char *method, const char *path,
		     const char *bearer, struct http_stream *s,
		     struct http_resp *resp, struct err *e)
{
	s->disposition[0] = '\0';
	s->sink_failed = 0;
	return http_perform(base, method, path, bearer, NULL, 0, s, resp, e);
}

void http_resp_free(struct http_resp *r)
{
	json_decref(r->body);
	memset(r, 0, sizeof *r);
}

static enum err_code http_status_code(long status)
{
	switch (status) {
	case 400: return ERR_MALFORMED;
	case 401: return ERR_UNAUTHENTICATED;
	case 403: return ERR_FORBIDDEN;
	case 404: return ERR_NOT_FOUND;
	case 405: return ERR_METHOD;
	case 409: return ERR_CONFLICT;
	case 410: return ERR_GONE;
	case 413: return ERR_TOO_LARGE;
	case 415: return ERR_MEDIA_TYPE;
	case 422: return ERR_INVALID;
	case 429: return ERR_LOCKED;
	case 503: return ERR_UNAVAILABLE;
	default: return status >= 500 ? ERR_INTERNAL : ERR_MALFORMED;
	}
}

static const char *http_err_member(const struct http_resp *r,
				   const char *key)
{
	json_t *inner = json_object_get(r->body, "error");
	json_t *v = json_object_get(inner, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *http_resp_message(const struct http_resp *r)
{
	return http_err_member(r, "message");
}

void http_resp_err(const struct http_resp *r, struct err *e)
{
	if (!e)
		return;
	enum err_code code = http_status_code(r->status);
	const char *key = http_err_member(r, "code");
	const char *msg = http_err_member(r, "message");
	const char *field = http_err_member(r, "field");
	if (msg)
		err_set(e, code, key, "%s", msg);
	else if (r->status >= 500)
		err_set(e, code, key, "the server failed (HTTP %ld)",
			r->status);
	else
		err_set(e, code, key, "the server refused the request "
			"(HTTP %ld)", r->status);
	if (field)
		snprintf(e->field, sizeof e->field, "%s", field);
	e->retry_after = r->status == 429 && r->retry_after > 0 ?
				 (int)(r->retry_after > 86400 * 365 ?
					       86400 * 365 : r->retry_after) :
				 0;
}
