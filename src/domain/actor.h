/* actor.h — who is asking: the account behind an authenticated session.
 * Filled by session_authenticate() and handed to every domain call, which
 * passes it on to policy_allows(). */
#ifndef AKTE_DOMAIN_ACTOR_H
#define AKTE_DOMAIN_ACTOR_H

#include "crypto/token.h"

enum actor_role { ROLE_NONE = 0, ROLE_ADMIN, ROLE_OPERATOR, ROLE_PROVIDER, ROLE_PATIENT };

struct actor {
	enum actor_role role;            /* ROLE_NONE: not logged in */
	char account_id[TOKEN_ID_LEN + 1];
	char session_id[TOKEN_ID_LEN + 1];
	char device_id[TOKEN_ID_LEN + 1];
	char org_id[TOKEN_ID_LEN + 1];   /* provider staff only */
	char login[256];
	int via_cookie;                  /* browser session: CSRF applies */
	char client_addr[64];            /* for throttling and the audit log */
};

const char *actor_role_name(enum actor_role r);
/* "admin" -> ROLE_ADMIN; ROLE_NONE for anything else. */
enum actor_role actor_role_parse(const char *s);

#endif
