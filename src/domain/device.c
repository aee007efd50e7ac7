/* device.c — see device.h. */
#include "domain/device.h"

#include "core/buf.h"
#include "core/clock.h"
#include "crypto/keys.h"
#include "domain/policy.h"
#include "notify/outbox.h"

#include <stdio.h>
#include <string.h>

static int device_mail(struct sql *db, const struct config *cfg, const char *email,
		       const char *device_id, const char *label, struct err *e)
{
	char token[TOKEN_LEN + 1];
	uint8_t hash[KEYS_HASH_LEN];
	token_new(token);
	keys_lookup_hash("device-confirm", token, strlen(token), hash);
	if (sql_run(db, e, "INSERT INTO device_confirmations (token_hash, device_id, expires_at)"
			   " VALUES (?, ?, ?)",
		    "bti", hash, sizeof hash, device_id, clock_now() + cfg->device_confirm_ttl) < 0)
		return -1;
	struct buf body;
	buf_init(&body, 0);
	int rc = buf_printf(&body,
		"Guten Tag,\n\n"
		"bei Ihrem akte-Konto hat sich ein neues Gerät angemeldet (%s).\n"
		"Wenn Sie das waren, bestätigen Sie das Gerät mit diesem Link (%lld Stunden gültig):\n\n"
		"%s/api/v1/devices/confirm?token=%s\n\n"
		"Wenn Sie das nicht waren, öffnen Sie den Link nicht und ändern Sie Ihr Passwort.\n\n"
		"---\n\n"
		"Hello,\n\n"
		"a new device signed in to your akte account (%s).\n"
		"If this was you, confirm the device with the link above (valid for %lld hours).\n"
		"If it was not you, do not open the link and change your password.\n",
		label, (long long)(cfg->device_confirm_ttl / 3600), cfg->public_url, token, label,
		(long long)(cfg->device_confirm_ttl / 3600));
	if (rc == 0)
		rc = outbox_enqueue(db, email, "akte: Neues Gerät bestätigen / Confirm a new device",
				    body.data, e);
	else
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
	buf_free(&body);
	return rc;
}

int device_check(struct sql *db, const struct config *cfg, const char *account_id,
		 const char *email, const char *client_device, const char *label,
		 int *confirmed, char device_id_out[TOKEN_ID_LEN + 1], struct err *e)
{
	uint8_t hash[KEYS_HASH_LEN];
	keys_lookup_hash("device", client_device, strlen(client_device), hash);
	int64_t now = clock_now();
	struct sql_stmt *st = sql_query(db, e,
		"SELECT id, confirmed_at FROM devices WHERE account_id = ? AND client_hash = ?",
		"tb", account_id, hash, sizeof hash);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	if (rc == SQL_ROW) {
		snprintf(device_id_out, TOKEN_ID_LEN + 1, "%s", sql_col_text(st, 0));
		*confirmed = !sql_col_is_null(st, 1);
	}
	sql_finalize(st);
	if (rc < 0)
		return -1;
	if (rc == SQL_ROW && *confirmed)
		return sql_run(db, e, "UPDATE devices SET last_seen_at = ? WHERE id = ?", "it", now,
			       device_id_out) < 0 ? -1 : 0;
	*confirmed = 0;
	if (sql_begin(db, e) < 0)
		return -1;
	if (rc == SQL_DONE) {
		token_id(device_id_out);
		if (sql_run(db, e, "INSERT INTO devices (id, account_id, client_hash, label, created_at)"
				   " VALUES (?, ?, ?, ?, ?)",
			    "ttbti", device_id_out, account_id, hash, sizeof hash, label, now) < 0)
			goto fail;
	}
	if (device_mail(db, cfg, email, device_id_out, label, e) < 0 || sql_commit(db, e) < 0)
		goto fail;
	outbox_kick();
	return 0;
fail:
	sql_rollback(db);
	return -1;
}

int device_confirm(struct sql *db, const char *token, struct err *e)
{
	if (!token || !token_is_wellformed(token))
		return err_set(e, ERR_NOT_FOUND, "link_unknown", "this link is not valid");
	uint8_t hash[KEYS_HASH_LEN];
	keys_lookup_hash("device-confirm", token, strlen(token), hash);
	int64_t now = clock_now();
	if (sql_begin(db, e) < 0)
		return -1;
	struct sql_stmt *st = sql_query(db, e,
		"SELECT device_id, used_at, expires_at FROM device_confirmations WHERE token_hash = ?",
		"b", hash, sizeof hash);
	if (!st)
		goto fail;
	int rc = sql_step(st, e);
	char device_id[TOKEN_ID_LEN + 1] = "";
	if (rc == SQL_DONE)
		rc = err_set(e, ERR_NOT_FOUND, "link_unknown", "this link is not valid");
	else if (rc == SQL_ROW && !sql_col_is_null(st, 1))
		rc = err_set(e, ERR_GONE, "link_used", "this link was already used");
	else if (rc == SQL_ROW && sql_col_int(st, 2) <= now)
		rc = err_set(e, ERR_GONE, "link_expired", "this link has expired; log in again to get a new one");
	else if (rc == SQL_ROW)
		snprintf(device_id, sizeof device_id, "%s", sql_col_text(st, 0));
	sql_finalize(st);
	if (!device_id[0])
		goto fail;
	if (sql_run(db, e, "UPDATE device_confirmations SET used_at = ? WHERE token_hash = ?",
		    "ib", now, hash, sizeof hash) < 0 ||
	    sql_run(db, e, "UPDATE devices SET confirmed_at = ? WHERE id = ? AND confirmed_at IS NULL",
		    "it", now, device_id) < 0 ||
	    sql_commit(db, e) < 0)
		goto fail;
	return 0;
fail:
	sql_rollback(db);
	return -1;
}

json_t *device_list(struct sql *db, const struct actor *a, struct err *e)
{
	if (!policy_allows(a, POLICY_DEVICE_LIST, NULL)) {
		err_set(e, ERR_FORBIDDEN, NULL, "not allowed");
		return NULL;
	}
	struct sql_stmt *st = sql_query(db, e,
		"SELECT id, label, confirmed_at, created_at, last_seen_at FROM devices"
		" WHERE account_id = ? ORDER BY created_at, id", "t", a->account_id);
	if (!st)
		return NULL;
	json_t *items = json_array();
	int rc;
	while ((rc = sql_step(st, e)) == SQL_ROW) {
		char created[CLOCK_RFC3339_LEN], seen[CLOCK_RFC3339_LEN];
		clock_rfc3339(sql_col_int(st, 3), created);
		clock_rfc3339(sql_col_int(st, 4), seen);
		json_array_append_new(items, json_pack("{s:s,s:s,s:b,s:s,s:o,s:b}",
			"id", sql_col_text(st, 0), "label", sql_col_text(st, 1),
			"confirmed", !sql_col_is_null(st, 2), "created_at", created,
			"last_seen_at", sql_col_is_null(st, 4) ? json_null() : json_string(seen),
			"current", strcmp(sql_col_text(st, 0), a->device_id) == 0));
	}
	sql_finalize(st);
	if (rc < 0) {
		json_decref(items);
		return NULL;
	}
	return json_pack("{s:o,s:n}", "items", items, "next_cursor");
}

int device_delete(struct sql *db, const struct actor *a, const char *device_id,
		  struct err *e)
{
	struct sql_stmt *st = sql_query(db, e, "SELECT account_id FROM devices WHERE id = ?", "t",
					device_id);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	char owner[TOKEN_ID_LEN + 1] = "";
	if (rc == SQL_ROW)
		snprintf(owner, sizeof owner, "%s", sql_col_text(st, 0));
	sql_finalize(st);
	if (rc < 0)
		return -1;
	struct policy_object obj = {.account_id = owner};
	/* Someone else's device and no device at all answer alike. */
	if (!owner[0] || !policy_allows(a, POLICY_DEVICE_DELETE, &obj))
		return err_set(e, ERR_NOT_FOUND, NULL, "no such device");
	if (sql_begin(db, e) < 0)
		return -1;
	if (sql_run(db, e, "DELETE FROM sessions WHERE device_id = ?", "t", device_id) < 0 ||
	    sql_run(db, e, "DELETE FROM device_confirmations WHERE device_id = ?", "t", device_id) < 0 ||
	    sql_run(db, e, "DELETE FROM devices WHERE id = ?", "t", device_id) < 0 ||
	    sql_commit(db, e) < 0) {
		sql_rollback(db);
		return -1;
	}
	return 0;
}
