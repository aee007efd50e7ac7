/* representation.h — a patient names up to 5 other patient accounts as
 * representatives of the record; each becomes active when that account
 * accepts. The patient can end a representation at once, a representative
 * can step down. Authorized by policy_allows() and audited. */
#ifndef AKTE_DOMAIN_REPRESENTATION_H
#define AKTE_DOMAIN_REPRESENTATION_H

#include "crypto/token.h"
#include "domain/actor.h"
#include "store/sql.h"

#include <jansson.h>

#define REPRESENTATION_MAX 5

/* 201: {id, record_id, representative:{id, login, name}, status, created_at}.
 * 409 "too_many" beyond 5 pending+active; 422 on field "login" when no
 * active patient account has that login, or it is the patient's own, or
 * already named. */
json_t *representation_create(struct sql *db, const struct actor *a, const char *record_id,
			      const char *login, struct err *e);
json_t *representation_list(struct sql *db, const struct actor *a, const char *record_id,
			    struct err *e);
/* By the named account: pending -> active. */
int representation_accept(struct sql *db, const struct actor *a, const char *id,
			  struct err *e);
/* By the patient (ends it) or the representative (steps down). */
int representation_end(struct sql *db, const struct actor *a, const char *record_id,
		       const char *id, struct err *e);
/* The account's own representations as representative (pending and
 * active), for /me and the switcher. */
json_t *representation_mine(struct sql *db, const struct actor *a, struct err *e);

#endif
