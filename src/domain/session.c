/* session.c — see session.h. */
#include "domain/session.h"

#include "core/clock.h"
#include "crypto/keys.h"

#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

int session_create(struct sql *db, const struct config *cfg, const char *account_id,
		   const char *device_id, struct session_new *out, struct err *e)
{
	uint8_t token_hash[KEYS_HASH_LEN], csrf_hash[KEYS_HASH_LEN];
	int64_t now = clock_now();
	token_new(out->token);
	token_new(out->csrf);
	token_id(out->id);
	keys_lookup_hash("session", out->token, strlen(out->token), token_hash);
	keys_lookup_hash("csrf", out->csrf, strlen(out->csrf), csrf_hash);
	out->expires = now + cfg->session_absolute;
	if (sql_run(db, e,
		    "INSERT INTO sessions (token_hash, id, account_id, device_id, csrf_hash,"
		    " created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		    "btttbiii", token_hash, sizeof token_hash, out->id, account_id, device_id,
		    csrf_hash, sizeof csrf_hash, now, now, out->expires) < 0)
		return -1;
	return 0;
}

int session_authenticate(struct sql *db, const struct config *cfg, const char *token,
			 int need_csrf, const char *csrf, struct actor *out,
			 struct err *e)
{
	if (!token_is_wellformed(token))
		return err_set(e, ERR_UNAUTHENTICATED, NULL, "please log in");
	uint8_t hash[KEYS_HASH_LEN];
	keys_lookup_hash("session", token, strlen(token), hash);
	int64_t now = clock_now();
	int rc = -1;
	struct sql_stmt *st = sql_query(db, e,
		"SELECT s.id, s.account_id, s.device_id, s.csrf_hash, s.last_seen_at,"
		" s.expires_at, a.role, a.login, a.org_id, a.status"
		" FROM sessions s JOIN accounts a ON a.id = s.account_id"
		" WHERE s.token_hash = ? AND s.ended_at IS NULL", "b", hash, sizeof hash);
	if (!st)
		return -1;
	int step = sql_step(st, e);
	if (step < 0)
		goto out;
	if (step == SQL_DONE || strcmp(sql_col_text(st, 9), "active") != 0) {
		err_set(e, ERR_UNAUTHENTICATED, NULL, "please log in");
		goto out;
	}
	int64_t last_seen = sql_col_int(st, 4), expires = sql_col_int(st, 5);
	if (now - last_seen > cfg->session_idle || now >= expires) {
		char sid[TOKEN_ID_LEN + 1];
		snprintf(sid, sizeof sid, "%s", sql_col_text(st, 0));
		sql_finalize(st);
		st = NULL;
		session_end(db, sid, NULL);
		err_set(e, ERR_UNAUTHENTICATED, "session_expired",
			"your session has ended; please log in again");
		goto out;
	}
	if (need_csrf) {
		size_t n;
		const void *stored = sql_col_blob(st, 3, &n);
		uint8_t got[KEYS_HASH_LEN];
		if (!csrf || n != KEYS_HASH_LEN) {
			err_set(e, ERR_FORBIDDEN, "csrf", "the X-CSRF-Token header is missing");
			goto out;
		}
		keys_lookup_hash("csrf", csrf, strlen(csrf), got);
		if (sodium_memcmp(got, stored, KEYS_HASH_LEN) != 0) {
			err_set(e, ERR_FORBIDDEN, "csrf", "the X-CSRF-Token header is wrong");
			goto out;
		}
	}
	memset(out, 0, offsetof(struct actor, client_addr));
	snprintf(out->session_id, sizeof out->session_id, "%s", sql_col_text(st, 0));
	snprintf(out->account_id, sizeof out->account_id, "%s", sql_col_text(st, 1));
	snprintf(out->device_id, sizeof out->device_id, "%s", sql_col_text(st, 2));
	out->role = actor_role_parse(sql_col_text(st, 6));
	snprintf(out->login, sizeof out->login, "%s", sql_col_text(st, 7));
	snprintf(out->org_id, sizeof out->org_id, "%s", sql_col_text(st, 8));
	sql_finalize(st);
	st = NULL;
	/* At most one write per second per session: the idle timer needs no
	 * finer grain, and most requests then stay read-only. */
	if (now > last_seen &&
	    sql_run(db, e, "UPDATE sessions SET last_seen_at = ? WHERE id = ?", "it", now,
		    out->session_id) < 0)
		goto out;
	rc = 0;
out:
	sql_finalize(st);
	return rc;
}

int session_end(struct sql *db, const char *session_id, struct err *e)
{
	return sql_run(db, e, "UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
		       "it", clock_now(), session_id) < 0 ? -1 : 0;
}
