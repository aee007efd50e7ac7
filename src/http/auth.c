/* auth.c — see auth.h. The decision whether a session is valid lives in
 * domain/session.c; this file only finds the credentials in the request.
 *
 * Browsers send the cookie on their own, so a state-changing request that
 * authenticates by cookie must also prove it came from our page: it carries
 * the session's CSRF token in X-CSRF-Token (SameSite=Strict is the first
 * line of defence, this the second). Bearer tokens are never sent
 * automatically and need no such proof. */
#include "http/auth.h"

#include "domain/session.h"
#include "http/router.h"
#include "store/sql.h"

#include <string.h>
#include <strings.h>

static const char *bearer_token(struct http_request *req)
{
	const char *h = http_header(req, "Authorization");
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h ? h : NULL;
}

static int method_is_safe(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0;
}

int http_auth_request(struct http_request *req, const struct config *cfg)
{
	if (!(req->route->flags & ROUTE_AUTH))
		return 0;
	struct err e;
	err_clear(&e);
	const char *token = bearer_token(req);
	int via_cookie = 0;
	if (!token) {
		token = http_cookie(req, HTTP_SESSION_COOKIE);
		via_cookie = token != NULL;
	}
	if (!token) {
		err_set(&e, ERR_UNAUTHENTICATED, NULL, "please log in");
		goto fail;
	}
	struct sql *db = sql_thread_conn(&e);
	if (!db)
		goto fail;
	const char *csrf = NULL;
	int need_csrf = via_cookie && !method_is_safe(req->method);
	if (need_csrf)
		csrf = http_header(req, "X-CSRF-Token");
	snprintf(req->actor.client_addr, sizeof req->actor.client_addr, "%s", req->client_addr);
	if (session_authenticate(db, cfg, token, need_csrf, csrf, &req->actor, &e) < 0)
		goto fail;
	req->actor.via_cookie = via_cookie;
	return 0;
fail:
	memset(&req->actor, 0, sizeof req->actor);
	http_reply_error(req, &e);
	return -1;
}
