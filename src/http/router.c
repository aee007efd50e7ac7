/* router.c — segment-wise matching of a path against the route table.
 * A linear scan: the table has a few dozen entries and the comparison stops
 * at the first differing segment, which costs less than building a tree. */
#include "http/router.h"

#include <string.h>

/* Match one pattern; on success the captured segments are copied into
 * req->params_buf (NUL-separated) and pointed to by req->params. */
static int route_matches(const char *pattern, const char *path,
			 struct http_request *req)
{
	const char *p = pattern, *s = path;
	size_t used = 0;
	int nparams = 0;
	while (*p && *s) {
		if (p[0] == '{' && p[1] == '}') {
			const char *end = strchr(s, '/');
			size_t len = end ? (size_t)(end - s) : strlen(s);
			if (len == 0 || nparams >= HTTP_MAX_PARAMS ||
			    used + len + 1 > sizeof req->params_buf)
				return 0;
			memcpy(req->params_buf + used, s, len);
			req->params_buf[used + len] = '\0';
			req->params[nparams++] = req->params_buf + used;
			used += len + 1;
			p += 2;
			s += len;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return *p == '\0' && *s == '\0';
}

const struct route *router_match(const struct route *table, size_t n,
				 const char *method, const char *path,
				 struct http_request *req, int *path_known)
{
	*path_known = 0;
	for (size_t i = 0; i < n; i++) {
		if (!route_matches(table[i].pattern, path, req))
			continue;
		if (strcmp(table[i].method, method) == 0 ||
		    (strcmp(method, "HEAD") == 0 && strcmp(table[i].method, "GET") == 0))
			return &table[i];
		*path_known = 1;
	}
	memset(req->params, 0, sizeof req->params);
	return NULL;
}
