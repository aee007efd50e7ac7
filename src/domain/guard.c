/* guard.c — see guard.h. */
#include "domain/guard.h"

#include "domain/audit.h"

int audit_note(struct sql *db, const struct actor *a, const struct record_access *acc,
	       const char *action, const char *object_type, const char *object_id,
	       const char *label, int allowed, struct err *e)
{
	struct audit_entry en = {
		.record_id = acc->record_id, .actor = a, .capacity = acc->capacity,
		.action = action, .object_type = object_id ? object_type : "record",
		.object_id = object_id ? object_id : acc->record_id, .object_label = label,
		.outcome = allowed ? AUDIT_ALLOWED : AUDIT_REFUSED,
	};
	return audit_append(db, &en, e);
}

int guard_record(struct sql *db, const struct actor *a, const char *record_id,
		 enum policy_action action, struct policy_object *obj,
		 const char *audit_action, const char *object_type, const char *object_id,
		 struct record_access *acc, struct err *e)
{
	if (access_resolve(db, a, record_id, acc, e) < 0)
		return -1;
	return guard_check(db, a, acc, action, obj, audit_action, object_type, object_id, e);
}

int guard_check(struct sql *db, const struct actor *a, const struct record_access *acc,
		enum policy_action action, struct policy_object *obj, const char *audit_action,
		const char *object_type, const char *object_id, struct err *e)
{
	struct policy_object none = {0};
	if (!obj)
		obj = &none;
	obj->access = acc;
	if (acc->exists && policy_allows(a, action, obj))
		return 0;
	if (acc->exists &&
	    audit_note(db, a, acc, audit_action, object_type, object_id, NULL, 0, e) < 0)
		return -1;
	return err_set(e, ERR_NOT_FOUND, NULL, "no such %s", object_id ? object_type : "record");
}
