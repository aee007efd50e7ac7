/* session.h — what verbs that talk to the server as a logged-in user share:
 * choosing the server URL, opening the profile that holds the token, and
 * treating a 401 as the end of the session (the token is then forgotten, so
 * the next verb does not send a dead token again). Future verbs (docs,
 * grants, reps, audit) go through session_call too. */
#ifndef AKTE_CLI_SESSION_H
#define AKTE_CLI_SESSION_H

#include "cli/cli.h"
#include "cli/http.h"
#include "cli/profile.h"

#define SESSION_SERVER_ENV "AKTE_SERVER"

/* --server, else the profile's (p may be NULL), else $AKTE_SERVER, else
 * CLI_DEFAULT_SERVER. The string belongs to c, p or the environment. Warns
 * once on stderr when it is plain http to another machine. */
const char *session_server(const struct cli *c, const struct profile *p);

/* Open c->profile (asking its local password) and require a token: e->key
 * "not_logged_in" otherwise. NULL on error. */
struct profile *session_open(const struct cli *c, struct err *e);

/* A call with the profile's token. On 401 the token is dropped and the
 * profile saved, and -1 returned with e->key "session_ended". Any other
 * answer returns 0 with r filled; transport failures -1. */
int session_call(const struct cli *c, struct profile *p, const char *method,
		 const char *path, const json_t *req, struct http_resp *r,
		 struct err *e);

/* session_call for a streamed transfer (see http_stream_call). */
int session_stream(const struct cli *c, struct profile *p,
		   const char *method, const char *path, struct http_stream *s,
		   struct http_resp *r, struct err *e);

/* Forget the token (and its expiry) and save the profile. */
int session_forget(struct profile *p, struct err *e);

#endif
