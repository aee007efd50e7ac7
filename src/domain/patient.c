/* patient.c — see patient.h.
 *
 * Activation codes are stored only as keyed hashes, so the server cannot
 * print a code it handed out earlier: the operator's client keeps the code
 * it received and presents it to fetch the letter (patient_letter() checks
 * it against the hash). Losing it means re-issuing, which revokes the old
 * code — exactly what should happen to a letter nobody can find. */
#include "domain/patient.h"

#include "core/clock.h"
#include "crypto/keys.h"
#include "crypto/password.h"
#include "domain/account.h"
#include "domain/kvnr.h"
#include "domain/policy.h"
#include "domain/throttle.h"
#include "domain/validate.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sexes[] = {"female", "male", "diverse", "unknown", NULL};

static int code_hash(const char *typed, uint8_t out[KEYS_HASH_LEN], struct err *e)
{
	char canon[TOKEN_CODE_CHARS + 1];
	if (!typed || token_code_normalize(typed, canon) < 0)
		return err_field(e, "code", "the activation code has 20 letters and digits, e.g. ABCD-EFGH-JKMN-PQRS-TVWX");
	keys_lookup_hash("activation", canon, TOKEN_CODE_CHARS, out);
	return 0;
}

static int code_issue(struct sql *db, const struct config *cfg, const char *account_id,
		      struct activation_code *code, struct err *e)
{
	uint8_t hash[KEYS_HASH_LEN];
	int64_t now = clock_now();
	token_code(code->code);
	code->expires = now + cfg->activation_ttl;
	if (code_hash(code->code, hash, e) < 0)
		return -1;
	if (sql_run(db, e, "UPDATE activation_codes SET revoked_at = ?"
			   " WHERE account_id = ? AND used_at IS NULL AND revoked_at IS NULL",
		    "it", now, account_id) < 0)
		return -1;
	return sql_run(db, e,
		       "INSERT INTO activation_codes (code_hash, account_id, expires_at, created_at)"
		       " VALUES (?, ?, ?, ?)",
		       "btii", hash, sizeof hash, account_id, code->expires, now) < 0 ? -1 : 0;
}

static int patient_validate(const struct patient_input *in, struct err *e)
{
	if (validate_text(in->name, "name", 1, 200, e) < 0 ||
	    validate_birth_date(in->birth_date, "birth_date", e) < 0 ||
	    validate_one_of(in->sex, "sex", sexes, e) < 0 ||
	    kvnr_check(in->kvnr, e) < 0 || validate_email(in->email, "email", e) < 0 ||
	    (in->phone && validate_phone(in->phone, "phone", e) < 0))
		return -1;
	return 0;
}

int patient_create(struct sql *db, const struct config *cfg, const struct actor *a,
		   const struct patient_input *in, char id_out[TOKEN_ID_LEN + 1],
		   struct activation_code *code, struct err *e)
{
	if (!policy_allows(a, POLICY_PATIENT_CREATE, NULL))
		return err_set(e, ERR_FORBIDDEN, NULL, "only insurer office staff may create patients");
	if (patient_validate(in, e) < 0)
		return -1;
	char record_id[TOKEN_ID_LEN + 1];
	uint8_t *record_key = keys_secret_alloc();
	uint8_t wrapped[KEYS_WRAPPED_LEN];
	int64_t now = clock_now();
	int rc = -1;
	if (!record_key)
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	token_id(id_out);
	token_id(record_id);
	keys_random(record_key);
	if (keys_wrap(NULL, record_key, record_id, wrapped) < 0) {
		err_set(e, ERR_INTERNAL, NULL, "cannot wrap the record key");
		goto out;
	}
	if (sql_begin(db, e) < 0)
		goto out;
	if (sql_run(db, e, "INSERT INTO accounts (id, role, login, status, created_at)"
			   " VALUES (?, 'patient', LOWER(?), 'pending', ?)",
		    "tti", id_out, in->email, now) < 0) {
		if (e && e->code == ERR_CONFLICT)
			err_conflict(e, "email", "an account with this email address exists");
		goto fail;
	}
	if (sql_run(db, e, "INSERT INTO patients (account_id, name, birth_date, sex, kvnr, email,"
			   " phone, created_by) VALUES (?, ?, ?, ?, ?, LOWER(?), ?, ?)",
		    "tttttttt", id_out, in->name, in->birth_date, in->sex, in->kvnr, in->email,
		    in->phone, a->account_id) < 0) {
		if (e && e->code == ERR_CONFLICT)
			err_conflict(e, "kvnr", "a patient with this insurance number exists");
		goto fail;
	}
	if (sql_run(db, e, "INSERT INTO records (id, patient_id, wrapped_key, created_at)"
			   " VALUES (?, ?, ?, ?)",
		    "ttbi", record_id, id_out, wrapped, sizeof wrapped, now) < 0 ||
	    code_issue(db, cfg, id_out, code, e) < 0 || sql_commit(db, e) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	sql_rollback(db);
out:
	keys_secret_free(record_key);
	return rc;
}

/* The account status of a patient, for the operator's calls: 404 for
 * anything that is not a patient. */
static int patient_status(struct sql *db, const char *patient_id, char status[16],
			  struct err *e)
{
	struct sql_stmt *st = sql_query(db, e,
		"SELECT status FROM accounts WHERE id = ? AND role = 'patient'", "t", patient_id);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	if (rc == SQL_ROW)
		snprintf(status, 16, "%s", sql_col_text(st, 0));
	sql_finalize(st);
	if (rc == SQL_DONE)
		return err_set(e, ERR_NOT_FOUND, NULL, "no such patient");
	return rc < 0 ? -1 : 0;
}

int patient_reissue(struct sql *db, const struct config *cfg, const struct actor *a,
		    const char *patient_id, struct activation_code *code, struct err *e)
{
	char status[16];
	if (!policy_allows(a, POLICY_PATIENT_LETTER, NULL))
		return err_set(e, ERR_FORBIDDEN, NULL, "only insurer office staff may issue letters");
	if (patient_status(db, patient_id, status, e) < 0)
		return -1;
	if (strcmp(status, "pending") != 0)
		return err_set(e, ERR_CONFLICT, "already_active", "this account is already activated");
	if (sql_begin(db, e) < 0)
		return -1;
	if (code_issue(db, cfg, patient_id, code, e) < 0 || sql_commit(db, e) < 0) {
		sql_rollback(db);
		return -1;
	}
	return 0;
}

json_t *patient_letter(struct sql *db, const struct actor *a, const char *patient_id,
		       const char *code, struct err *e)
{
	uint8_t hash[KEYS_HASH_LEN];
	if (!policy_allows(a, POLICY_PATIENT_LETTER, NULL)) {
		err_set(e, ERR_FORBIDDEN, NULL, "only insurer office staff may print letters");
		return NULL;
	}
	if (code_hash(code, hash, e) < 0)
		return NULL;
	struct sql_stmt *st = sql_query(db, e,
		"SELECT p.name, p.birth_date, a.login, c.expires_at FROM activation_codes c"
		" JOIN accounts a ON a.id = c.account_id JOIN patients p ON p.account_id = a.id"
		" WHERE c.code_hash = ? AND c.account_id = ? AND c.used_at IS NULL"
		" AND c.revoked_at IS NULL AND c.expires_at > ?",
		"bti", hash, sizeof hash, patient_id, clock_now());
	if (!st)
		return NULL;
	json_t *out = NULL;
	int rc = sql_step(st, e);
	if (rc == SQL_ROW) {
		char canon[TOKEN_CODE_CHARS + 1], grouped[TOKEN_CODE_LEN + 1];
		token_code_normalize(code, canon);
		size_t k = 0;
		for (size_t i = 0; i < TOKEN_CODE_CHARS; i++) {
			if (i && i % 4 == 0)
				grouped[k++] = '-';
			grouped[k++] = canon[i];
		}
		grouped[k] = '\0';
		out = json_pack("{s:s,s:s,s:s,s:s,s:I}", "name", sql_col_text(st, 0), "birth_date",
				sql_col_text(st, 1), "login", sql_col_text(st, 2), "code", grouped,
				"expires", (json_int_t)sql_col_int(st, 3));
	} else if (rc == SQL_DONE) {
		err_set(e, ERR_NOT_FOUND, NULL, "no current activation code like this for this patient");
	}
	sql_finalize(st);
	return out;
}

/* Find a usable code: 404 unknown, 410 used, replaced or expired. */
static int code_find(struct sql *db, const char *typed, uint8_t hash[KEYS_HASH_LEN],
		     char account_id[TOKEN_ID_LEN + 1], char login[256], struct err *e)
{
	if (code_hash(typed, hash, e) < 0)
		return -1;
	struct sql_stmt *st = sql_query(db, e,
		"SELECT c.account_id, c.used_at, c.revoked_at, c.expires_at, a.login, a.status"
		" FROM activation_codes c JOIN accounts a ON a.id = c.account_id"
		" WHERE c.code_hash = ?", "b", hash, (size_t)KEYS_HASH_LEN);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	if (rc == SQL_DONE)
		rc = err_set(e, ERR_NOT_FOUND, "code_unknown", "this activation code is not known; check it for typing errors");
	else if (rc == SQL_ROW && (!sql_col_is_null(st, 1) || strcmp(sql_col_text(st, 5), "pending") != 0))
		rc = err_set(e, ERR_GONE, "code_used", "this activation code was already used");
	else if (rc == SQL_ROW && !sql_col_is_null(st, 2))
		rc = err_set(e, ERR_GONE, "code_replaced", "this activation code was replaced by a newer letter");
	else if (rc == SQL_ROW && sql_col_int(st, 3) <= clock_now())
		rc = err_set(e, ERR_GONE, "code_expired", "this activation code has expired; ask your insurer for a new letter");
	else if (rc == SQL_ROW) {
		snprintf(account_id, TOKEN_ID_LEN + 1, "%s", sql_col_text(st, 0));
		snprintf(login, 256, "%s", sql_col_text(st, 4));
		rc = 0;
	}
	sql_finalize(st);
	return rc;
}

int activation_start(struct sql *db, const struct config *cfg, const char *code,
		     const char *password, struct activation_secret *out, struct err *e)
{
	(void)cfg;
	uint8_t hash[KEYS_HASH_LEN];
	char account_id[TOKEN_ID_LEN + 1], login[256];
	memset(out, 0, sizeof *out);
	if (code_find(db, code, hash, account_id, login, e) < 0 ||
	    password_check_new(password, e) < 0)
		return -1;
	char pw_hash[PASSWORD_HASH_LEN];
	uint8_t sealed[TOTP_SECRET_LEN + KEYS_SEAL_OVERHEAD];
	if (password_hash(password, pw_hash, e) < 0)
		return -1;
	account_totp_new(account_id, sealed, out->totp_secret);
	int64_t rc = sql_run(db, e,
		"UPDATE activation_codes SET password_hash = ?, totp_sealed = ? WHERE code_hash = ?",
		"tbb", pw_hash, sealed, sizeof sealed, hash, sizeof hash);
	sodium_memzero(pw_hash, sizeof pw_hash);
	if (rc < 0) {
		activation_secret_clear(out);
		return -1;
	}
	out->otpauth_uri = totp_uri("akte", login, out->totp_secret);
	if (!out->otpauth_uri) {
		activation_secret_clear(out);
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	}
	return 0;
}

int activation_confirm(struct sql *db, const struct config *cfg, const char *code,
		       const char *totp, struct err *e)
{
	uint8_t hash[KEYS_HASH_LEN], secret[TOTP_SECRET_LEN];
	char account_id[TOKEN_ID_LEN + 1], login[256], scope[THROTTLE_SCOPE_LEN];
	int rc = -1;
	if (code_find(db, code, hash, account_id, login, e) < 0)
		return -1;
	throttle_scope("activation", account_id, scope);
	if (throttle_check(db, scope, e) < 0)
		return -1;
	struct sql_stmt *st = sql_query(db, e,
		"SELECT password_hash, totp_sealed FROM activation_codes WHERE code_hash = ?",
		"b", hash, sizeof hash);
	if (!st)
		return -1;
	if (sql_step(st, e) != SQL_ROW)
		goto out;
	if (sql_col_is_null(st, 1)) {
		err_set(e, ERR_CONFLICT, "activation_not_started", "choose a password first");
		goto out;
	}
	size_t n;
	const void *sealed = sql_col_blob(st, 1, &n);
	if (account_totp_open(account_id, sealed, n, secret, e) < 0)
		goto out;
	uint64_t step = totp_verify(secret, sizeof secret, totp ? totp : "", clock_now(), 0);
	if (!step) {
		throttle_fail(db, cfg, scope, cfg->login_max_failures, NULL);
		err_field(e, "totp", "the 6-digit code is wrong; check the time on your phone and try the next code");
		goto out;
	}
	char pw_hash[PASSWORD_HASH_LEN];
	snprintf(pw_hash, sizeof pw_hash, "%s", sql_col_text(st, 0));
	uint8_t sealed_copy[TOTP_SECRET_LEN + KEYS_SEAL_OVERHEAD];
	memcpy(sealed_copy, sealed, sizeof sealed_copy);
	sql_finalize(st);
	st = NULL;
	if (sql_begin(db, e) < 0)
		goto out;
	if (sql_run(db, e, "UPDATE accounts SET password_hash = ?, totp_sealed = ?,"
			   " totp_last_step = ?, status = 'active' WHERE id = ? AND status = 'pending'",
		    "tbit", pw_hash, sealed_copy, sizeof sealed_copy, (int64_t)step, account_id) != 1 ||
	    sql_run(db, e, "UPDATE activation_codes SET used_at = ?, password_hash = NULL,"
			   " totp_sealed = NULL WHERE code_hash = ?",
		    "ib", clock_now(), hash, sizeof hash) < 0 ||
	    throttle_clear(db, scope, e) < 0 || sql_commit(db, e) < 0) {
		sql_rollback(db);
		if (e && !e->code)
			err_set(e, ERR_CONFLICT, "code_used", "this activation code was already used");
		sodium_memzero(pw_hash, sizeof pw_hash);
		goto out;
	}
	sodium_memzero(pw_hash, sizeof pw_hash);
	rc = 0;
out:
	sql_finalize(st);
	sodium_memzero(secret, sizeof secret);
	return rc;
}

void activation_secret_clear(struct activation_secret *s)
{
	free(s->otpauth_uri);
	sodium_memzero(s, sizeof *s);
}
