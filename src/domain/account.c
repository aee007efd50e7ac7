/* account.c — see account.h. A TOTP secret must be readable by the server
 * to check codes, so it is sealed under the master key rather than hashed;
 * the account id is the associated data, so a sealed secret copied to
 * another account's row does not open. */
#include "domain/account.h"

#include "core/clock.h"
#include "crypto/keys.h"
#include "crypto/password.h"
#include "domain/policy.h"
#include "domain/validate.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char *const org_kinds[] = {"practice", "hospital", "pharmacy", "imaging",
					"insurer", NULL};
static const char *const staff_roles[] = {"admin", "operator", "provider", NULL};

int org_create(struct sql *db, const struct actor *a, const struct org_input *in,
	       char id_out[TOKEN_ID_LEN + 1], struct err *e)
{
	if (!policy_allows(a, POLICY_ORG_CREATE, NULL))
		return err_set(e, ERR_FORBIDDEN, NULL, "only an administrator may create organisations");
	if (validate_one_of(in->kind, "kind", org_kinds, e) < 0 ||
	    validate_text(in->name, "name", 1, 200, e) < 0 ||
	    (in->telematik_id && validate_text(in->telematik_id, "telematik_id", 1, 64, e) < 0) ||
	    (in->address && validate_text(in->address, "address", 0, 500, e) < 0))
		return -1;
	token_id(id_out);
	if (sql_run(db, e,
		    "INSERT INTO orgs (id, kind, name, telematik_id, address, created_at)"
		    " VALUES (?, ?, ?, ?, ?, ?)",
		    "ttttti", id_out, in->kind, in->name, in->telematik_id, in->address,
		    clock_now()) < 0) {
		if (e && e->code == ERR_CONFLICT)
			err_conflict(e, "telematik_id", "an organisation with this Telematik-ID exists");
		return -1;
	}
	return 0;
}

json_t *org_search(struct sql *db, const struct actor *a, const char *q, int limit,
		   struct err *e)
{
	if (!policy_allows(a, POLICY_ORG_LIST, NULL)) {
		err_set(e, ERR_FORBIDDEN, NULL, "not allowed");
		return NULL;
	}
	if (q && strlen(q) > 200) {
		err_field(e, "q", "the search text is too long");
		return NULL;
	}
	char pattern[256];
	/* Escape LIKE wildcards so the text is matched literally. */
	size_t k = 0;
	pattern[k++] = '%';
	for (const char *p = q ? q : ""; *p && k < sizeof pattern - 3; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			pattern[k++] = '\\';
		pattern[k++] = *p;
	}
	pattern[k++] = '%';
	pattern[k] = '\0';
	struct sql_stmt *st = sql_query(db, e,
		"SELECT id, kind, name, telematik_id, address FROM orgs"
		" WHERE kind <> 'insurer' AND (LOWER(name) LIKE LOWER(?) ESCAPE '\\'"
		" OR telematik_id LIKE ? ESCAPE '\\') ORDER BY name, id LIMIT ?",
		"tti", pattern, pattern, (int64_t)limit);
	if (!st)
		return NULL;
	json_t *items = json_array();
	int rc;
	while ((rc = sql_step(st, e)) == SQL_ROW) {
		json_t *o = json_pack("{s:s,s:s,s:s}", "id", sql_col_text(st, 0), "kind",
				      sql_col_text(st, 1), "name", sql_col_text(st, 2));
		json_object_set_new(o, "telematik_id", sql_col_is_null(st, 3) ? json_null()
						       : json_string(sql_col_text(st, 3)));
		json_object_set_new(o, "address", sql_col_is_null(st, 4) ? json_null()
						  : json_string(sql_col_text(st, 4)));
		json_array_append_new(items, o);
	}
	sql_finalize(st);
	if (rc < 0) {
		json_decref(items);
		return NULL;
	}
	return json_pack("{s:o,s:n}", "items", items, "next_cursor");
}

void account_totp_new(const char *account_id, uint8_t *sealed,
		      char b32[TOTP_SECRET_B32_LEN + 1])
{
	uint8_t secret[TOTP_SECRET_LEN];
	totp_new_secret(secret);
	totp_secret_base32(secret, b32);
	keys_seal(secret, sizeof secret, account_id, sealed);
	sodium_memzero(secret, sizeof secret);
}

int account_totp_open(const char *account_id, const void *sealed, size_t n,
		      uint8_t secret[TOTP_SECRET_LEN], struct err *e)
{
	if (n != TOTP_SECRET_LEN + KEYS_SEAL_OVERHEAD)
		return err_set(e, ERR_INTERNAL, NULL, "stored second factor is damaged");
	return keys_open(sealed, n, account_id, secret, e);
}

static int org_exists(struct sql *db, const char *org_id, struct err *e)
{
	struct sql_stmt *st = sql_query(db, e, "SELECT 1 FROM orgs WHERE id = ?", "t", org_id);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	sql_finalize(st);
	return rc < 0 ? -1 : rc == SQL_ROW;
}

int user_create(struct sql *db, const struct actor *a, const struct user_input *in,
		struct user_created *out, struct err *e)
{
	if (!policy_allows(a, POLICY_USER_CREATE, NULL))
		return err_set(e, ERR_FORBIDDEN, NULL, "only an administrator may create accounts");
	if (validate_one_of(in->role, "role", staff_roles, e) < 0 ||
	    validate_email(in->login, "login", e) < 0 ||
	    password_check_new(in->password, e) < 0)
		return -1;
	int needs_org = strcmp(in->role, "provider") == 0;
	if (needs_org && !in->org_id)
		return err_field(e, "org", "provider staff must belong to an organisation");
	if (in->org_id && strcmp(in->role, "admin") == 0)
		return err_field(e, "org", "an administrator belongs to no organisation");
	if (in->org_id) {
		int have = org_exists(db, in->org_id, e);
		if (have < 0)
			return -1;
		if (!have)
			return err_field(e, "org", "no such organisation");
	}
	char hash[PASSWORD_HASH_LEN];
	if (password_hash(in->password, hash, e) < 0)
		return -1;
	uint8_t sealed[TOTP_SECRET_LEN + KEYS_SEAL_OVERHEAD];
	token_id(out->id);
	account_totp_new(out->id, sealed, out->totp_secret);
	int64_t rc = sql_run(db, e,
		"INSERT INTO accounts (id, role, login, org_id, password_hash, totp_sealed,"
		" status, created_at) VALUES (?, ?, LOWER(?), ?, ?, ?, 'active', ?)",
		"tttttbi", out->id, in->role, in->login, in->org_id, hash, sealed, sizeof sealed,
		clock_now());
	sodium_memzero(hash, sizeof hash);
	if (rc < 0) {
		if (e && e->code == ERR_CONFLICT)
			err_conflict(e, "login", "an account with this login exists");
		sodium_memzero(out, sizeof *out);
		return -1;
	}
	return 0;
}

static json_t *account_records(struct sql *db, const struct actor *a, struct err *e)
{
	json_t *items = json_array();
	if (a->role != ROLE_PATIENT)
		return items;
	/* The own record first, then those the account represents (active
	 * representations only: a pending one opens nothing yet). */
	struct sql_stmt *st = sql_query(db, e,
		"SELECT r.id, p.name, p.birth_date, 'patient' AS capacity, 0 AS k FROM records r"
		" JOIN patients p ON p.account_id = r.patient_id WHERE r.patient_id = ?"
		" UNION ALL"
		" SELECT r.id, p.name, p.birth_date, 'representative', 1 FROM representations x"
		" JOIN records r ON r.id = x.record_id JOIN patients p ON p.account_id = r.patient_id"
		" WHERE x.account_id = ? AND x.status = 'active'"
		" ORDER BY k, 2, 1",
		"tt", a->account_id, a->account_id);
	if (!st) {
		json_decref(items);
		return NULL;
	}
	int rc;
	while ((rc = sql_step(st, e)) == SQL_ROW)
		json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:s}", "id",
			sql_col_text(st, 0), "capacity", sql_col_text(st, 3), "patient_name",
			sql_col_text(st, 1), "birth_date", sql_col_text(st, 2)));
	sql_finalize(st);
	if (rc < 0) {
		json_decref(items);
		return NULL;
	}
	return items;
}

json_t *account_describe(struct sql *db, const struct actor *a, struct err *e)
{
	json_t *org = json_null();
	if (a->org_id[0]) {
		struct sql_stmt *st = sql_query(db, e, "SELECT id, kind, name FROM orgs WHERE id = ?",
						"t", a->org_id);
		if (!st)
			return NULL;
		int rc = sql_step(st, e);
		if (rc == SQL_ROW)
			org = json_pack("{s:s,s:s,s:s}", "id", sql_col_text(st, 0), "kind",
					sql_col_text(st, 1), "name", sql_col_text(st, 2));
		sql_finalize(st);
		if (rc < 0)
			return NULL;
	}
	json_t *records = account_records(db, a, e);
	if (!records) {
		json_decref(org);
		return NULL;
	}
	return json_pack("{s:s,s:s,s:s,s:o,s:o}", "id", a->account_id, "role",
			 actor_role_name(a->role), "login", a->login, "org", org, "records",
			 records);
}
