/* record_log.h — reading a record's audit log, for its patient and
 * representatives: the authorization around audit_list/audit_verify, and
 * the entry that records the reading itself. */
#ifndef AKTE_DOMAIN_RECORD_LOG_H
#define AKTE_DOMAIN_RECORD_LOG_H

#include "domain/actor.h"
#include "store/sql.h"

#include <jansson.h>

json_t *record_log_list(struct sql *db, const struct actor *a, const char *record_id,
			const char *actor_filter, const char *action, const char *cursor,
			int limit, struct err *e);
json_t *record_log_verify(struct sql *db, const struct actor *a, const char *record_id,
			  struct err *e);

#endif
