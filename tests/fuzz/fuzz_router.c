/* fuzz_router.c — router_match() (src/http/router.c) with a small route
 * table using {} parameters, against arbitrary method and path strings.
 * Input: the method up to the first '\n', the path after it (each an
 * exact-size NUL-terminated heap copy); without '\n' the method is taken
 * from the first byte among a few real ones and the path is the rest.
 *
 * Invariants beyond "no crash":
 *   - a match is an entry of the table, and its method equals the request's
 *     (or GET for HEAD);
 *   - the params of a match, one per {} of its pattern, point inside
 *     req->params_buf, are NUL-terminated there, non-empty and without '/',
 *     and substituting them into the pattern gives back the path exactly;
 *   - nothing matches with more than HTTP_MAX_PARAMS {} (the table has a
 *     route with HTTP_MAX_PARAMS + 1), and a match never holds more;
 *   - no match: params are all NULL; path_known is 0 or 1 and is set only
 *     when some route with another method matches the path (checked with an
 *     independent matcher). */
#include "http/router.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"


static void h(struct http_request *req) { (void)req; }

#define R(m, p, f) {.method = (m), .pattern = (p), .handler = h, .flags = (f)}
static const struct route table[] = {
	R("GET", "/api/v1/health", 0),
	R("POST", "/api/v1/login", ROUTE_JSON),
	R("GET", "/api/v1/devices", ROUTE_AUTH),
	R("DELETE", "/api/v1/devices/{}", ROUTE_AUTH),
	R("POST", "/api/v1/devices/{}/confirm", ROUTE_AUTH),
	R("GET", "/api/v1/patients/{}", ROUTE_AUTH),
	R("PUT", "/api/v1/patients/{}", ROUTE_AUTH | ROUTE_JSON),
	R("GET", "/api/v1/orgs/{}/users/{}", ROUTE_AUTH),
	R("GET", "/a/{}/{}/{}/{}", 0),
	R("GET", "/b/{}/{}/{}/{}/{}", 0), /* one {} too many: never matches */
	R("GET", "/{}", 0),
	R("GET", "/x/{}{}", 0),
	R("GET", "/", 0),
};
#define NROUTES (sizeof table / sizeof table[0])

static size_t count_params(const char *pattern)
{
	size_t n = 0;
	for (const char *p = pattern; (p = strstr(p, "{}")) != NULL; p += 2)
		n++;
	return n;
}

/* Independent matcher: does path fit pattern (with {} = one non-empty
 * segment without '/', at most HTTP_MAX_PARAMS of them, their copies
 * fitting params_buf)? */
static int ref_matches(const char *pattern, const char *path)
{
	size_t used = 0;
	int np = 0;
	while (*pattern) {
		if (pattern[0] == '{' && pattern[1] == '}') {
			size_t len = strcspn(path, "/");
			if (len == 0 || ++np > HTTP_MAX_PARAMS)
				return 0;
			used += len + 1;
			if (used > sizeof ((struct http_request *)0)->params_buf)
				return 0;
			path += len;
			pattern += 2;
			continue;
		}
		if (*pattern != *path)
			return 0;
		pattern++;
		path++;
	}
	return *path == '\0';
}

static char *dup_n(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);
	CHECK(s);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"};
	char *method, *path;
	const uint8_t *nl = memchr(data, '\n', size);
	if (nl) {
		method = dup_n(data, (size_t)(nl - data));
		path = dup_n(nl + 1, size - (size_t)(nl - data) - 1);
	} else {
		method = dup_n((const uint8_t *)methods[size ? data[0] % 6 : 0],
			       strlen(methods[size ? data[0] % 6 : 0]));
		path = dup_n(size ? data + 1 : data, size ? size - 1 : 0);
	}

	struct http_request *req = calloc(1, sizeof *req);
	CHECK(req);
	int path_known = 12345;
	const struct route *r = router_match(table, NROUTES, method, path, req, &path_known);
	CHECK(path_known == 0 || path_known == 1);

	if (r) {
		CHECK(r >= table && r < table + NROUTES);
		CHECK(strcmp(r->method, method) == 0 ||
		      (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0));
		size_t np = count_params(r->pattern);
		CHECK(np <= HTTP_MAX_PARAMS);
		CHECK(ref_matches(r->pattern, path));
		/* Rebuild the path from the pattern and the params. */
		size_t plen = strlen(path);
		char *re = malloc(plen + 1);
		CHECK(re);
		size_t o = 0, k = 0;
		for (const char *p = r->pattern; *p;) {
			if (p[0] == '{' && p[1] == '}') {
				const char *v = req->params[k++];
				CHECK(v != NULL);
				CHECK(v >= req->params_buf &&
				      v < req->params_buf + sizeof req->params_buf);
				size_t room = (size_t)(req->params_buf + sizeof req->params_buf - v);
				size_t vl = strnlen(v, room);
				CHECK(vl < room); /* NUL-terminated inside params_buf */
				CHECK(vl > 0);
				CHECK(memchr(v, '/', vl) == NULL);
				CHECK(o + vl <= plen);
				memcpy(re + o, v, vl);
				o += vl;
				p += 2;
			} else {
				CHECK(o < plen);
				re[o++] = *p++;
			}
		}
		re[o] = '\0';
		CHECK(k == np);
		CHECK(strcmp(re, path) == 0);
		free(re);
		/* Earlier routes were not the answer: none both fits and has the
		 * method (first match wins). */
		for (const struct route *q = table; q < r; q++)
			CHECK(!(ref_matches(q->pattern, path) &&
				(strcmp(q->method, method) == 0 ||
				 (strcmp(method, "HEAD") == 0 && strcmp(q->method, "GET") == 0))));
	} else {
		for (size_t i = 0; i < HTTP_MAX_PARAMS; i++)
			CHECK(req->params[i] == NULL);
		int known = 0;
		for (size_t i = 0; i < NROUTES; i++) {
			if (!ref_matches(table[i].pattern, path))
				continue;
			/* a fitting route with the method would have matched */
			CHECK(strcmp(table[i].method, method) != 0);
			CHECK(!(strcmp(method, "HEAD") == 0 && strcmp(table[i].method, "GET") == 0));
			known = 1;
		}
		CHECK(path_known == known);
	}
	free(req);
	free(method);
	free(path);
	return 0;
}
