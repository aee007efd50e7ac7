/* main.c — akted's command line: `serve`, `admin` and `config-reference`.
 * Global options (--data, --listen, --config, --json, --demo) may stand
 * anywhere; they are taken out before the subcommand parses the rest. */
#include "server/cli.h"

#include "core/log.h"

#include <stdio.h>
#include <string.h>

static void usage(void)
{
	fprintf(stderr,
		"usage: akted serve --data DIR [--listen HOST:PORT] [--config FILE] [--demo]\n"
		"       akted admin --data DIR create-org --kind KIND --name NAME [--telematik-id T] [--json]\n"
		"       akted admin --data DIR create-user --role ROLE --login EMAIL [--org ID] --password-stdin [--json]\n"
		"       akted config-reference\n"
		"Every setting can also come from the environment as AKTE_<NAME>; see config-reference.\n");
}

struct global_opts {
	const char *data, *listen, *config;
	int json, demo;
};

/* Removes the global options from argv, returning the new argc, or -1 when
 * one lacks its value. */
static int take_globals(int argc, char **argv, struct global_opts *g)
{
	int out = 0;
	for (int i = 0; i < argc; i++) {
		const char **slot = NULL;
		if (strcmp(argv[i], "--data") == 0)
			slot = &g->data;
		else if (strcmp(argv[i], "--listen") == 0)
			slot = &g->listen;
		else if (strcmp(argv[i], "--config") == 0)
			slot = &g->config;
		if (slot) {
			if (i + 1 >= argc)
				return -1;
			*slot = argv[++i];
		} else if (strcmp(argv[i], "--json") == 0) {
			g->json = 1;
		} else if (strcmp(argv[i], "--demo") == 0) {
			g->demo = 1;
		} else {
			argv[out++] = argv[i];
		}
	}
	argv[out] = NULL;
	return out;
}

static int load_config(struct config *cfg, const struct global_opts *g)
{
	struct err e;
	err_clear(&e);
	config_defaults(cfg);
	if ((g->config && config_load_file(cfg, g->config, &e) < 0) ||
	    config_load_env(cfg, &e) < 0 ||
	    (g->data && config_set(cfg, "data", g->data, &e) < 0) ||
	    (g->listen && config_set(cfg, "listen", g->listen, &e) < 0)) {
		fprintf(stderr, "akted: %s\n", e.msg);
		return -1;
	}
	config_finish(cfg);
	static const char *const levels[] = {"debug", "info", "warn", "error"};
	for (int i = 0; i < 4; i++)
		if (strcmp(cfg->log_level, levels[i]) == 0)
			log_set_level((enum log_level)i);
	return 0;
}

int main(int argc, char **argv)
{
	struct global_opts g = {0};
	static struct config cfg;
	argc = take_globals(argc - 1, argv + 1, &g);
	argv++;
	if (argc < 1) {
		usage();
		return 2;
	}
	if (strcmp(argv[0], "config-reference") == 0) {
		config_print_reference(stdout);
		return 0;
	}
	if (strcmp(argv[0], "serve") != 0 && strcmp(argv[0], "admin") != 0) {
		usage();
		return 2;
	}
	if (load_config(&cfg, &g) < 0)
		return 2;
	if (strcmp(argv[0], "serve") == 0) {
		if (argc > 1) {
			usage();
			return 2;
		}
		return akted_serve(&cfg, g.demo);
	}
	return akted_admin(&cfg, argc - 1, argv + 1, g.json);
}
