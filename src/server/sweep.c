/* sweep.c — see sweep.h. */
#include "server/sweep.h"

#include "core/clock.h"
#include "core/log.h"
#include "domain/audit.h"
#include "store/blob.h"
#include "store/sql.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define SWEEP_INTERVAL_S 3600

static pthread_t sweep_thread;
static pthread_mutex_t sweep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sweep_wake = PTHREAD_COND_INITIALIZER;
static int sweep_running, sweep_quit;
static const struct config *sweep_cfg;

static int blob_is_referenced(const char *id, void *ctx)
{
	struct sql *db = ctx;
	struct sql_stmt *st = sql_query(db, NULL, "SELECT 1 FROM blobs WHERE id = ?", "t", id);
	if (!st)
		return 1; /* when in doubt, keep */
	int rc = sql_step(st, NULL);
	sql_finalize(st);
	return rc != SQL_DONE;
}

int sweep_once(const struct config *cfg, struct err *e)
{
	struct sql *db = sql_thread_conn(e);
	if (!db)
		return -1;
	int64_t now = clock_now();
	if (sql_run(db, e, "DELETE FROM sessions WHERE ended_at IS NOT NULL OR expires_at < ?"
			   " OR last_seen_at < ?", "ii", now, now - cfg->session_idle) < 0 ||
	    sql_run(db, e, "DELETE FROM login_failures WHERE at < ?", "i",
		    now - cfg->login_window) < 0 ||
	    sql_run(db, e, "DELETE FROM login_locks WHERE until_at < ?", "i", now) < 0 ||
	    sql_run(db, e, "DELETE FROM device_confirmations WHERE expires_at < ?", "i", now) < 0)
		return -1;
	int64_t pruned = audit_prune(db, now - cfg->audit_retention_days * 86400, e);
	if (pruned < 0)
		return -1;
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/blobs", cfg->data);
	struct blob_store *bs = blob_store_open(dir, e);
	if (!bs)
		return -1;
	int removed = blob_sweep(bs, blob_is_referenced, db, cfg->orphan_age, e);
	blob_store_close(bs);
	if (removed < 0)
		return -1;
	log_event(LOG_INFO, "sweep", json_pack("{s:i,s:I}", "orphans_removed", removed,
					       "audit_entries_pruned", (json_int_t)pruned));
	return 0;
}

static void *sweep_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sweep_lock);
	while (!sweep_quit) {
		pthread_mutex_unlock(&sweep_lock);
		struct err e;
		err_clear(&e);
		if (sweep_once(sweep_cfg, &e) < 0)
			log_event(LOG_WARN, "sweep_failed", json_pack("{s:s}", "msg", e.msg));
		pthread_mutex_lock(&sweep_lock);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += SWEEP_INTERVAL_S;
		while (!sweep_quit &&
		       pthread_cond_timedwait(&sweep_wake, &sweep_lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&sweep_lock);
	sql_thread_close();
	return NULL;
}

int sweep_start(const struct config *cfg, struct err *e)
{
	sweep_cfg = cfg;
	sweep_quit = 0;
	if (pthread_create(&sweep_thread, NULL, sweep_main, NULL) != 0)
		return err_set(e, ERR_INTERNAL, NULL, "cannot start the sweep thread");
	sweep_running = 1;
	return 0;
}

void sweep_stop(void)
{
	if (!sweep_running)
		return;
	pthread_mutex_lock(&sweep_lock);
	sweep_quit = 1;
	pthread_cond_signal(&sweep_wake);
	pthread_mutex_unlock(&sweep_lock);
	pthread_join(sweep_thread, NULL);
	sweep_running = 0;
}
