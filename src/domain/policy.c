/* policy.c — see policy.h. Deny by default: an action missing from the
 * switch is refused, so adding an action without a rule cannot open it.
 *
 * The record rules, in words: the patient and active representatives may
 * do everything with the record's documents, grants and log; only the
 * patient names representatives; a representative may step down. Staff of
 * an organisation with a live grant list, read and add documents in the
 * granted categories, never see hidden ones, and change or delete only
 * what their organisation uploaded. */
#include "domain/policy.h"

#include <string.h>

static bool owns(const struct actor *a, const struct policy_object *obj)
{
	return obj && obj->account_id && a->account_id[0] &&
	       strcmp(obj->account_id, a->account_id) == 0;
}

static enum access_capacity capacity(const struct policy_object *obj)
{
	return obj && obj->access ? obj->access->capacity : CAPACITY_NONE;
}

static bool holder(const struct policy_object *obj)
{
	enum access_capacity c = capacity(obj);
	return c == CAPACITY_PATIENT || c == CAPACITY_REPRESENTATIVE;
}

/* A provider sees a document when the grant covers its category and the
 * patient has not hidden it. */
static bool provider_sees(const struct actor *a, const struct policy_object *obj)
{
	return a->role == ROLE_PROVIDER && capacity(obj) == CAPACITY_PROVIDER &&
	       !obj->doc_hidden && obj->doc_category &&
	       access_covers_category(obj->access, obj->doc_category);
}

static bool provider_authored(const struct actor *a, const struct policy_object *obj)
{
	return provider_sees(a, obj) && obj->doc_author_org && a->org_id[0] &&
	       strcmp(obj->doc_author_org, a->org_id) == 0;
}

static bool record_rule(const struct actor *a, enum policy_action action,
			const struct policy_object *obj)
{
	switch (action) {
	case POLICY_RECORDS_LIST:
		return a->role == ROLE_PROVIDER && a->org_id[0];
	case POLICY_DOC_LIST:
		return holder(obj) || (a->role == ROLE_PROVIDER && capacity(obj) == CAPACITY_PROVIDER);
	case POLICY_DOC_READ:
		return holder(obj) || provider_sees(a, obj);
	case POLICY_DOC_CREATE:
		/* doc_category: the category of the new document */
		return holder(obj) || (a->role == ROLE_PROVIDER &&
				       capacity(obj) == CAPACITY_PROVIDER && obj->doc_category &&
				       access_covers_category(obj->access, obj->doc_category));
	case POLICY_DOC_UPDATE:
	case POLICY_DOC_DELETE:
		return holder(obj) || provider_authored(a, obj);
	case POLICY_DOC_HIDE:
	case POLICY_GRANT_LIST:
	case POLICY_GRANT_CREATE:
	case POLICY_GRANT_REVOKE:
	case POLICY_REP_LIST:
	case POLICY_AUDIT_READ:
		return holder(obj);
	case POLICY_REP_CREATE:
		return capacity(obj) == CAPACITY_PATIENT;
	case POLICY_REP_END:
		return capacity(obj) == CAPACITY_PATIENT || owns(a, obj);
	case POLICY_REP_ACCEPT:
		return a->role == ROLE_PATIENT && owns(a, obj);
	default:
		return false;
	}
}

bool policy_allows(const struct actor *a, enum policy_action action,
		   const struct policy_object *obj)
{
	if (!a || a->role == ROLE_NONE)
		return false;
	switch (action) {
	case POLICY_ORG_CREATE:
	case POLICY_USER_CREATE:
		return a->role == ROLE_ADMIN;
	case POLICY_ORG_LIST:
		return true;
	case POLICY_PATIENT_CREATE:
	case POLICY_PATIENT_LETTER:
		return a->role == ROLE_OPERATOR;
	case POLICY_DEVICE_LIST:
		return true;
	case POLICY_DEVICE_DELETE:
		return owns(a, obj);
	case POLICY_ACTION_COUNT:
		return false;
	default:
		return record_rule(a, action, obj);
	}
}
