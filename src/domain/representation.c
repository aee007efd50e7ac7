/* representation.c — see representation.h. A representation is a row
 * that moves one way: pending (named by the patient) -> active (accepted
 * by the named account) -> ended (by the patient, or the representative
 * stepping down, from either earlier state). Rows are never deleted, so
 * the record's log can always name who acted. access.c looks for an
 * active row on every request, which is why ending one takes effect at
 * once.
 *
 * The limit of REPRESENTATION_MAX counts pending and active rows, and is
 * checked inside the write transaction that inserts, so two requests at
 * the same moment cannot both take the last place. */
#include "domain/representation.h"

#include "core/clock.h"
#include "domain/access.h"
#include "domain/audit.h"
#include "domain/guard.h"
#include "domain/policy.h"
#include "domain/validate.h"

#include <stdio.h>
#include <string.h>

#define REP_LOGIN_MAX 254
/* A patient represents a few people at most; the bound keeps the
 * answer finite whatever the table holds. */
#define REP_MINE_MAX 200

struct rep_row {
	char id[TOKEN_ID_LEN + 1];
	char record_id[TOKEN_ID_LEN + 1];
	char account_id[TOKEN_ID_LEN + 1];
	char status[16];
};

static int rep_audit(struct sql *db, const struct actor *a, const struct record_access *acc,
		     const char *action, const char *rep_id, const char *label, int allowed,
		     struct err *e)
{
	return audit_note(db, a, acc, action, "representation", rep_id, label, allowed, e);
}

/* Policy's answer for the actor's standing to the record; rep is the
 * representation acted on, or NULL (guard.h). */
static int rep_authorize(struct sql *db, const struct actor *a, const char *record_id,
			 const struct rep_row *rep, enum policy_action action,
			 const char *audit_action, struct record_access *acc, struct err *e)
{
	struct policy_object obj = {.account_id = rep ? rep->account_id : NULL};
	return guard_record(db, a, record_id, action, &obj, audit_action, "representation",
			    rep ? rep->id : NULL, acc, e);
}

/* 1 found, 0 not, -1 error. record_id NULL: any record. */
static int rep_load(struct sql *db, const char *id, const char *record_id, struct rep_row *r,
		    struct err *e)
{
	if (!id || !token_id_is_wellformed(id))
		return 0;
	struct sql_stmt *st = sql_query(db, e,
		"SELECT id, record_id, account_id, status FROM representations WHERE id = ?",
		"t", id);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	if (rc == SQL_ROW) {
		snprintf(r->id, sizeof r->id, "%s", sql_col_text(st, 0));
		snprintf(r->record_id, sizeof r->record_id, "%s", sql_col_text(st, 1));
		snprintf(r->account_id, sizeof r->account_id, "%s", sql_col_text(st, 2));
		snprintf(r->status, sizeof r->status, "%s", sql_col_text(st, 3));
	}
	sql_finalize(st);
	if (rc < 0)
		return -1;
	return rc == SQL_ROW && (!record_id || strcmp(r->record_id, record_id) == 0);
}

#define REP_COLUMNS "x.id, x.record_id, a.id, a.login, p.name, x.status, x.created_at"
#define REP_FROM                                                                        \
	" FROM representations x JOIN accounts a ON a.id = x.account_id"                  \
	" JOIN patients p ON p.account_id = a.id"

static json_t *rep_row_json(struct sql_stmt *st)
{
	char created[CLOCK_RFC3339_LEN];
	clock_rfc3339(sql_col_int(st, 6), created);
	return json_pack("{s:s,s:s,s:{s:s,s:s,s:s},s:s,s:s}", "id", sql_col_text(st, 0),
			 "record_id", sql_col_text(st, 1), "representative", "id",
			 sql_col_text(st, 2), "login", sql_col_text(st, 3), "name",
			 sql_col_text(st, 4), "status", sql_col_text(st, 5), "created_at", created);
}

/* The account to be named: an active patient account, not the patient,
 * not named already. Its id and name out; 422 on "login" otherwise. */
static int rep_candidate(struct sql *db, const struct record_access *acc, const char *login,
			 char id[TOKEN_ID_LEN + 1], char name[256], struct err *e)
{
	if (validate_text(login, "login", 1, REP_LOGIN_MAX, e) < 0)
		return -1;
	struct sql_stmt *st = sql_query(db, e,
		"SELECT a.id, p.name, (SELECT COUNT(*) FROM representations x WHERE x.record_id = ?"
		" AND x.account_id = a.id AND x.status IN ('pending','active'))"
		" FROM accounts a JOIN patients p ON p.account_id = a.id"
		" WHERE a.login = LOWER(?) AND a.role = 'patient' AND a.status = 'active'",
		"tt", acc->record_id, login);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	int64_t named = 0;
	if (rc == SQL_ROW) {
		snprintf(id, TOKEN_ID_LEN + 1, "%s", sql_col_text(st, 0));
		snprintf(name, 256, "%s", sql_col_text(st, 1));
		named = sql_col_int(st, 2);
	}
	sql_finalize(st);
	if (rc < 0)
		return -1;
	/* One message for "no such account" and "not a patient": naming
	 * someone must not tell staff logins apart from unknown ones. */
	if (rc != SQL_ROW)
		return err_field(e, "login", "no patient account has this login");
	if (strcmp(id, acc->patient_id) == 0)
		return err_field(e, "login", "you cannot name yourself");
	if (named)
		return err_field(e, "login", "this account is named already");
	return 0;
}

/* Pending and active representations of the record, or -1. */
static int64_t rep_count(struct sql *db, const char *record_id, struct err *e)
{
	struct sql_stmt *st = sql_query(db, e,
		"SELECT COUNT(*) FROM representations WHERE record_id = ?"
		" AND status IN ('pending','active')", "t", record_id);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	int64_t n = rc == SQL_ROW ? sql_col_int(st, 0) : -1;
	if (rc == SQL_DONE)
		err_set(e, ERR_INTERNAL, NULL, "COUNT returned no row");
	sql_finalize(st);
	return n;
}

json_t *representation_create(struct sql *db, const struct actor *a, const char *record_id,
			      const char *login, struct err *e)
{
	struct record_access acc;
	char rep_account[TOKEN_ID_LEN + 1], name[256], id[TOKEN_ID_LEN + 1];
	if (rep_authorize(db, a, record_id, NULL, POLICY_REP_CREATE, "representative.create",
			  &acc, e) < 0)
		return NULL;
	token_id(id);
	if (sql_begin(db, e) < 0)
		return NULL;
	/* Checked under the write lock, so that two requests at once can
	 * neither both take the last place nor name the same account twice. */
	int64_t count = rep_count(db, acc.record_id, e);
	if (count < 0 || rep_candidate(db, &acc, login, rep_account, name, e) < 0 ||
	    (count >= REPRESENTATION_MAX &&
	     err_set(e, ERR_CONFLICT, "too_many", "a record has at most %d representatives",
		     REPRESENTATION_MAX) < 0) ||
	    sql_run(db, e, "INSERT INTO representations (id, record_id, account_id, status,"
			   " created_by, created_at) VALUES (?, ?, ?, 'pending', ?, ?)",
		    "tttti", id, acc.record_id, rep_account, a->account_id, clock_now()) < 0 ||
	    rep_audit(db, a, &acc, "representative.create", id, name, 1, e) < 0 ||
	    sql_commit(db, e) < 0) {
		sql_rollback(db);
		return NULL;
	}
	struct sql_stmt *st = sql_query(db, e, "SELECT " REP_COLUMNS REP_FROM " WHERE x.id = ?",
					"t", id);
	if (!st)
		return NULL;
	json_t *out = NULL;
	int rc = sql_step(st, e);
	if (rc == SQL_ROW)
		out = rep_row_json(st);
	else if (rc == SQL_DONE)
		err_set(e, ERR_INTERNAL, NULL, "the representation just written is missing");
	sql_finalize(st);
	return out;
}

json_t *representation_list(struct sql *db, const struct actor *a, const char *record_id,
			    struct err *e)
{
	struct record_access acc;
	if (rep_authorize(db, a, record_id, NULL, POLICY_REP_LIST, "representative.list", &acc,
			  e) < 0)
		return NULL;
	/* Ended ones are history; the record's log tells it. At most
	 * REPRESENTATION_MAX rows match. */
	struct sql_stmt *st = sql_query(db, e,
		"SELECT " REP_COLUMNS REP_FROM " WHERE x.record_id = ?"
		" AND x.status IN ('pending','active') ORDER BY x.created_at DESC, x.id DESC",
		"t", acc.record_id);
	if (!st)
		return NULL;
	json_t *items = json_array();
	int rc;
	while ((rc = sql_step(st, e)) == SQL_ROW)
		json_array_append_new(items, rep_row_json(st));
	sql_finalize(st);
	if (rc < 0 || rep_audit(db, a, &acc, "representative.list", NULL, NULL, 1, e) < 0) {
		json_decref(items);
		return NULL;
	}
	return json_pack("{s:o,s:n}", "items", items, "next_cursor");
}

/* pending -> active (accept) or any -> ended (end), with the audit entry
 * in the same transaction. */
static int rep_change(struct sql *db, const struct actor *a, const struct record_access *acc,
		      const struct rep_row *rep, int end, struct err *e)
{
	int64_t now = clock_now();
	if (sql_begin(db, e) < 0)
		return -1;
	int64_t n = end
		? sql_run(db, e, "UPDATE representations SET status = 'ended', ended_at = ?,"
				 " ended_by = ? WHERE id = ? AND status <> 'ended'",
			  "itt", now, a->account_id, rep->id)
		: sql_run(db, e, "UPDATE representations SET status = 'active', accepted_at = ?"
				 " WHERE id = ? AND status = 'pending'",
			  "it", now, rep->id);
	if (n < 0 ||
	    rep_audit(db, a, acc, end ? "representative.end" : "representative.accept", rep->id,
		      NULL, 1, e) < 0 ||
	    sql_commit(db, e) < 0) {
		sql_rollback(db);
		return -1;
	}
	return 0;
}

int representation_accept(struct sql *db, const struct actor *a, const char *id,
			  struct err *e)
{
	struct rep_row rep;
	struct record_access acc;
	int found = rep_load(db, id, NULL, &rep, e);
	if (found < 0)
		return -1;
	if (!found)
		return err_set(e, ERR_NOT_FOUND, NULL, "no such representation");
	if (rep_authorize(db, a, rep.record_id, &rep, POLICY_REP_ACCEPT, "representative.accept",
			  &acc, e) < 0)
		return -1;
	/* Accepting twice is no error; an ended one cannot come back, the
	 * patient names the account again instead. */
	if (strcmp(rep.status, "active") == 0)
		return rep_audit(db, a, &acc, "representative.accept", rep.id, NULL, 1, e);
	if (strcmp(rep.status, "pending") != 0)
		return err_set(e, ERR_NOT_FOUND, NULL, "no such representation");
	return rep_change(db, a, &acc, &rep, 0, e);
}

int representation_end(struct sql *db, const struct actor *a, const char *record_id,
		       const char *id, struct err *e)
{
	struct rep_row rep;
	struct record_access acc;
	int found = rep_load(db, id, record_id, &rep, e);
	if (found < 0)
		return -1;
	/* A representation of another record, or an ended one, is treated as
	 * missing: refused and logged in the record named in the path. */
	if (!found || strcmp(rep.status, "ended") == 0) {
		if (access_resolve(db, a, record_id, &acc, e) < 0 ||
		    (acc.exists && rep_audit(db, a, &acc, "representative.end", NULL, NULL, 0, e) < 0))
			return -1;
		return err_set(e, ERR_NOT_FOUND, NULL, "no such representation");
	}
	if (rep_authorize(db, a, record_id, &rep, POLICY_REP_END, "representative.end", &acc,
			  e) < 0)
		return -1;
	return rep_change(db, a, &acc, &rep, 1, e);
}

json_t *representation_mine(struct sql *db, const struct actor *a, struct err *e)
{
	json_t *items = json_array();
	/* Only patient accounts can be named, so nobody else has any; the
	 * query is bound to the caller's own account, nobody else's rows. */
	if (a->role != ROLE_PATIENT)
		return json_pack("{s:o,s:n}", "items", items, "next_cursor");
	struct sql_stmt *st = sql_query(db, e,
		"SELECT x.id, x.record_id, p.name, x.status, x.created_at"
		" FROM representations x JOIN records r ON r.id = x.record_id"
		" JOIN patients p ON p.account_id = r.patient_id"
		" WHERE x.account_id = ? AND x.status IN ('pending','active')"
		" ORDER BY x.created_at DESC, x.id DESC LIMIT ?",
		"ti", a->account_id, (int64_t)REP_MINE_MAX);
	if (!st) {
		json_decref(items);
		return NULL;
	}
	int rc;
	while ((rc = sql_step(st, e)) == SQL_ROW) {
		char created[CLOCK_RFC3339_LEN];
		clock_rfc3339(sql_col_int(st, 4), created);
		json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:s,s:s}", "id",
			sql_col_text(st, 0), "record_id", sql_col_text(st, 1), "patient_name",
			sql_col_text(st, 2), "status", sql_col_text(st, 3), "created_at", created));
	}
	sql_finalize(st);
	if (rc < 0) {
		json_decref(items);
		return NULL;
	}
	return json_pack("{s:o,s:n}", "items", items, "next_cursor");
}
