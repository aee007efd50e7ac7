/* access.c — see access.h. Three small queries in order of how often they
 * answer: the patient themself, a representative, a provider's grant. */
#include "domain/access.h"

#include "core/clock.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char *const capacity_names[] = {
	[CAPACITY_NONE] = "none", [CAPACITY_PATIENT] = "patient",
	[CAPACITY_REPRESENTATIVE] = "representative", [CAPACITY_PROVIDER] = "provider",
};

const char *access_capacity_name(enum access_capacity c)
{
	return c <= CAPACITY_PROVIDER ? capacity_names[c] : "none";
}

/* 1 when the query with its one text and one int argument... returns a row. */
static int access_row(struct sql *db, const char *sql, const char *a1, const char *a2,
		      int64_t now, struct record_access *acc, struct err *e)
{
	struct sql_stmt *st = sql_query(db, e, sql, now ? "tti" : "tt", a1, a2, now);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	if (rc == SQL_ROW && acc) {
		/* grant rows: id, expires_at, categories */
		snprintf(acc->grant_id, sizeof acc->grant_id, "%s", sql_col_text(st, 0));
		acc->grant_expires = sql_col_int(st, 1);
		json_t *cats = sql_col_is_null(st, 2) ? NULL
			     : json_loads(sql_col_text(st, 2), 0, NULL);
		size_t i;
		json_t *c;
		json_array_foreach(cats, i, c) {
			if (acc->n_categories < ACCESS_MAX_CATEGORIES && json_is_string(c))
				snprintf(acc->categories[acc->n_categories++], ACCESS_CATEGORY_LEN,
					 "%s", json_string_value(c));
		}
		json_decref(cats);
	}
	sql_finalize(st);
	return rc < 0 ? -1 : rc == SQL_ROW;
}

int access_resolve(struct sql *db, const struct actor *a, const char *record_id,
		   struct record_access *acc, struct err *e)
{
	memset(acc, 0, sizeof *acc);
	snprintf(acc->record_id, sizeof acc->record_id, "%s", record_id ? record_id : "");
	if (!record_id || !token_id_is_wellformed(record_id))
		return 0;
	struct sql_stmt *st = sql_query(db, e, "SELECT patient_id FROM records WHERE id = ?", "t",
					record_id);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	if (rc == SQL_ROW)
		snprintf(acc->patient_id, sizeof acc->patient_id, "%s", sql_col_text(st, 0));
	sql_finalize(st);
	if (rc < 0)
		return -1;
	acc->exists = rc == SQL_ROW;
	if (!acc->exists || !a || a->role == ROLE_NONE)
		return 0;
	if (a->role == ROLE_PATIENT && strcmp(acc->patient_id, a->account_id) == 0) {
		acc->capacity = CAPACITY_PATIENT;
		return 0;
	}
	if (a->role == ROLE_PATIENT) {
		rc = access_row(db, "SELECT 1 FROM representations WHERE record_id = ?"
				    " AND account_id = ? AND status = 'active'",
				record_id, a->account_id, 0, NULL, e);
		if (rc > 0)
			acc->capacity = CAPACITY_REPRESENTATIVE;
		return rc < 0 ? -1 : 0;
	}
	if (a->role == ROLE_PROVIDER && a->org_id[0]) {
		/* The newest live grant wins when there are several. */
		rc = access_row(db, "SELECT id, expires_at, categories FROM grants"
				    " WHERE record_id = ? AND org_id = ? AND revoked_at IS NULL"
				    " AND expires_at > ? ORDER BY created_at DESC LIMIT 1",
				record_id, a->org_id, clock_now(), acc, e);
		if (rc > 0)
			acc->capacity = CAPACITY_PROVIDER;
		return rc < 0 ? -1 : 0;
	}
	return 0;
}

int access_covers_category(const struct record_access *acc, const char *category)
{
	if (!acc || acc->capacity != CAPACITY_PROVIDER || acc->n_categories == 0)
		return 1;
	for (int i = 0; i < acc->n_categories; i++)
		if (category && strcmp(acc->categories[i], category) == 0)
			return 1;
	return 0;
}
