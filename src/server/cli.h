/* cli.h — the subcommands of the akted binary. */
#ifndef AKTE_SERVER_CLI_H
#define AKTE_SERVER_CLI_H

#include "core/config.h"

int akted_serve(struct config *cfg, int demo);
/* argv[0] is the admin verb. */
int akted_admin(struct config *cfg, int argc, char **argv, int json);

#endif
