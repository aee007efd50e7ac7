/* boot.h — preparing a data directory and the process-wide state that both
 * `akted serve` and `akted admin` need: keys, rule tables, the database. */
#ifndef AKTE_SERVER_BOOT_H
#define AKTE_SERVER_BOOT_H

#include "core/config.h"
#include "store/sql.h"

/* Creates DATA (0700) with blobs/, spool/ and keys/ when missing, loads
 * the master key and the rule tables, opens the database (running the
 * migrations). Returns the connection for the calling thread or NULL. */
struct sql *boot_open(const struct config *cfg, struct err *e);
void boot_close(struct sql *db);

#endif
