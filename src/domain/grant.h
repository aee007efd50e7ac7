/* grant.h — a patient (or representative) grants an organisation access to
 * the record for a number of days, to all categories or chosen ones, and
 * can end it at once. Defaults and the maximum come from
 * data/grant-defaults.json. Every call is authorized with policy_allows()
 * on the caller's record_access and audited (allowed and refused). */
#ifndef AKTE_DOMAIN_GRANT_H
#define AKTE_DOMAIN_GRANT_H

#include "core/config.h"
#include "crypto/token.h"
#include "domain/actor.h"
#include "store/sql.h"

#include <jansson.h>

int grant_rules_load(const char *rules_dir, struct err *e);

struct grant_input {
	const char *org_id;
	int64_t days;              /* 0: the default for the organisation's kind */
	json_t *categories;        /* NULL or an array of category codes */
};

/* 201: {id, org:{id,name,kind}, categories|null, created_at, expires_at, active}. */
json_t *grant_create(struct sql *db, const struct actor *a, const char *record_id,
		     const struct grant_input *in, struct err *e);
/* Active and past grants of the record, newest first (items as above plus
 * revoked_at). */
json_t *grant_list(struct sql *db, const struct actor *a, const char *record_id,
		   struct err *e);
int grant_revoke(struct sql *db, const struct actor *a, const char *grant_id,
		 struct err *e);
/* For provider staff: the records their organisation may open now, with
 * patient name, birth date, grant end and categories. */
json_t *grant_records_for_org(struct sql *db, const struct actor *a, struct err *e);

#endif
