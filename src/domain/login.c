/* login.c — see login.h.
 *
 * Throttling is by login name (whether or not such an account exists, so a
 * lock reveals nothing) and by client address. Every failure costs an
 * Argon2id verification, a real one or against a dummy hash, so timing does
 * not tell either. A code is refused if its time step was already used
 * (totp_last_step), so an overheard code cannot be replayed. */
#include "domain/login.h"

#include "core/clock.h"
#include "crypto/keys.h"
#include "crypto/password.h"
#include "crypto/totp.h"
#include "domain/account.h"
#include "domain/device.h"
#include "domain/guard.h"
#include "domain/throttle.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define LOGIN_MAX 254
#define DEVICE_ID_MAX 128

struct login_account {
	char id[TOKEN_ID_LEN + 1];
	char password_hash[PASSWORD_HASH_LEN];
	uint8_t totp_sealed[TOTP_SECRET_LEN + KEYS_SEAL_OVERHEAD];
	size_t totp_sealed_len;
	uint64_t last_step;
};

/* 1 found (active), 0 not found, -1 error. */
static int login_find(struct sql *db, const char *login, struct login_account *acc,
		      struct err *e)
{
	struct sql_stmt *st = sql_query(db, e,
		"SELECT id, password_hash, totp_sealed, totp_last_step FROM accounts"
		" WHERE login = LOWER(?) AND status = 'active'", "t", login);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	if (rc == SQL_ROW) {
		size_t n;
		const void *sealed = sql_col_blob(st, 2, &n);
		snprintf(acc->id, sizeof acc->id, "%s", sql_col_text(st, 0));
		snprintf(acc->password_hash, sizeof acc->password_hash, "%s", sql_col_text(st, 1));
		acc->totp_sealed_len = n <= sizeof acc->totp_sealed ? n : 0;
		if (acc->totp_sealed_len)
			memcpy(acc->totp_sealed, sealed, n);
		acc->last_step = (uint64_t)sql_col_int(st, 3);
	}
	sql_finalize(st);
	return rc < 0 ? -1 : rc == SQL_ROW;
}

/* Checks password and code; on success records the used time step. */
static int login_verify(struct sql *db, const struct login_account *acc,
			const struct login_input *in, struct err *e)
{
	uint8_t secret[TOTP_SECRET_LEN];
	if (!password_verify(acc->password_hash, in->password))
		return 0;
	if (account_totp_open(acc->id, acc->totp_sealed, acc->totp_sealed_len, secret, e) < 0)
		return -1;
	uint64_t step = totp_verify(secret, sizeof secret, in->totp, clock_now(), acc->last_step);
	sodium_memzero(secret, sizeof secret);
	if (!step)
		return 0;
	/* The WHERE clause makes two concurrent logins with the same code
	 * race for the step: only one of them wins. */
	int64_t n = sql_run(db, e, "UPDATE accounts SET totp_last_step = ? WHERE id = ?"
				   " AND totp_last_step < ?",
			    "iti", (int64_t)step, acc->id, (int64_t)step);
	return n < 0 ? -1 : n == 1;
}

/* A failed login to a patient's account goes into that patient's own
 * record log, with the client address, so the patient sees attempts on
 * their account (DESIGN.md). Best effort: a failure here must not turn a
 * refused login into another answer. */
static void login_note_failure(struct sql *db, const struct login_account *acc,
			       const char *client_addr)
{
	struct sql_stmt *st = sql_query(db, NULL, "SELECT id FROM records WHERE patient_id = ?",
					"t", acc->id);
	if (!st)
		return;
	struct record_access ra;
	memset(&ra, 0, sizeof ra);
	if (sql_step(st, NULL) == SQL_ROW)
		snprintf(ra.record_id, sizeof ra.record_id, "%s", sql_col_text(st, 0));
	sql_finalize(st);
	if (!ra.record_id[0])
		return;
	struct actor who;
	memset(&who, 0, sizeof who);
	snprintf(who.login, sizeof who.login, "unbekannt / unknown");
	snprintf(who.client_addr, sizeof who.client_addr, "%s", client_addr ? client_addr : "");
	audit_note(db, &who, &ra, "auth.login_failed", "account", acc->id, NULL, 0, NULL);
}

static int login_validate(const struct login_input *in, struct err *e)
{
	if (!in->login || !in->password || !in->totp || !in->device)
		return err_set(e, ERR_INVALID, "invalid_field",
			       "login, password, totp and device are required");
	if (strlen(in->login) > LOGIN_MAX)
		return err_field(e, "login", "login is too long");
	if (strlen(in->password) > PASSWORD_MAX_BYTES)
		return err_field(e, "password", "password is too long");
	size_t dn = strlen(in->device);
	if (dn < 8 || dn > DEVICE_ID_MAX)
		return err_field(e, "device", "device must be an id of 8 to %d characters", DEVICE_ID_MAX);
	return 0;
}

int login_attempt(struct sql *db, const struct config *cfg, const struct login_input *in,
		  struct session_new *out, struct err *e)
{
	struct login_account acc;
	char login_scope[THROTTLE_SCOPE_LEN], addr_scope[THROTTLE_SCOPE_LEN];
	int rc = -1;
	memset(&acc, 0, sizeof acc);
	if (login_validate(in, e) < 0)
		return -1;
	char lowered[LOGIN_MAX + 1];
	size_t i = 0;
	for (; in->login[i] && i < LOGIN_MAX; i++)
		lowered[i] = (char)((in->login[i] >= 'A' && in->login[i] <= 'Z') ? in->login[i] + 32 : in->login[i]);
	lowered[i] = '\0';
	throttle_scope("login", lowered, login_scope);
	throttle_scope("addr", in->client_addr, addr_scope);
	if (throttle_check(db, addr_scope, e) < 0)
		return -1;
	if (throttle_check(db, login_scope, e) < 0) {
		/* Knocking on a locked door keeps it locked. */
		throttle_fail(db, cfg, login_scope, cfg->login_max_failures, NULL);
		return -1;
	}
	int found = login_find(db, lowered, &acc, e);
	if (found < 0)
		goto out;
	int ok = 0;
	if (found) {
		ok = login_verify(db, &acc, in, e);
		if (ok < 0)
			goto out;
	} else {
		password_verify_dummy(in->password);
	}
	if (!ok) {
		if (found)
			login_note_failure(db, &acc, in->client_addr);
		if (throttle_fail(db, cfg, login_scope, cfg->login_max_failures, e) < 0 ||
		    throttle_fail(db, cfg, addr_scope, cfg->addr_max_failures, e) < 0)
			goto out;
		err_set(e, ERR_UNAUTHENTICATED, "login_failed",
			"login, password or code is wrong");
		goto out;
	}
	if (throttle_clear(db, login_scope, e) < 0)
		goto out;
	int confirmed = 0;
	char device_id[TOKEN_ID_LEN + 1];
	if (device_check(db, cfg, acc.id, lowered, in->device,
			 in->device_label ? in->device_label : "unknown device",
			 &confirmed, device_id, e) < 0)
		goto out;
	if (!confirmed) {
		err_set(e, ERR_FORBIDDEN, "device_unconfirmed",
			"this device is new: we sent you an email with a link to confirm it");
		goto out;
	}
	rc = session_create(db, cfg, acc.id, device_id, out, e);
out:
	sodium_memzero(&acc, sizeof acc);
	return rc;
}
