/* migrate.h — schema migrations (see migrate.c). */
#ifndef AKTE_STORE_MIGRATE_H
#define AKTE_STORE_MIGRATE_H

#include "store/sql.h"

int migrate_run(struct sql *db, struct err *e);
int migrate_latest(void);

#endif
