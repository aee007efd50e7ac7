/* grant.c — see grant.h. A grant is a row with an end time; it is never
 * deleted, only revoked (revoked_at set), so the patient's list keeps the
 * history and access.c can answer "is there a live grant" with one query
 * on every request — which is why a revocation takes effect at once.
 *
 * An organisation holds at most one live grant per record: a new grant to
 * the same organisation revokes the one before it in the same transaction.
 * access.c reads only the newest live grant, so an older one left live
 * would show as "active" in the patient's list without meaning anything.
 *
 * The default lengths by organisation kind, the longest grant and the
 * kinds that cannot hold grants come from data/grant-defaults.json, loaded
 * once before any thread starts and only read afterwards. */
#include "domain/grant.h"

#include "core/clock.h"
#include "domain/access.h"
#include "domain/audit.h"
#include "domain/guard.h"
#include "domain/category.h"
#include "domain/policy.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRANT_KINDS_MAX 16
#define GRANT_KIND_LEN 32
#define GRANT_DAY_SECONDS ((int64_t)86400)
/* Neither list pages: a record collects a few grants a year and an
 * organisation sees the records it treats now; the bounds only keep a
 * runaway answer finite. */
#define GRANT_LIST_MAX 500
#define GRANT_RECORDS_MAX 2000
/* Room for ACCESS_MAX_CATEGORIES quoted codes with commas, as JSON. */
#define GRANT_CATEGORIES_TEXT (ACCESS_MAX_CATEGORIES * (ACCESS_CATEGORY_LEN + 3) + 3)

static struct grant_rules {
	int64_t max_days;
	int n_kinds;
	struct {
		char kind[GRANT_KIND_LEN];
		int64_t days; /* 0: this kind cannot hold grants */
	} kinds[GRANT_KINDS_MAX];
} grant_rules;

int grant_rules_load(const char *rules_dir, struct err *e)
{
	char path[PATH_MAX];
	json_error_t je;
	int rc = -1;
	snprintf(path, sizeof path, "%s/grant-defaults.json", rules_dir);
	json_t *root = json_load_file(path, 0, &je);
	if (!root)
		return err_set(e, ERR_INTERNAL, "rules", "%s: %s", path, je.text);
	json_t *max = json_object_get(root, "max_days");
	json_t *kinds = json_object_get(root, "default_days");
	if (!json_is_integer(max) || json_integer_value(max) < 1 ||
	    json_integer_value(max) > 3650 || !json_is_object(kinds) ||
	    json_object_size(kinds) == 0 || json_object_size(kinds) > GRANT_KINDS_MAX) {
		err_set(e, ERR_INTERNAL, "rules", "%s: max_days (1..3650) and default_days are needed",
			path);
		goto out;
	}
	grant_rules.max_days = json_integer_value(max);
	grant_rules.n_kinds = 0;
	const char *kind;
	json_t *days;
	json_object_foreach(kinds, kind, days) {
		/* null: not grantable; otherwise a default within the maximum. */
		int ok = json_is_null(days) ||
			 (json_is_integer(days) && json_integer_value(days) >= 1 &&
			  json_integer_value(days) <= grant_rules.max_days);
		if (!ok || strlen(kind) >= GRANT_KIND_LEN) {
			err_set(e, ERR_INTERNAL, "rules",
				"%s: default_days.%s must be null or 1..max_days", path, kind);
			goto out;
		}
		int i = grant_rules.n_kinds++;
		snprintf(grant_rules.kinds[i].kind, GRANT_KIND_LEN, "%s", kind);
		grant_rules.kinds[i].days = json_is_null(days) ? 0 : json_integer_value(days);
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* The default length for an organisation kind; 0 when the kind cannot
 * hold grants (null in the file, or not named there at all). */
static int64_t grant_default_days(const char *kind)
{
	for (int i = 0; i < grant_rules.n_kinds; i++)
		if (strcmp(grant_rules.kinds[i].kind, kind) == 0)
			return grant_rules.kinds[i].days;
	return 0;
}

static int grant_audit(struct sql *db, const struct actor *a, const struct record_access *acc,
		       const char *action, const char *grant_id, const char *label, int allowed,
		       struct err *e)
{
	return audit_note(db, a, acc, action, "grant", grant_id, label, allowed, e);
}

/* The caller's standing to the record and policy's answer (guard.h). */
static int grant_authorize(struct sql *db, const struct actor *a, const char *record_id,
			   enum policy_action action, const char *audit_action,
			   const char *grant_id, struct record_access *acc, struct err *e)
{
	return guard_record(db, a, record_id, action, NULL, audit_action, "grant", grant_id, acc,
			    e);
}

/* categories: NULL (the whole record) or a non-empty array of distinct
 * known codes. An empty list is refused rather than stored: access.c reads
 * "no categories" as "all of them", the opposite of what it would say. */
static int grant_categories(json_t *cats, char out[GRANT_CATEGORIES_TEXT], struct err *e)
{
	out[0] = '\0';
	if (!cats || json_is_null(cats))
		return 0;
	if (!json_is_array(cats) || json_array_size(cats) == 0)
		return err_field(e, "categories",
				 "categories must be a list of category codes, or left out for all");
	if (json_array_size(cats) > ACCESS_MAX_CATEGORIES)
		return err_field(e, "categories", "at most %d categories", ACCESS_MAX_CATEGORIES);
	size_t i, j;
	json_t *c;
	json_array_foreach(cats, i, c) {
		const char *code = json_string_value(c);
		if (!code || json_string_length(c) >= ACCESS_CATEGORY_LEN || !category_exists(code))
			return err_field(e, "categories", "item %zu is not a known category code", i);
		for (j = 0; j < i; j++)
			if (strcmp(json_string_value(json_array_get(cats, j)), code) == 0)
				return err_field(e, "categories", "%s is listed twice", code);
	}
	char *text = json_dumps(cats, JSON_COMPACT);
	if (!text)
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	snprintf(out, GRANT_CATEGORIES_TEXT, "%s", text);
	free(text);
	return 0;
}

#define GRANT_COLUMNS                                                                   \
	"g.id, g.record_id, o.id, o.name, o.kind, o.telematik_id, g.categories,"          \
	" g.created_at, g.expires_at, g.revoked_at"
#define GRANT_FROM " FROM grants g JOIN orgs o ON o.id = g.org_id"

static json_t *grant_row_json(struct sql_stmt *st, int64_t now)
{
	char created[CLOCK_RFC3339_LEN], expires[CLOCK_RFC3339_LEN], revoked[CLOCK_RFC3339_LEN];
	int64_t expires_at = sql_col_int(st, 8);
	int is_revoked = !sql_col_is_null(st, 9);
	clock_rfc3339(sql_col_int(st, 7), created);
	clock_rfc3339(expires_at, expires);
	clock_rfc3339(sql_col_int(st, 9), revoked);
	json_t *cats = sql_col_is_null(st, 6) ? NULL : json_loads(sql_col_text(st, 6), 0, NULL);
	return json_pack("{s:s,s:s,s:{s:s,s:s,s:s,s:o},s:o,s:s,s:s,s:o,s:b}",
		"id", sql_col_text(st, 0), "record_id", sql_col_text(st, 1),
		"org", "id", sql_col_text(st, 2), "name", sql_col_text(st, 3),
		"kind", sql_col_text(st, 4),
		"telematik_id", sql_col_is_null(st, 5) ? json_null() : json_string(sql_col_text(st, 5)),
		"categories", cats ? cats : json_null(), "created_at", created,
		"expires_at", expires, "revoked_at", is_revoked ? json_string(revoked) : json_null(),
		"active", !is_revoked && expires_at > now);
}

static json_t *grant_load_json(struct sql *db, const char *id, struct err *e)
{
	struct sql_stmt *st = sql_query(db, e, "SELECT " GRANT_COLUMNS GRANT_FROM " WHERE g.id = ?",
					"t", id);
	if (!st)
		return NULL;
	json_t *out = NULL;
	int rc = sql_step(st, e);
	if (rc == SQL_ROW)
		out = grant_row_json(st, clock_now());
	else if (rc == SQL_DONE)
		err_set(e, ERR_INTERNAL, NULL, "the grant just written is missing");
	sql_finalize(st);
	return out;
}

/* The organisation to be granted: its name for the log and its kind for
 * the default length. 0 found, 422 on "org" otherwise. */
static int grant_org(struct sql *db, const char *org_id, char name[256], char kind[GRANT_KIND_LEN],
		     struct err *e)
{
	if (!org_id || !token_id_is_wellformed(org_id))
		return err_field(e, "org", "no such organisation");
	struct sql_stmt *st = sql_query(db, e, "SELECT name, kind FROM orgs WHERE id = ?", "t",
					org_id);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	if (rc == SQL_ROW) {
		snprintf(name, 256, "%s", sql_col_text(st, 0));
		snprintf(kind, GRANT_KIND_LEN, "%s", sql_col_text(st, 1));
	}
	sql_finalize(st);
	if (rc < 0)
		return -1;
	return rc == SQL_ROW ? 0 : err_field(e, "org", "no such organisation");
}

json_t *grant_create(struct sql *db, const struct actor *a, const char *record_id,
		     const struct grant_input *in, struct err *e)
{
	struct record_access acc;
	char org_name[256], kind[GRANT_KIND_LEN], cats[GRANT_CATEGORIES_TEXT];
	char id[TOKEN_ID_LEN + 1];
	if (grant_authorize(db, a, record_id, POLICY_GRANT_CREATE, "grant.create", NULL, &acc, e) < 0 ||
	    grant_org(db, in->org_id, org_name, kind, e) < 0 ||
	    grant_categories(in->categories, cats, e) < 0)
		return NULL;
	/* A kind without a default cannot hold grants at all, whatever the
	 * length asked for. */
	int64_t days = grant_default_days(kind);
	if (days == 0) {
		err_field(e, "org", "an organisation of kind %s cannot be granted access", kind);
		return NULL;
	}
	if (in->days != 0)
		days = in->days;
	if (days < 1 || days > grant_rules.max_days) {
		err_field(e, "days", "days must be a whole number from 1 to %lld",
			  (long long)grant_rules.max_days);
		return NULL;
	}
	int64_t now = clock_now();
	token_id(id);
	if (sql_begin(db, e) < 0)
		return NULL;
	if (sql_run(db, e, "UPDATE grants SET revoked_at = ?, revoked_by = ? WHERE record_id = ?"
			   " AND org_id = ? AND revoked_at IS NULL AND expires_at > ?",
		    "ittti", now, a->account_id, acc.record_id, in->org_id, now) < 0 ||
	    sql_run(db, e, "INSERT INTO grants (id, record_id, org_id, categories, created_by,"
			   " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		    "tttttii", id, acc.record_id, in->org_id,
		    cats[0] ? cats : NULL, a->account_id, now, now + days * GRANT_DAY_SECONDS) < 0 ||
	    grant_audit(db, a, &acc, "grant.create", id, org_name, 1, e) < 0 ||
	    sql_commit(db, e) < 0) {
		sql_rollback(db);
		return NULL;
	}
	return grant_load_json(db, id, e);
}

json_t *grant_list(struct sql *db, const struct actor *a, const char *record_id,
		   struct err *e)
{
	struct record_access acc;
	if (grant_authorize(db, a, record_id, POLICY_GRANT_LIST, "grant.list", NULL, &acc, e) < 0)
		return NULL;
	struct sql_stmt *st = sql_query(db, e,
		"SELECT " GRANT_COLUMNS GRANT_FROM " WHERE g.record_id = ?"
		" ORDER BY g.created_at DESC, g.id DESC LIMIT ?",
		"ti", acc.record_id, (int64_t)GRANT_LIST_MAX);
	if (!st)
		return NULL;
	int64_t now = clock_now();
	json_t *items = json_array();
	int rc;
	while ((rc = sql_step(st, e)) == SQL_ROW)
		json_array_append_new(items, grant_row_json(st, now));
	sql_finalize(st);
	if (rc < 0 || grant_audit(db, a, &acc, "grant.list", NULL, NULL, 1, e) < 0) {
		json_decref(items);
		return NULL;
	}
	return json_pack("{s:o,s:n}", "items", items, "next_cursor");
}

int grant_revoke(struct sql *db, const struct actor *a, const char *grant_id, struct err *e)
{
	char record_id[TOKEN_ID_LEN + 1] = "", org_name[256] = "";
	struct record_access acc;
	if (!grant_id || !token_id_is_wellformed(grant_id))
		return err_set(e, ERR_NOT_FOUND, NULL, "no such grant");
	struct sql_stmt *st = sql_query(db, e,
		"SELECT g.record_id, o.name" GRANT_FROM " WHERE g.id = ?", "t", grant_id);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	if (rc == SQL_ROW) {
		snprintf(record_id, sizeof record_id, "%s", sql_col_text(st, 0));
		snprintf(org_name, sizeof org_name, "%s", sql_col_text(st, 1));
	}
	sql_finalize(st);
	if (rc < 0)
		return -1;
	if (rc == SQL_DONE)
		return err_set(e, ERR_NOT_FOUND, NULL, "no such grant");
	if (grant_authorize(db, a, record_id, POLICY_GRANT_REVOKE, "grant.revoke", grant_id, &acc,
			    e) < 0)
		return -1;
	/* Revoking a revoked or expired grant changes nothing and is no error:
	 * the patient's wish, no access, already holds. */
	if (sql_begin(db, e) < 0)
		return -1;
	if (sql_run(db, e, "UPDATE grants SET revoked_at = ?, revoked_by = ?"
			   " WHERE id = ? AND revoked_at IS NULL",
		    "itt", clock_now(), a->account_id, grant_id) < 0 ||
	    grant_audit(db, a, &acc, "grant.revoke", grant_id, org_name, 1, e) < 0 ||
	    sql_commit(db, e) < 0) {
		sql_rollback(db);
		return -1;
	}
	return 0;
}

json_t *grant_records_for_org(struct sql *db, const struct actor *a, struct err *e)
{
	if (!policy_allows(a, POLICY_RECORDS_LIST, NULL)) {
		err_set(e, ERR_FORBIDDEN, NULL, "only provider staff have records granted to them");
		return NULL;
	}
	/* Ordered so that the rows of one record are adjacent, newest grant
	 * first: the loop keeps the first, the one access.c would use. */
	struct sql_stmt *st = sql_query(db, e,
		"SELECT r.id, p.name, p.birth_date, g.id, g.expires_at, g.categories"
		" FROM grants g JOIN records r ON r.id = g.record_id"
		" JOIN patients p ON p.account_id = r.patient_id"
		" WHERE g.org_id = ? AND g.revoked_at IS NULL AND g.expires_at > ?"
		" ORDER BY p.name, r.id, g.created_at DESC LIMIT ?",
		"tii", a->org_id, clock_now(), (int64_t)GRANT_RECORDS_MAX);
	if (!st)
		return NULL;
	json_t *items = json_array();
	char last[TOKEN_ID_LEN + 1] = "";
	int rc;
	while ((rc = sql_step(st, e)) == SQL_ROW) {
		if (strcmp(last, sql_col_text(st, 0)) == 0)
			continue;
		snprintf(last, sizeof last, "%s", sql_col_text(st, 0));
		char expires[CLOCK_RFC3339_LEN];
		clock_rfc3339(sql_col_int(st, 4), expires);
		json_t *cats = sql_col_is_null(st, 5) ? NULL : json_loads(sql_col_text(st, 5), 0, NULL);
		json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:{s:s,s:s,s:o}}",
			"id", sql_col_text(st, 0), "patient_name", sql_col_text(st, 1),
			"birth_date", sql_col_text(st, 2), "grant", "id", sql_col_text(st, 3),
			"expires_at", expires, "categories", cats ? cats : json_null()));
	}
	sql_finalize(st);
	if (rc < 0) {
		json_decref(items);
		return NULL;
	}
	return json_pack("{s:o,s:n}", "items", items, "next_cursor");
}
