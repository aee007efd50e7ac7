/* admin.c — `akted admin --data DIR VERB`: server administration on the
 * data directory itself (works while the server runs: SQLite's WAL and
 * busy timeout let both write). It acts as the administrator, since whoever
 * can open the data directory already holds every key. */
#include "server/cli.h"

#include "core/log.h"
#include "domain/account.h"
#include "server/boot.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const struct actor admin_actor = {.role = ROLE_ADMIN, .login = "akted admin"};

static void print_err(int json, const struct err *e)
{
	if (json) {
		json_t *o = json_pack("{s:{s:s,s:s}}", "error", "code", e->key, "message", e->msg);
		if (e->field[0])
			json_object_set_new(json_object_get(o, "error"), "field", json_string(e->field));
		json_dumpf(o, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(o);
	} else {
		fprintf(stderr, "akted admin: %s\n", e->msg);
	}
}

/* Reads one line from stdin (the password), without its newline. */
static int read_password(char *out, size_t n)
{
	if (!fgets(out, (int)n, stdin))
		return -1;
	size_t len = strlen(out);
	if (len && out[len - 1] == '\n')
		out[--len] = '\0';
	if (len && out[len - 1] == '\r')
		out[--len] = '\0';
	return 0;
}

static int admin_create_org(struct sql *db, int argc, char **argv, int json)
{
	static const struct option opts[] = {
		{"kind", required_argument, 0, 'k'}, {"name", required_argument, 0, 'n'},
		{"telematik-id", required_argument, 0, 't'}, {"address", required_argument, 0, 'a'},
		{0, 0, 0, 0}};
	struct org_input in = {0};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k': in.kind = optarg; break;
		case 'n': in.name = optarg; break;
		case 't': in.telematik_id = optarg; break;
		case 'a': in.address = optarg; break;
		default: return 2;
		}
	}
	if (!in.kind || !in.name) {
		fprintf(stderr, "usage: akted admin --data DIR create-org --kind KIND --name NAME [--telematik-id T] [--address A] [--json]\n");
		return 2;
	}
	struct err e;
	char id[TOKEN_ID_LEN + 1];
	err_clear(&e);
	if (org_create(db, &admin_actor, &in, id, &e) < 0) {
		print_err(json, &e);
		return 1;
	}
	if (json)
		printf("{\"id\":\"%s\"}\n", id);
	else
		printf("%s\n", id);
	return 0;
}

static int admin_create_user(struct sql *db, int argc, char **argv, int json)
{
	static const struct option opts[] = {
		{"role", required_argument, 0, 'r'}, {"login", required_argument, 0, 'l'},
		{"org", required_argument, 0, 'o'}, {"password-stdin", no_argument, 0, 'p'},
		{0, 0, 0, 0}};
	struct user_input in = {0};
	int c, pw_stdin = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': in.role = optarg; break;
		case 'l': in.login = optarg; break;
		case 'o': in.org_id = optarg; break;
		case 'p': pw_stdin = 1; break;
		default: return 2;
		}
	}
	if (!in.role || !in.login || !pw_stdin) {
		fprintf(stderr, "usage: akted admin --data DIR create-user --role admin|operator|provider --login EMAIL [--org ID] --password-stdin [--json]\n");
		return 2;
	}
	char password[1100];
	struct user_created out;
	struct err e;
	err_clear(&e);
	int rc = 1;
	if (read_password(password, sizeof password) < 0) {
		err_set(&e, ERR_INVALID, "password", "no password on standard input");
		print_err(json, &e);
		return 1;
	}
	in.password = password;
	if (user_create(db, &admin_actor, &in, &out, &e) < 0) {
		print_err(json, &e);
		goto out;
	}
	if (json)
		printf("{\"id\":\"%s\",\"totp_secret\":\"%s\"}\n", out.id, out.totp_secret);
	else
		printf("%s\nTOTP secret (give it to the account holder with the password): %s\n",
		       out.id, out.totp_secret);
	rc = 0;
out:
	sodium_memzero(password, sizeof password);
	sodium_memzero(&out, sizeof out);
	return rc;
}

int akted_admin(struct config *cfg, int argc, char **argv, int json)
{
	if (argc < 1) {
		fprintf(stderr, "usage: akted admin --data DIR create-org|create-user ...\n");
		return 2;
	}
	const char *verb = argv[0];
	if (strcmp(verb, "create-org") != 0 && strcmp(verb, "create-user") != 0) {
		fprintf(stderr, "akted admin: unknown command '%s'\n", verb);
		return 2;
	}
	log_set_level(LOG_WARN);
	struct err e;
	err_clear(&e);
	struct sql *db = boot_open(cfg, &e);
	if (!db) {
		print_err(json, &e);
		return 1;
	}
	int rc = strcmp(verb, "create-org") == 0 ? admin_create_org(db, argc, argv, json)
						 : admin_create_user(db, argc, argv, json);
	boot_close(db);
	return rc;
}
