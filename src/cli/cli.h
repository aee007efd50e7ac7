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

/* The verbs' own options, as bits: main.c refuses an option the verb does
 * not take, and a verb with sub-commands narrows that with cli_only. */
enum cli_opt {
	CLI_OPT_DEVICE = 1u << 0,
	CLI_OPT_RECORD = 1u << 1,
	CLI_OPT_CATEGORY = 1u << 2,
	CLI_OPT_QUERY = 1u << 3,
	CLI_OPT_LIMIT = 1u << 4,
	CLI_OPT_TITLE = 1u << 5,
	CLI_OPT_DATE = 1u << 6,
	CLI_OPT_TYPE = 1u << 7,
	CLI_OPT_OUTPUT = 1u << 8,
	CLI_OPT_FORCE = 1u << 9,
	CLI_OPT_DAYS = 1u << 10,
	CLI_OPT_VERIFY = 1u << 11,
	CLI_OPT_ACTION = 1u << 12,
};

#define CLI_CATEGORY_MAX 16

/* Every string points into argv. */
struct cli {
	const char *server;  /* --server URL, or NULL */
	const char *profile; /* --profile NAME, CLI_DEFAULT_PROFILE if absent */
	const char *device;  /* --device ID (login only), or NULL */
	int json;            /* --json: one JSON object on stdout */
	int argc;            /* the verb's own arguments, after the verb */
	char **argv;
	unsigned given;      /* CLI_OPT_* bits of the options given */
	const char *record;  /* --record RID */
	const char *category[CLI_CATEGORY_MAX]; /* --category, repeatable */
	int ncategory;
	const char *query, *limit, *title, *date, *type, *output, *days,
		*action;     /* --query, --limit, ... as given */
	int force, verify;   /* --force, --verify */
};

/* Print the usage text (to stderr for usage errors, stdout for --help). */
void cli_usage(FILE *to);

/* A usage error (CLI_USAGE, printed) when c was given an option outside
 * `allowed` (CLI_OPT_* bits), naming it and `what` ("docs ls"); else 0. */
int cli_only(const struct cli *c, unsigned allowed, const char *what);

int cmd_activate(struct cli *c);
int cmd_login(struct cli *c);
int cmd_logout(struct cli *c);
int cmd_whoami(struct cli *c);
int cmd_profiles(struct cli *c);
int cmd_docs(struct cli *c);
int cmd_records(struct cli *c);
int cmd_grants(struct cli *c);
int cmd_reps(struct cli *c);
int cmd_audit(struct cli *c);

#endif
