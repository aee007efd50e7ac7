/* throttle.h — progressive locking after failed attempts, per scope
 * (a login name, a client address, an activation code...). Failures within
 * login_window are counted; reaching the limit locks the scope for
 * login_window, and each further failure while locked extends the lock.
 * Scopes are keyed hashes, so the table never holds a login in clear. */
#ifndef AKTE_DOMAIN_THROTTLE_H
#define AKTE_DOMAIN_THROTTLE_H

#include "core/config.h"
#include "store/sql.h"

#define THROTTLE_SCOPE_LEN 72

/* "kind:" + hex of a keyed hash of value. */
void throttle_scope(const char *kind, const char *value, char out[THROTTLE_SCOPE_LEN]);
/* 0 when free; -1 with ERR_LOCKED (retry_after set) when locked. */
int throttle_check(struct sql *db, const char *scope, struct err *e);
/* Record a failure; locks the scope when max failures fell in the window. */
int throttle_fail(struct sql *db, const struct config *cfg, const char *scope,
		  int64_t max, struct err *e);
/* Forget failures and locks (after a success). */
int throttle_clear(struct sql *db, const char *scope, struct err *e);

#endif
