/* serve.c — `akted serve`: boot, start the outbox worker and the HTTP
 * server, then wait for SIGTERM/SIGINT and stop in order: stop accepting,
 * let in-flight requests finish (at most 10 s), stop the worker, close.
 *
 * Signals are blocked before any thread starts, so every thread inherits
 * the mask and only the main thread receives them, through sigwait(). */
#include "server/cli.h"

#include "api/api.h"
#include "core/log.h"
#include "domain/demo.h"
#include "http/server.h"
#include "notify/outbox.h"
#include "server/boot.h"
#include "server/sweep.h"

#include <signal.h>
#include <stdio.h>

#define STOP_GRACE_S 10

int akted_serve(struct config *cfg, int demo)
{
	struct err e;
	err_clear(&e);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct sql *db = boot_open(cfg, &e);
	if (!db)
		goto fail;
	if (demo && demo_seed(db, cfg, stdout, &e) < 0)
		goto fail_db;
	if (sweep_start(cfg, &e) < 0)
		goto fail_db;
	if (outbox_start(cfg, &e) < 0)
		goto fail_sweep;
	api_init(cfg);
	struct http_server *srv = http_server_start(cfg, api_routes, api_routes_n, &e);
	if (!srv)
		goto fail_outbox;
	log_event(LOG_INFO, "listening", json_pack("{s:s,s:s}", "listen", cfg->listen,
						   "public_url", cfg->public_url));
	int sig = 0;
	sigwait(&set, &sig);
	log_event(LOG_INFO, "stopping", json_pack("{s:i}", "signal", sig));
	http_server_stop(srv, STOP_GRACE_S);
	outbox_stop();
	sweep_stop();
	boot_close(db);
	log_event(LOG_INFO, "stopped", NULL);
	return 0;

fail_outbox:
	outbox_stop();
fail_sweep:
	sweep_stop();
fail_db:
	boot_close(db);
fail:
	log_event(LOG_ERROR, "start_failed", json_pack("{s:s}", "msg", e.msg));
	fprintf(stderr, "akted: %s\n", e.msg);
	return 1;
}
