/* policy.c — see policy.h. Deny by default: an action missing from the
 * switch is refused, so adding an action without a rule cannot open it. */
#include "domain/policy.h"

#include <string.h>

static bool owns(const struct actor *a, const struct policy_object *obj)
{
	return obj && obj->account_id && a->account_id[0] &&
	       strcmp(obj->account_id, a->account_id) == 0;
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
		break;
	}
	return false;
}
