/* outbox.h — durable outgoing messages. outbox_enqueue() writes a row in
 * the caller's transaction (so a mail exists iff the change that caused it
 * was committed); a worker thread delivers due rows, retrying with
 * exponential backoff, and unsent rows survive a restart. */
#ifndef AKTE_NOTIFY_OUTBOX_H
#define AKTE_NOTIFY_OUTBOX_H

#include "core/config.h"
#include "core/err.h"
#include "store/sql.h"

#include <stdint.h>

int outbox_enqueue(struct sql *db, const char *to, const char *subject,
		   const char *body, struct err *e);

/* Start/stop the delivery thread (uses the settings smtp_url, mail_from,
 * data, outbox_retry_base, outbox_max_attempts). outbox_stop waits for it. */
int outbox_start(const struct config *cfg, struct err *e);
void outbox_stop(void);
/* Wake the worker now (after an enqueue) instead of at its next poll. */
void outbox_kick(void);
/* Messages not yet delivered nor given up; -1 on error. */
int64_t outbox_queue_length(struct sql *db);

#endif
