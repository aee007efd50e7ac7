/* throttle.c — see throttle.h. */
#include "domain/throttle.h"

#include "core/clock.h"
#include "crypto/keys.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

void throttle_scope(const char *kind, const char *value, char out[THROTTLE_SCOPE_LEN])
{
	uint8_t h[KEYS_HASH_LEN];
	char hex[2 * 16 + 1];
	keys_lookup_hash("throttle", value, strlen(value), h);
	sodium_bin2hex(hex, sizeof hex, h, 16);
	snprintf(out, THROTTLE_SCOPE_LEN, "%.30s:%s", kind, hex);
}

int throttle_check(struct sql *db, const char *scope, struct err *e)
{
	int64_t now = clock_now();
	struct sql_stmt *st = sql_query(db, e, "SELECT until_at FROM login_locks WHERE scope = ?",
					"t", scope);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	int64_t until = rc == SQL_ROW ? sql_col_int(st, 0) : 0;
	sql_finalize(st);
	if (rc < 0)
		return -1;
	if (until > now) {
		err_set(e, ERR_LOCKED, "locked",
			"too many failed attempts; try again in %lld minutes",
			(long long)((until - now + 59) / 60));
		if (e)
			e->retry_after = (int)(until - now);
		return -1;
	}
	return 0;
}

int throttle_fail(struct sql *db, const struct config *cfg, const char *scope,
		  int64_t max, struct err *e)
{
	int64_t now = clock_now();
	if (sql_run(db, e, "INSERT INTO login_failures (scope, at) VALUES (?, ?)", "ti", scope,
		    now) < 0 ||
	    sql_run(db, e, "DELETE FROM login_failures WHERE scope = ? AND at <= ?", "ti", scope,
		    now - cfg->login_window) < 0)
		return -1;
	struct sql_stmt *st = sql_query(db, e, "SELECT COUNT(*) FROM login_failures WHERE scope = ?",
					"t", scope);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	int64_t count = rc == SQL_ROW ? sql_col_int(st, 0) : 0;
	sql_finalize(st);
	if (rc < 0)
		return -1;
	if (count < max)
		return 0;
	return sql_run(db, e,
		       "INSERT INTO login_locks (scope, until_at) VALUES (?, ?)"
		       " ON CONFLICT (scope) DO UPDATE SET until_at = excluded.until_at",
		       "ti", scope, now + cfg->login_window) < 0 ? -1 : 0;
}

int throttle_clear(struct sql *db, const char *scope, struct err *e)
{
	if (sql_run(db, e, "DELETE FROM login_failures WHERE scope = ?", "t", scope) < 0 ||
	    sql_run(db, e, "DELETE FROM login_locks WHERE scope = ?", "t", scope) < 0)
		return -1;
	return 0;
}
