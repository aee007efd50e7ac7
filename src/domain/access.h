/* access.h — in what capacity an actor stands to a record right now:
 * its patient, an active representative, staff of an organisation with a
 * live grant (and which categories that grant covers), or none. Computed
 * from the database on every request, so a revoked grant or an ended
 * representation takes effect with the next request. policy_allows() then
 * decides on the action. */
#ifndef AKTE_DOMAIN_ACCESS_H
#define AKTE_DOMAIN_ACCESS_H

#include "crypto/token.h"
#include "domain/actor.h"
#include "store/sql.h"

enum access_capacity {
	CAPACITY_NONE = 0,
	CAPACITY_PATIENT,
	CAPACITY_REPRESENTATIVE,
	CAPACITY_PROVIDER,
};

#define ACCESS_MAX_CATEGORIES 32
#define ACCESS_CATEGORY_LEN 32

struct record_access {
	char record_id[TOKEN_ID_LEN + 1];
	char patient_id[TOKEN_ID_LEN + 1];
	int exists;                        /* the record exists at all */
	enum access_capacity capacity;
	/* CAPACITY_PROVIDER only: the grant and its categories (none = all). */
	char grant_id[TOKEN_ID_LEN + 1];
	int64_t grant_expires;
	int n_categories;
	char categories[ACCESS_MAX_CATEGORIES][ACCESS_CATEGORY_LEN];
};

/* Fills acc for actor and record_id. A record that does not exist gives
 * exists = 0 and CAPACITY_NONE; no error. -1 only on database errors. */
int access_resolve(struct sql *db, const struct actor *a, const char *record_id,
		   struct record_access *acc, struct err *e);
/* Whether a provider's grant covers a category (always for other
 * capacities). */
int access_covers_category(const struct record_access *acc, const char *category);
const char *access_capacity_name(enum access_capacity c);

#endif
