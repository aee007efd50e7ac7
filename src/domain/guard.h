/* guard.h — the one shape of every record-scoped check: resolve the actor's
 * standing to the record, ask policy_allows(), and on refusal write a
 * "refused" audit entry (when the record exists) and answer 404 exactly as
 * for a thing that does not exist. And audit_note(), the one way to write
 * an entry about an object of a record. */
#ifndef AKTE_DOMAIN_GUARD_H
#define AKTE_DOMAIN_GUARD_H

#include "domain/access.h"
#include "domain/policy.h"
#include "store/sql.h"

/* obj may be NULL; its access member is set here. object_type names the
 * thing in the audit entry and the 404 message ("document", "grant", ...);
 * object_id NULL means the record itself. */
int guard_record(struct sql *db, const struct actor *a, const char *record_id,
		 enum policy_action action, struct policy_object *obj,
		 const char *audit_action, const char *object_type, const char *object_id,
		 struct record_access *acc, struct err *e);

/* The same for a standing already resolved (acc from access_resolve). */
int guard_check(struct sql *db, const struct actor *a, const struct record_access *acc,
		enum policy_action action, struct policy_object *obj, const char *audit_action,
		const char *object_type, const char *object_id, struct err *e);

/* One audit entry by actor a (standing acc) about an object of the record;
 * object_id NULL: the record itself. */
int audit_note(struct sql *db, const struct actor *a, const struct record_access *acc,
	       const char *action, const char *object_type, const char *object_id,
	       const char *label, int allowed, struct err *e);

#endif
