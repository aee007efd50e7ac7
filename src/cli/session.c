/* session.c — server choice and authenticated calls, see session.h. */
#include "cli/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Plain http is fine to this machine (tests, a tunnel); elsewhere a
 * password and a token would cross the network readable. */
static void session_warn_plain(const char *url)
{
	static int warned;
	if (warned || strncasecmp(url, "http://", 7) != 0)
		return;
	const char *host = url + 7;
	size_t n = strcspn(host, "/:?#");
	if (host[0] == '[')
		n = strcspn(host, "]") + 1;
	if ((n == 9 && !strncasecmp(host, "localhost", 9)) ||
	    (n >= 4 && !strncmp(host, "127.", 4)) ||
	    (n == 5 && !strncmp(host, "[::1]", 5)))
		return;
	warned = 1;
	fprintf(stderr, "akte: warning: %s is not encrypted; use https:// "
		"for a server on another machine\n", url);
}

const char *session_server(const struct cli *c, const struct profile *p)
{
	const char *s = c->server;
	if (!s && p && p->server[0])
		s = p->server;
	if (!s) {
		const char *env = getenv(SESSION_SERVER_ENV);
		s = env && env[0] ? env : CLI_DEFAULT_SERVER;
	}
	session_warn_plain(s);
	return s;
}

struct profile *session_open(const struct cli *c, struct err *e)
{
	struct profile *p = profile_open(c->profile, e);
	if (!p)
		return NULL;
	if (!p->token[0]) {
		err_set(e, ERR_UNAUTHENTICATED, "not_logged_in",
			"you are not logged in (profile %s); run akte login",
			c->profile);
		profile_close(p);
		return NULL;
	}
	return p;
}

int session_forget(struct profile *p, struct err *e)
{
	sodium_memzero(p->token, sizeof p->token);
	sodium_memzero(p->expires, sizeof p->expires);
	return profile_save(p, e);
}

/* After an answer arrived: a 401 ends the session here too. */
static int session_judge(struct profile *p, struct http_resp *r,
			 struct err *e)
{
	if (r->status != 401)
		return 0;
	http_resp_free(r);
	struct err save;
	err_clear(&save);
	if (session_forget(p, &save) < 0)
		return err_set(e, ERR_UNAUTHENTICATED, "session_ended",
			       "your session has ended; run akte login "
			       "(and the profile could not be updated: %s)",
			       save.msg);
	return err_set(e, ERR_UNAUTHENTICATED, "session_ended",
		       "your session has ended; run akte login");
}

int session_call(const struct cli *c, struct profile *p, const char *method,
		 const char *path, const json_t *req, struct http_resp *r,
		 struct err *e)
{
	if (http_call(session_server(c, p), method, path, p->token, req, r,
		      e) < 0)
		return -1;
	return session_judge(p, r, e);
}

int session_stream(const struct cli *c, struct profile *p,
		   const char *method, const char *path, struct http_stream *s,
		   struct http_resp *r, struct err *e)
{
	if (http_stream_call(session_server(c, p), method, path, p->token, s,
			     r, e) < 0)
		return -1;
	return session_judge(p, r, e);
}
