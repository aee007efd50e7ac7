/* policy.h — who may do what: the one place where access is decided.
 * Every domain operation that touches an account's or a record's data asks
 * policy_allows() first; no handler decides on its own. */
#ifndef AKTE_DOMAIN_POLICY_H
#define AKTE_DOMAIN_POLICY_H

#include "domain/access.h"
#include "domain/actor.h"

#include <stdbool.h>

enum policy_action {
	/* accounts and organisations */
	POLICY_ORG_CREATE,
	POLICY_ORG_LIST,
	POLICY_USER_CREATE,
	POLICY_PATIENT_CREATE,
	POLICY_PATIENT_LETTER,     /* print or re-issue an activation letter */
	POLICY_DEVICE_LIST,
	POLICY_DEVICE_DELETE,      /* object: the device's account */
	/* the record (object: record_access, and the document if any) */
	POLICY_RECORDS_LIST,       /* provider staff: records open to the org */
	POLICY_DOC_LIST,
	POLICY_DOC_READ,           /* metadata and content */
	POLICY_DOC_CREATE,
	POLICY_DOC_UPDATE,         /* title and category */
	POLICY_DOC_HIDE,           /* hide from / show to providers */
	POLICY_DOC_DELETE,
	POLICY_GRANT_LIST,
	POLICY_GRANT_CREATE,
	POLICY_GRANT_REVOKE,
	POLICY_REP_LIST,
	POLICY_REP_CREATE,
	POLICY_REP_END,            /* object: the representation's account */
	POLICY_REP_ACCEPT,         /* object: the representation's account */
	POLICY_AUDIT_READ,
	POLICY_ACTION_COUNT
};

/* What an action is about; fields unused by an action stay NULL/0. */
struct policy_object {
	const char *account_id;             /* the account that owns the object */
	const struct record_access *access; /* the actor's standing to the record */
	const char *doc_category;           /* a document's category */
	int doc_hidden;                     /* a document hidden from providers */
	const char *doc_author_org;         /* the organisation that uploaded it */
};

bool policy_allows(const struct actor *a, enum policy_action action,
		   const struct policy_object *obj);

#endif
