/* main.c — the akte client's entry: options, the verb table, usage.
 *
 *   akte [--server URL] [--profile NAME] [--json] VERB [ARGS]
 *
 * Options may stand before or after the verb (getopt_long permutes), so
 * `akte login --json` and `akte --json login` mean the same. The verbs'
 * own options (--record, --category, ...) are parsed here too, into struct
 * cli, and refused for a verb that does not take them: one parser, one
 * place where `-o` or `--limit` is spelled. Libraries are
 * set up here once — the wiping allocator first, before jansson or libcurl
 * allocate anything — and each verb returns its exit code. */
#include "cli/cli.h"
#include "cli/http.h"
#include "cli/out.h"
#include "cli/profile.h"
#include "cli/record.h"
#include "cli/wipe.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#ifndef AKTE_VERSION
#define AKTE_VERSION "0"
#endif

#define CLI_DOCS_OPTS                                                      \
	(CLI_OPT_RECORD | CLI_OPT_CATEGORY | CLI_OPT_QUERY | CLI_OPT_LIMIT | \
	 CLI_OPT_TITLE | CLI_OPT_DATE | CLI_OPT_TYPE | CLI_OPT_OUTPUT |      \
	 CLI_OPT_FORCE)

static const struct {
	const char *name;
	int (*run)(struct cli *c);
	unsigned opts; /* the CLI_OPT_* the verb takes */
} cli_verbs[] = {
	{"activate", cmd_activate, 0},
	{"login", cmd_login, CLI_OPT_DEVICE},
	{"logout", cmd_logout, 0},
	{"whoami", cmd_whoami, 0},
	{"profiles", cmd_profiles, 0},
	{"docs", cmd_docs, CLI_DOCS_OPTS},
	{"records", cmd_records, 0},
	{"grants", cmd_grants, CLI_OPT_RECORD | CLI_OPT_DAYS |
				       CLI_OPT_CATEGORY},
	{"reps", cmd_reps, CLI_OPT_RECORD},
	{"audit", cmd_audit, CLI_OPT_RECORD | CLI_OPT_VERIFY |
				     CLI_OPT_ACTION | CLI_OPT_LIMIT},
};

/* The verbs' options: getopt's id, the CLI_OPT_* bit, the name. */
enum {
	OPT_SERVER = 1, OPT_PROFILE, OPT_JSON, OPT_HELP, OPT_VERSION,
	OPT_VERB_FIRST = 0x100,
};

static const struct option cli_options[] = {
	{"server", required_argument, NULL, OPT_SERVER},
	{"profile", required_argument, NULL, OPT_PROFILE},
	{"json", no_argument, NULL, OPT_JSON},
	{"help", no_argument, NULL, OPT_HELP},
	{"version", no_argument, NULL, OPT_VERSION},
	/* From here on .val is OPT_VERB_FIRST + the bit's index. */
	{"device", required_argument, NULL, OPT_VERB_FIRST + 0},
	{"record", required_argument, NULL, OPT_VERB_FIRST + 1},
	{"category", required_argument, NULL, OPT_VERB_FIRST + 2},
	{"query", required_argument, NULL, OPT_VERB_FIRST + 3},
	{"limit", required_argument, NULL, OPT_VERB_FIRST + 4},
	{"title", required_argument, NULL, OPT_VERB_FIRST + 5},
	{"date", required_argument, NULL, OPT_VERB_FIRST + 6},
	{"type", required_argument, NULL, OPT_VERB_FIRST + 7},
	{"output", required_argument, NULL, OPT_VERB_FIRST + 8},
	{"force", no_argument, NULL, OPT_VERB_FIRST + 9},
	{"days", required_argument, NULL, OPT_VERB_FIRST + 10},
	{"verify", no_argument, NULL, OPT_VERB_FIRST + 11},
	{"action", required_argument, NULL, OPT_VERB_FIRST + 12},
	{NULL, 0, NULL, 0},
};

int cli_only(const struct cli *c, unsigned allowed, const char *what)
{
	unsigned extra = c->given & ~allowed;
	if (!extra)
		return 0;
	for (const struct option *o = cli_options; o->name; o++)
		if (o->val >= OPT_VERB_FIRST &&
		    (extra & (1u << (o->val - OPT_VERB_FIRST))))
			return out_usage(c, "--%s does not belong to %s",
					 o->name, what);
	return out_usage(c, "an option does not belong to %s", what);
}

/* Keep the value of a verb's option. -1 after a usage error. */
static int cli_verb_option(struct cli *c, unsigned bit, const char *v,
			   int *status)
{
	const char **slot[] = {
		[0] = &c->device, [1] = &c->record, [3] = &c->query,
		[4] = &c->limit, [5] = &c->title, [6] = &c->date,
		[7] = &c->type, [8] = &c->output, [10] = &c->days,
		[12] = &c->action,
	};
	c->given |= 1u << bit;
	if (bit == 2) {
		if (c->ncategory >= CLI_CATEGORY_MAX) {
			*status = out_usage(c, "at most %d --category",
					    CLI_CATEGORY_MAX);
			return -1;
		}
		c->category[c->ncategory++] = v;
	} else if (bit == 1 && !record_id_ok(v)) {
		*status = out_usage(c, "\"%.64s\" is not a record id", v);
		return -1;
	} else if (bit == 9) {
		c->force = 1;
	} else if (bit == 11) {
		c->verify = 1;
	} else {
		*slot[bit] = v;
	}
	return 0;
}

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
"  docs ls [--category C] [--query Q] [--limit N]\n"
"                      list the record's documents, newest first\n"
"  docs put FILE --category C [--title T] [--date YYYY-MM-DD] [--type MIME]\n"
"                      upload a file (title: the file name without its\n"
"                      extension; type: guessed from the extension)\n"
"  docs get ID [-o FILE|-] [--force]\n"
"                      download a document and check its SHA-256\n"
"  docs hide ID, docs unhide ID, docs rm ID\n"
"  records             the records your organisation may open (staff)\n"
"  grants ls           who may open the record, and until when\n"
"  grants add ORG [--days N] [--category C]...\n"
"                      let an organisation (its id) open the record\n"
"  grants rm ID        end a grant now\n"
"  reps ls             representatives of the record, and invitations\n"
"  reps add LOGIN      name a representative; reps accept ID; reps rm ID\n"
"  audit [--verify] [--action A] [--limit N]\n"
"                      who did what with the record; --verify checks the\n"
"                      log's chain\n"
"\n"
"  --record RID        the record to work on (default: your own; needed\n"
"                      by provider staff and when you only represent\n"
"                      several others)\n"
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
	opterr = 0; /* our own message, and the JSON error under --json */
	/* A first pass only to learn --json, so a usage error met before it
	 * on the command line is still reported as JSON. */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			c->json = 1;
	int o;
	while ((o = getopt_long(argc, argv, "ho:", cli_options, NULL)) != -1) {
		if (o >= OPT_VERB_FIRST) {
			if (cli_verb_option(c, (unsigned)(o - OPT_VERB_FIRST),
					    optarg, status) < 0)
				return -1;
			continue;
		}
		switch (o) {
		case OPT_SERVER: c->server = optarg; break;
		case OPT_PROFILE: c->profile = optarg; break;
		case OPT_JSON: c->json = 1; break;
		case 'o':
			if (cli_verb_option(c, 8, optarg, status) < 0)
				return -1;
			break;
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
	unsigned opts = 0;
	for (size_t i = 0; i < sizeof cli_verbs / sizeof cli_verbs[0]; i++)
		if (!strcmp(verb, cli_verbs[i].name)) {
			run = cli_verbs[i].run;
			opts = cli_verbs[i].opts;
		}
	if (!run)
		return out_usage(&c, "unknown verb \"%.64s\"", verb);
	if (cli_only(&c, opts, verb) != 0)
		return CLI_USAGE;
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
