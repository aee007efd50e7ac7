/* demo.h — `akted serve --demo`: accounts to try akte with, created once
 * in a data directory and printed at every start. For development only:
 * the passwords and TOTP secrets are public. */
#ifndef AKTE_DOMAIN_DEMO_H
#define AKTE_DOMAIN_DEMO_H

#include "core/config.h"
#include "store/sql.h"

#include <stdio.h>

#define DEMO_CLI_DEVICE "akte-demo-cli-device"

int demo_seed(struct sql *db, const struct config *cfg, FILE *out, struct err *e);

#endif
