/* record_log.c — see record_log.h. Reading the log is itself an access to
 * record data and goes into the log, after the page was read so that a page
 * never shows its own reading. */
#include "domain/record_log.h"

#include "domain/audit.h"
#include "domain/guard.h"

static int record_log_check(struct sql *db, const struct actor *a, const char *record_id,
			    const char *action, struct record_access *acc, struct err *e)
{
	return guard_record(db, a, record_id, POLICY_AUDIT_READ, NULL, action, "record", NULL, acc,
			    e);
}

static int record_log_note(struct sql *db, const struct actor *a,
			   const struct record_access *acc, const char *action, struct err *e)
{
	return audit_note(db, a, acc, action, "record", NULL, NULL, 1, e);
}

json_t *record_log_list(struct sql *db, const struct actor *a, const char *record_id,
			const char *actor_filter, const char *action, const char *cursor,
			int limit, struct err *e)
{
	struct record_access acc;
	if (record_log_check(db, a, record_id, "audit.read", &acc, e) < 0)
		return NULL;
	json_t *out = audit_list(db, record_id, actor_filter, action, cursor, limit, e);
	if (out && record_log_note(db, a, &acc, "audit.read", e) < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

json_t *record_log_verify(struct sql *db, const struct actor *a, const char *record_id,
			  struct err *e)
{
	struct record_access acc;
	if (record_log_check(db, a, record_id, "audit.verify", &acc, e) < 0)
		return NULL;
	/* Verify before noting the check, so the answer covers exactly the
	 * entries that existed when it was asked. */
	json_t *out = audit_verify(db, record_id, e);
	if (out && record_log_note(db, a, &acc, "audit.verify", e) < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}
