/* main.c — the akte client's entry: options, the verb table, usage.
 *
 *   akte [--server URL] [--profile NAME] [--json] VERB [ARGS]
 *
 * Options may stand before or after the verb (getopt_long permutes), so
 * `akte login --json` and `akte --json login` mean the same. Libraries are
 * set up here once — the wiping allocator first, before jansson or libcurl
 * allocate anything — and each verb returns its exit code. */
#include "cli/cli.h"
#include "cli/http.h"
#include "cli/out.h"
#include "cli/profile.h"
#include "cli/wipe.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#ifndef AKTE_VERSION
#define AKTE_VERSION "0"
#endif

static const struct {
	const char *name;
	int (*run)(struct cli *c);
} cli_verbs[] = {
	{"activate", cmd_activate},
	{"login", cmd_login},
	{"logout", cmd_logout},
	{"whoami", cmd_whoami},
	{"profiles", cmd_profiles},
};

void cli_usage(FILE *to)
{
	fputs(
"usage: akte [--server URL] [--profile NAME] [--json] VERB [ARGS]\n"
"\n"
"verbs:\n"
"  activate CODE       activate your account with the code from the letter\n"
"  login [--device ID] log in; the session is kept in the profile\n"
"  logout              end the session\n"
"  whoami              show the account, role, organisation and records\n"
"  profiles ls         list the local profiles\n"
"  profiles rm NAME    remove a local profile\n"
"\n"
"options:\n"
"  --server URL    the akte server (else the profile's, else $AKTE_SERVER,\n"
"                  else " CLI_DEFAULT_SERVER ")\n"
"  --profile NAME  the local profile to use (default: " CLI_DEFAULT_PROFILE ")\n"
"  --json          print one JSON object on stdout\n"
"  --help, --version\n"
"\n"
"Profiles are kept in $XDG_CONFIG_HOME/akte (default ~/.config/akte), each\n"
"sealed with its own local password. For automation only, the local\n"
"password may be given in $" PROFILE_PASSWORD_ENV " (less safe: other\n"
"tools may log or show the environment). When stdin is not a terminal,\n"
"answers are read from it one line each.\n"
"\n"
"exit codes: 0 done, 1 refused or failed, 2 usage error\n", to);
}

/* Fill c from argv. Returns -1 after printing a usage error, 1 when
 * --help/--version was answered, 0 to run the verb in argv[optind]. */
static int cli_parse(int argc, char **argv, struct cli *c, int *verb_at,
		     int *status)
{
	enum { OPT_SERVER = 1, OPT_PROFILE, OPT_JSON, OPT_DEVICE, OPT_HELP,
	       OPT_VERSION };
	static const struct option opts[] = {
		{"server", required_argument, NULL, OPT_SERVER},
		{"profile", required_argument, NULL, OPT_PROFILE},
		{"json", no_argument, NULL, OPT_JSON},
		{"device", required_argument, NULL, OPT_DEVICE},
		{"help", no_argument, NULL, OPT_HELP},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	opterr = 0; /* our own message, and the JSON error under --json */
	/* A first pass only to learn --json, so a usage error met before it
	 * on the command line is still reported as JSON. */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			c->json = 1;
	int o;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case OPT_SERVER: c->server = optarg; break;
		case OPT_PROFILE: c->profile = optarg; break;
		case OPT_JSON: c->json = 1; break;
		case OPT_DEVICE: c->device = optarg; break;
		case 'h':
		case OPT_HELP:
			cli_usage(stdout);
			*status = CLI_OK;
			return 1;
		case OPT_VERSION:
			printf("akte %s\n", AKTE_VERSION);
			*status = CLI_OK;
			return 1;
		case ':':
		default:
			*status = out_usage(c, "unknown option or missing "
					    "value: %.64s", argv[optind - 1]);
			return -1;
		}
	}
	if (optind >= argc) {
		*status = out_usage(c, "no verb given");
		return -1;
	}
	if (!profile_name_ok(c->profile)) {
		*status = out_usage(c, "\"%.64s\" is not a profile name "
				    "(letters, digits, '.', '_', '-')",
				    c->profile);
		return -1;
	}
	*verb_at = optind;
	return 0;
}

int main(int argc, char **argv)
{
	struct cli c = {.profile = CLI_DEFAULT_PROFILE};
	struct err e;
	int status = CLI_FAIL, verb_at = 0;

	wipe_install_json();
	int parsed = cli_parse(argc, argv, &c, &verb_at, &status);
	if (parsed != 0)
		return status;
	const char *verb = argv[verb_at];
	int (*run)(struct cli *) = NULL;
	for (size_t i = 0; i < sizeof cli_verbs / sizeof cli_verbs[0]; i++)
		if (!strcmp(verb, cli_verbs[i].name))
			run = cli_verbs[i].run;
	if (!run)
		return out_usage(&c, "unknown verb \"%.64s\"", verb);
	if (c.device && run != cmd_login)
		return out_usage(&c, "--device belongs to login");
	c.argc = argc - verb_at - 1;
	c.argv = argv + verb_at + 1;

	err_clear(&e);
	if (sodium_init() < 0) {
		err_set(&e, ERR_INTERNAL, NULL, "cannot initialise libsodium");
		return out_fail(&c, &e);
	}
	if (http_global_init(&e) < 0)
		return out_fail(&c, &e);
	status = run(&c);
	http_global_cleanup();
	return status;
}
