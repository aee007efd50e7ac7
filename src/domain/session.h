/* session.h — login sessions: 256-bit random tokens of which only keyed
 * hashes are stored, an idle and an absolute timeout, a CSRF token per
 * session, and ending a session at once. */
#ifndef AKTE_DOMAIN_SESSION_H
#define AKTE_DOMAIN_SESSION_H

#include "core/config.h"
#include "crypto/token.h"
#include "domain/actor.h"
#include "store/sql.h"

#include <stdint.h>

struct session_new {
	char token[TOKEN_LEN + 1];
	char csrf[TOKEN_LEN + 1];
	char id[TOKEN_ID_LEN + 1];
	int64_t expires;   /* absolute end; the idle timeout may end it sooner */
};

int session_create(struct sql *db, const struct config *cfg, const char *account_id,
		   const char *device_id, struct session_new *out, struct err *e);
/* Resolve a token to its actor. 401 for unknown, ended, idle or expired
 * sessions (key "session_expired" for the last two); when need_csrf, a
 * missing or wrong csrf is 403 "csrf". Refreshes the idle timer. */
int session_authenticate(struct sql *db, const struct config *cfg, const char *token,
			 int need_csrf, const char *csrf, struct actor *out,
			 struct err *e);
int session_end(struct sql *db, const char *session_id, struct err *e);

#endif
