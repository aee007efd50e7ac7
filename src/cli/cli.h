/* cli.h — what every verb of the akte client shares: the parsed global
 * options, the exit codes and the verbs' entry points.
 *
 * main.c parses the command line into a struct cli and calls one cmd_*
 * function; each verb returns its exit code and never calls exit(), so all
 * cleanup (wiping passwords, sealing the profile again) runs on every path. */
#ifndef AKTE_CLI_CLI_H
#define AKTE_CLI_CLI_H

#include <stdio.h>

/* Exit codes, as the design fixes them for every verb. */
enum cli_exit {
	CLI_OK = 0,     /* done */
	CLI_FAIL = 1,   /* refused by the server, or failed */
	CLI_USAGE = 2,  /* unknown verb or option, missing argument */
};

#define CLI_DEFAULT_SERVER "http://127.0.0.1:8080"
#define CLI_DEFAULT_PROFILE "default"

struct cli {
	const char *server;  /* --server URL, or NULL */
	const char *profile; /* --profile NAME, CLI_DEFAULT_PROFILE if absent */
	const char *device;  /* --device ID (login only), or NULL */
	int json;            /* --json: one JSON object on stdout */
	int argc;            /* the verb's own arguments, after the verb */
	char **argv;
};

/* Print the usage text (to stderr for usage errors, stdout for --help). */
void cli_usage(FILE *to);

int cmd_activate(struct cli *c);
int cmd_login(struct cli *c);
int cmd_logout(struct cli *c);
int cmd_whoami(struct cli *c);
int cmd_profiles(struct cli *c);

#endif
