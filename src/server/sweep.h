/* sweep.h — the housekeeping thread: removes orphaned blob files (written
 * but never committed, or left by a crash), ended and expired sessions,
 * old login failures and used confirmation links, and audit entries past
 * their retention (keeping each chain verifiable). Runs at start and then
 * hourly. */
#ifndef AKTE_SERVER_SWEEP_H
#define AKTE_SERVER_SWEEP_H

#include "core/config.h"

int sweep_start(const struct config *cfg, struct err *e);
void sweep_stop(void);
/* One pass, on the caller's thread (also used by tests through start). */
int sweep_once(const struct config *cfg, struct err *e);

#endif
