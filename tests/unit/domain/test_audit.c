/* test_audit.c — the audit log on a real database: appending (own and
 * joined transactions), listing with paging and filters, the hash chain
 * against tampering through raw SQL, and pruning with its anchor.
 *
 * Each test gets a fresh data directory (master key and akte.db with all
 * migrations) holding one provider organisation, a staff account, two
 * patients and their records, inserted directly: the code under test is
 * audit.c, not the routes that would normally create them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/clock.h"
#include "crypto/keys.h"
#include "domain/audit.h"
#include "store/sql.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../testdir.h"

#define REC "rec-anna"
#define REC2 "rec-bert"

struct fixture {
	char dir[1024];
	struct sql *db;
	struct actor patient, staff, rep;
};

static void run(struct sql *db, const char *text)
{
	struct err e = {0};
	if (sql_exec(db, text, &e) < 0)
		fail_msg("%s: %s", text, e.msg);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	const char *tmp = getenv("TMPDIR");
	struct err e = {0};
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "%s/akte-audit-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir) || keys_init(f->dir, &e) < 0 || !(f->db = sql_open(f->dir, &e))) {
		free(f);
		return -1;
	}
	run(f->db,
	    "INSERT INTO orgs (id, kind, name, created_at) VALUES ('org-1', 'practice', 'Praxis Dr. Weiß', 1);"
	    "INSERT INTO accounts (id, role, login, org_id, status, created_at) VALUES"
	    " ('acc-anna', 'patient', 'anna', NULL, 'active', 1),"
	    " ('acc-bert', 'patient', 'bert', NULL, 'active', 1),"
	    " ('acc-staff', 'provider', 'mfa.schmidt', 'org-1', 'active', 1);"
	    "INSERT INTO patients (account_id, name, birth_date, sex, kvnr, email) VALUES"
	    " ('acc-anna', 'Anna Müller', '1980-01-01', 'female', 'A123456780', 'a@example.org'),"
	    " ('acc-bert', 'Bert Brecht', '1970-02-02', 'male', 'B123456781', 'b@example.org');"
	    "INSERT INTO records (id, patient_id, wrapped_key, created_at) VALUES"
	    " ('" REC "', 'acc-anna', x'00', 1), ('" REC2 "', 'acc-bert', x'00', 1);");
	f->patient.role = ROLE_PATIENT;
	snprintf(f->patient.account_id, sizeof f->patient.account_id, "acc-anna");
	snprintf(f->patient.login, sizeof f->patient.login, "anna");
	snprintf(f->patient.client_addr, sizeof f->patient.client_addr, "192.0.2.7");
	f->staff.role = ROLE_PROVIDER;
	snprintf(f->staff.account_id, sizeof f->staff.account_id, "acc-staff");
	snprintf(f->staff.org_id, sizeof f->staff.org_id, "org-1");
	snprintf(f->staff.login, sizeof f->staff.login, "mfa.schmidt");
	snprintf(f->staff.client_addr, sizeof f->staff.client_addr, "2001:db8::1");
	f->rep.role = ROLE_PATIENT;
	snprintf(f->rep.account_id, sizeof f->rep.account_id, "acc-bert");
	snprintf(f->rep.login, sizeof f->rep.login, "bert");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sql_close(f->db);
	keys_shutdown();
	testdir_remove(f->dir);
	free(f);
	return 0;
}

static void add_to(struct fixture *f, const char *rid, const struct actor *a,
		   enum access_capacity cap, const char *action, const char *label,
		   enum audit_outcome outcome)
{
	struct err e = {0};
	struct audit_entry en = {
		.record_id = rid, .actor = a, .capacity = cap, .action = action,
		.object_type = "document", .object_id = label ? "doc-1" : NULL,
		.object_label = label, .outcome = outcome,
	};
	if (audit_append(f->db, &en, &e) < 0)
		fail_msg("audit_append: %s", e.msg);
}

static void add(struct fixture *f, const char *action)
{
	add_to(f, REC, &f->patient, CAPACITY_PATIENT, action, "Befund", AUDIT_ALLOWED);
}

static json_t *list(struct fixture *f, const char *actor, const char *action,
		    const char *cursor, int limit)
{
	struct err e = {0};
	json_t *out = audit_list(f->db, REC, actor, action, cursor, limit, &e);
	if (!out)
		fail_msg("audit_list: %s", e.msg);
	return out;
}

static void expect_list_invalid(struct fixture *f, const char *actor, const char *action,
				const char *cursor, int limit, const char *field)
{
	struct err e = {0};
	json_t *out = audit_list(f->db, REC, actor, action, cursor, limit, &e);
	assert_null(out);
	assert_int_equal(e.code, ERR_INVALID);
	assert_string_equal(e.field, field);
}

static const char *str_at(json_t *o, const char *path1, const char *path2)
{
	json_t *v = json_object_get(o, path1);
	if (path2)
		v = json_object_get(v, path2);
	return json_string_value(v);
}

/* Verify, expecting ok (first_bad == 0) or a break at first_bad. */
static void expect_verify(struct fixture *f, const char *rid, int64_t entries, int64_t first_bad)
{
	struct err e = {0};
	json_t *v = audit_verify(f->db, rid, &e);
	if (!v)
		fail_msg("audit_verify: %s", e.msg);
	assert_int_equal(json_is_true(json_object_get(v, "ok")), first_bad == 0);
	assert_int_equal(json_integer_value(json_object_get(v, "entries")), entries);
	if (first_bad)
		assert_int_equal(json_integer_value(json_object_get(v, "first_bad")), first_bad);
	else
		assert_null(json_object_get(v, "first_bad"));
	json_decref(v);
}

/* Change the database behind audit.c's back with sql, then verify REC as
 * expect_verify() does. */
static void tamper(struct fixture *f, const char *sql, int64_t entries, int64_t first_bad)
{
	run(f->db, sql);
	expect_verify(f, REC, entries, first_bad);
}

/* n entries "document.read" by the patient on REC. */
static void add_reads(struct fixture *f, int n)
{
	for (int i = 0; i < n; i++)
		add(f, "document.read");
}

static void test_append_fields(void **state)
{
	struct fixture *f = *state;
	add_to(f, REC, &f->patient, CAPACITY_PATIENT, "document.read", "Befund", AUDIT_ALLOWED);
	add_to(f, REC, &f->staff, CAPACITY_NONE, "document.download", NULL, AUDIT_REFUSED);
	add_to(f, REC, NULL, CAPACITY_NONE, "grant.expire", NULL, AUDIT_ALLOWED);

	json_t *page = list(f, NULL, NULL, NULL, 50);
	json_t *items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 3);
	assert_true(json_is_null(json_object_get(page, "next_cursor")));

	/* Newest first: the system entry. */
	json_t *sys = json_array_get(items, 0);
	assert_int_equal(json_integer_value(json_object_get(sys, "seq")), 3);
	assert_true(json_is_null(json_object_get(json_object_get(sys, "actor"), "id")));
	assert_string_equal(str_at(sys, "actor", "role"), "system");
	assert_string_equal(str_at(sys, "actor", "name"), "akte");
	assert_true(json_is_null(json_object_get(json_object_get(sys, "actor"), "org")));
	assert_true(json_is_null(json_object_get(sys, "client")));
	assert_string_equal(str_at(sys, "capacity", NULL), "none");

	json_t *staff = json_array_get(items, 1);
	assert_string_equal(str_at(staff, "actor", "id"), "acc-staff");
	assert_string_equal(str_at(staff, "actor", "role"), "provider");
	assert_string_equal(str_at(staff, "actor", "name"), "mfa.schmidt");
	assert_string_equal(str_at(staff, "actor", "org"), "Praxis Dr. Weiß");
	assert_string_equal(str_at(staff, "action", NULL), "document.download");
	assert_string_equal(str_at(staff, "outcome", NULL), "refused");
	assert_string_equal(str_at(staff, "client", NULL), "2001:db8::1");
	assert_true(json_is_null(json_object_get(json_object_get(staff, "object"), "id")));
	assert_true(json_is_null(json_object_get(json_object_get(staff, "object"), "label")));

	json_t *pat = json_array_get(items, 2);
	assert_int_equal(json_integer_value(json_object_get(pat, "seq")), 1);
	assert_string_equal(str_at(pat, "actor", "name"), "Anna Müller");
	assert_string_equal(str_at(pat, "actor", "role"), "patient");
	assert_string_equal(str_at(pat, "capacity", NULL), "patient");
	assert_string_equal(str_at(pat, "outcome", NULL), "allowed");
	assert_string_equal(str_at(pat, "object", "type"), "document");
	assert_string_equal(str_at(pat, "object", "id"), "doc-1");
	assert_string_equal(str_at(pat, "object", "label"), "Befund");
	assert_string_equal(str_at(pat, "client", NULL), "192.0.2.7");
	/* RFC 3339 UTC, within this test's run. */
	const char *at = str_at(pat, "at", NULL);
	assert_int_equal(strlen(at), CLOCK_RFC3339_LEN - 1);
	assert_int_equal(at[CLOCK_RFC3339_LEN - 2], 'Z');
	json_decref(page);
	expect_verify(f, REC, 3, 0);
	/* The other record's chain is its own. */
	expect_verify(f, REC2, 0, 0);
}

static void test_label_cut_on_character(void **state)
{
	struct fixture *f = *state;
	char label[260];
	memset(label, 'a', 199);
	strcpy(label + 199, "\xc3\xbc and more"); /* 'ü' straddles byte 200 */
	add_to(f, REC, &f->patient, CAPACITY_PATIENT, "document.create", label, AUDIT_ALLOWED);
	json_t *page = list(f, NULL, NULL, NULL, 1);
	const char *got = str_at(json_array_get(json_object_get(page, "items"), 0), "object", "label");
	assert_non_null(got);
	assert_int_equal(strlen(got), 199);
	json_decref(page);
	expect_verify(f, REC, 1, 0);
}

static void test_join_transaction(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	assert_int_equal(sql_in_transaction(f->db), 0);
	add(f, "document.read");
	assert_int_equal(sql_in_transaction(f->db), 0); /* its own, committed */

	/* Joined and rolled back: the entry goes with the change it records. */
	assert_int_equal(sql_begin(f->db, &e), 0);
	add(f, "document.delete");
	assert_int_equal(sql_in_transaction(f->db), 1);
	sql_rollback(f->db);
	json_t *page = list(f, NULL, NULL, NULL, 50);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 1);
	json_decref(page);

	/* Joined and committed: seq continues without a gap. */
	assert_int_equal(sql_begin(f->db, &e), 0);
	add(f, "document.create");
	assert_int_equal(sql_commit(f->db, &e), 0);
	page = list(f, NULL, NULL, NULL, 50);
	json_t *items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "seq")), 2);
	assert_string_equal(str_at(json_array_get(items, 0), "action", NULL), "document.create");
	json_decref(page);
	expect_verify(f, REC, 2, 0);

	/* A record that does not exist fails its foreign key, and an own
	 * transaction is not left open. */
	struct audit_entry en = {.record_id = "nope", .action = "document.read",
				 .object_type = "record", .outcome = AUDIT_ALLOWED};
	assert_int_equal(audit_append(f->db, &en, &e), -1);
	assert_int_equal(sql_in_transaction(f->db), 0);
}

static void test_list_paging_and_filters(void **state)
{
	struct fixture *f = *state;
	add(f, "document.list");                                                  /* 1 */
	add_to(f, REC, &f->staff, CAPACITY_PROVIDER, "document.read", "X", AUDIT_ALLOWED); /* 2 */
	add(f, "grant.create");                                                   /* 3 */
	add_to(f, REC, &f->rep, CAPACITY_REPRESENTATIVE, "documents.x", NULL, AUDIT_ALLOWED); /* 4 */
	add(f, "document.read");                                                  /* 5 */

	/* Pages of 2: 5 4 | 3 2 | 1. */
	int64_t want[] = {5, 4, 3, 2, 1};
	char cursor[32] = "";
	for (int page_no = 0, i = 0; page_no < 3; page_no++) {
		json_t *page = list(f, NULL, NULL, page_no ? cursor : NULL, 2);
		json_t *items = json_object_get(page, "items");
		for (size_t k = 0; k < json_array_size(items); k++)
			assert_int_equal(json_integer_value(json_object_get(
						 json_array_get(items, k), "seq")), want[i++]);
		json_t *next = json_object_get(page, "next_cursor");
		if (page_no < 2) {
			assert_int_equal(json_array_size(items), 2);
			snprintf(cursor, sizeof cursor, "%s", json_string_value(next));
		} else {
			assert_int_equal(json_array_size(items), 1);
			assert_true(json_is_null(next));
		}
		json_decref(page);
	}
	/* Exactly a full last page: no further cursor. */
	json_t *page = list(f, NULL, NULL, NULL, 5);
	assert_true(json_is_null(json_object_get(page, "next_cursor")));
	json_decref(page);

	page = list(f, "acc-staff", NULL, NULL, 50);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 1);
	json_decref(page);
	page = list(f, NULL, "document.read", NULL, 50);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 2);
	json_decref(page);
	/* Prefix "document." takes document.list/read, not "documents.x". */
	page = list(f, NULL, "document.", NULL, 50);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 3);
	json_decref(page);
	page = list(f, "acc-anna", "document.", NULL, 1);
	json_t *items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "seq")), 5);
	assert_string_equal(json_string_value(json_object_get(page, "next_cursor")), "5");
	json_decref(page);
	page = list(f, "acc-anna", "document.", "5", 50);
	items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "seq")), 1);
	json_decref(page);
	/* Empty filters are no filters. */
	page = list(f, "", "", NULL, 50);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 5);
	json_decref(page);

	const char *bad_cursors[] = {"", "0", "-1", "+3", "03", "3 ", "abc", "1e3",
				     "9223372036854775808", "99999999999999999999"};
	for (size_t i = 0; i < sizeof bad_cursors / sizeof bad_cursors[0]; i++)
		expect_list_invalid(f, NULL, NULL, bad_cursors[i], 10, "cursor");
	expect_list_invalid(f, NULL, NULL, NULL, 0, "limit");
	expect_list_invalid(f, NULL, NULL, NULL, 201, "limit");
	expect_list_invalid(f, NULL, NULL, NULL, -5, "limit");
	char longf[80];
	memset(longf, 'a', sizeof longf - 1);
	longf[sizeof longf - 1] = '\0';
	expect_list_invalid(f, longf, NULL, NULL, 10, "actor");
	expect_list_invalid(f, NULL, longf, NULL, 10, "action");
	expect_list_invalid(f, NULL, "document%", NULL, 10, "action");
	/* The largest cursor is fine. */
	page = list(f, NULL, NULL, "9223372036854775807", 200);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 5);
	json_decref(page);
}

static void test_tamper_column(void **state)
{
	struct fixture *f = *state;
	add_reads(f, 4);
	expect_verify(f, REC, 4, 0);
	tamper(f, "UPDATE audit SET object_label = 'Befund ' WHERE seq = 3", 4, 3);
	tamper(f, "UPDATE audit SET object_label = 'Befund' WHERE seq = 3", 4, 0);
	/* NULL and "" are different values. */
	tamper(f, "UPDATE audit SET actor_org = '' WHERE seq = 2", 4, 2);
	tamper(f, "UPDATE audit SET actor_org = NULL WHERE seq = 2", 4, 0);
	/* A NUL hidden in a column is seen, though C strings would stop at it. */
	tamper(f, "UPDATE audit SET action = action || char(0) || 'x' WHERE seq = 4", 4, 4);
	run(f->db, "UPDATE audit SET action = 'document.read' WHERE seq = 4");
	tamper(f, "UPDATE audit SET at = at - 3600 WHERE seq = 1", 4, 1);
}

static void test_tamper_rows(void **state)
{
	struct fixture *f = *state;
	add(f, "document.list");
	add(f, "document.read");
	add(f, "document.download");
	add(f, "document.delete");

	/* Swapping two rows' actions: both hashes now disagree. */
	tamper(f, "UPDATE audit SET action = CASE seq WHEN 2 THEN 'document.download'"
		  " ELSE 'document.read' END WHERE seq IN (2, 3)", 4, 2);
	tamper(f, "UPDATE audit SET action = CASE seq WHEN 2 THEN 'document.read'"
		  " ELSE 'document.download' END WHERE seq IN (2, 3)", 4, 0);

	/* Swapping whole contents but not seq: prev_hash no longer links. */
	tamper(f, "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN (2, 3);"
		  "UPDATE audit SET seq = -seq WHERE seq IN (2, 3);"
		  "UPDATE audit SET seq = 5 + seq WHERE seq IN (-2, -3);", 4, 2);
	tamper(f, "DELETE FROM audit WHERE seq IN (2, 3);"
		  "INSERT INTO audit SELECT * FROM t; DROP TABLE t;", 4, 0);

	/* A removed middle row: the first bad position is the missing seq. */
	tamper(f, "DELETE FROM audit WHERE seq = 2", 3, 2);
}

static void test_tamper_forged_tail(void **state)
{
	struct fixture *f = *state;
	add_reads(f, 2);
	/* Linked to the real head, but its hash cannot be made without the key. */
	tamper(f, "INSERT INTO audit SELECT record_id, 3, at, actor_id, actor_role, actor_name,"
		  " actor_org, capacity, 'document.delete', object_type, object_id, object_label,"
		  " outcome, client_addr, hash, randomblob(32) FROM audit WHERE seq = 2", 3, 3);
}

/* The chain alone cannot show that its newest entries were removed; the
 * seal (audit_seal) does, and later appends keep the gap visible. */
static void test_tail_truncation_is_detected(void **state)
{
	struct fixture *f = *state;
	add(f, "document.read");
	add(f, "document.delete");
	tamper(f, "DELETE FROM audit WHERE seq = 2", 1, 2);
	/* Appending numbers on after the sealed entry: the gap stays. */
	add(f, "document.read");
	expect_verify(f, REC, 2, 2);
}

/* A seal that does not match the newest entry, or a missing seal. */
static void test_seal_tampering_is_detected(void **state)
{
	struct fixture *f = *state;
	add(f, "document.read");
	add(f, "document.read");
	tamper(f, "UPDATE audit_seal SET mac = randomblob(32)", 2, 2);
	tamper(f, "DELETE FROM audit_seal", 2, 2);
}

static int64_t prune(struct fixture *f, int64_t before)
{
	struct err e = {0};
	int64_t n = audit_prune(f->db, before, &e);
	if (n < 0)
		fail_msg("audit_prune: %s", e.msg);
	return n;
}

static void test_prune_keeps_newest_and_anchor(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	add_reads(f, 5);
	add_to(f, REC2, &f->rep, CAPACITY_PATIENT, "document.read", NULL, AUDIT_ALLOWED);
	add_to(f, REC2, &f->rep, CAPACITY_PATIENT, "document.read", NULL, AUDIT_ALLOWED);

	/* Everything is older than the cut: all but each record's newest go. */
	assert_int_equal(prune(f, clock_now() + 100), 4 + 1);
	expect_verify(f, REC, 1, 0);
	expect_verify(f, REC2, 1, 0);
	json_t *page = list(f, NULL, NULL, NULL, 50);
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(page, "items"), 0), "seq")), 5);
	json_decref(page);
	struct sql_stmt *st = sql_query(f->db, &e,
		"SELECT n.seq FROM audit_anchor n WHERE n.record_id = ?", "t", REC);
	assert_non_null(st);
	assert_int_equal(sql_step(st, &e), SQL_ROW);
	assert_int_equal(sql_col_int(st, 0), 4);
	sql_finalize(st);

	/* The chain goes on from the kept entry, and a second prune moves the
	 * anchor on. */
	add_reads(f, 2);
	expect_verify(f, REC, 3, 0);
	assert_int_equal(prune(f, clock_now() + 100), 2);
	expect_verify(f, REC, 1, 0);
	/* Nothing old: nothing removed. */
	assert_int_equal(prune(f, 1000), 0);
	expect_verify(f, REC, 1, 0);

	/* Not inside a caller's transaction. */
	assert_int_equal(sql_begin(f->db, &e), 0);
	assert_int_equal(audit_prune(f->db, clock_now() + 100, &e), -1);
	sql_rollback(f->db);
}

static void test_prune_by_age(void **state)
{
	struct fixture *f = *state;
	add_reads(f, 6);
	/* Back-dating rows breaks their hashes (verify says so); the prune
	 * removes them anyway, since retention does not depend on the chain,
	 * and the rest verifies from the anchor. */
	tamper(f, "UPDATE audit SET at = 1000 WHERE seq IN (1, 2, 3, 5)", 6, 1);
	/* Only the prefix before the first recent entry (4) goes; 5 is old but
	 * follows a recent one and waits. */
	assert_int_equal(prune(f, 2000), 3);
	expect_verify(f, REC, 3, 5);
	run(f->db, "UPDATE audit SET at = 2500 WHERE seq = 4");
	assert_int_equal(prune(f, 3000), 2);
	expect_verify(f, REC, 1, 0);
}

static void test_prune_then_tamper(void **state)
{
	struct fixture *f = *state;
	add_reads(f, 4);
	assert_int_equal(prune(f, clock_now() + 100), 3);
	add_reads(f, 2);
	expect_verify(f, REC, 3, 0);

	/* The first remaining entry changed. */
	tamper(f, "UPDATE audit SET outcome = 'refused' WHERE seq = 4", 3, 4);
	tamper(f, "UPDATE audit SET outcome = 'allowed' WHERE seq = 4", 3, 0);

	/* The anchor changed: its hash, or its seq. */
	tamper(f, "CREATE TEMP TABLE t AS SELECT * FROM audit_anchor;"
		  "UPDATE audit_anchor SET hash = randomblob(32)", 3, 4);
	tamper(f, "UPDATE audit_anchor SET hash = (SELECT hash FROM t), seq = 2", 3, 3);
	tamper(f, "UPDATE audit_anchor SET seq = (SELECT seq FROM t)", 3, 0);

	/* The first remaining entry removed. */
	tamper(f, "DELETE FROM audit WHERE seq = 4", 2, 4);

	/* Every entry removed behind an anchor: a prune never does that. */
	tamper(f, "DELETE FROM audit", 0, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_label_cut_on_character, setup, teardown),
		cmocka_unit_test_setup_teardown(test_join_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_paging_and_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_forged_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_truncation_is_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal_tampering_is_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_keeps_newest_and_anchor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_by_age, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_then_tamper, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
