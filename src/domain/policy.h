/* policy.h — who may do what: the one place where access is decided.
 * Every domain operation that touches an account's or a record's data asks
 * policy_allows() first; no handler decides on its own. */
#ifndef AKTE_DOMAIN_POLICY_H
#define AKTE_DOMAIN_POLICY_H

#include "domain/actor.h"

#include <stdbool.h>

enum policy_action {
	POLICY_ORG_CREATE,
	POLICY_ORG_LIST,
	POLICY_USER_CREATE,
	POLICY_PATIENT_CREATE,
	POLICY_PATIENT_LETTER,     /* print or re-issue an activation letter */
	POLICY_DEVICE_LIST,
	POLICY_DEVICE_DELETE,      /* object: the device's account */
	POLICY_ACTION_COUNT
};

/* What an action is about; fields unused by an action stay NULL. */
struct policy_object {
	const char *account_id;  /* the account that owns the object */
};

bool policy_allows(const struct actor *a, enum policy_action action,
		   const struct policy_object *obj);

#endif
