/* outbox.c — see outbox.h. The outbox table is the queue: a row is written
 * in the same transaction as the change that needs the mail, and one worker
 * thread per server delivers what is due.
 *
 * Several servers may share one database, so a row is sent only by the
 * server that holds its lease: the claim is a conditional UPDATE that
 * succeeds (one changed row) for exactly one of them, and the lease outlasts
 * the longest SMTP exchange so it cannot expire mid-send. (PostgreSQL could
 * select with FOR UPDATE SKIP LOCKED instead; the conditional UPDATE is
 * portable and is what keeps the guarantee.) A server that dies holding a
 * lease only delays the row until the lease runs out.
 *
 * Once a row is sent or given up its body is emptied: bodies carry
 * confirmation links, which are credentials, and a delivered link needs no
 * copy in the database. */
#include "notify/outbox.h"

#include "core/clock.h"
#include "core/log.h"
#include "crypto/token.h"
#include "notify/mail.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Must exceed mail_send_smtp's total timeout (60 s) with room for the
 * bookkeeping around it, or a slow send could be claimed twice. */
#define OUTBOX_LEASE 120      /* seconds */
#define OUTBOX_POLL_MS 1000   /* wake-up interval without a kick */
#define OUTBOX_BATCH 16       /* rows claimed per round */
#define OUTBOX_BACKOFF_MAX 3600 /* seconds between retries at most */
#define OUTBOX_KIND_MAIL "mail"

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	pthread_t thread;
	int running;  /* a thread was started and not yet joined; written under mu */
	int stopping; /* guarded by mu */
	int kicked;   /* guarded by mu */
	struct config cfg; /* the worker's copy: the caller's may go away */
} outbox = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
};

int outbox_enqueue(struct sql *db, const char *to, const char *subject,
		   const char *body, struct err *e)
{
	/* Format once now, with a placeholder sender, only to check the
	 * recipient, subject and body the way delivery will: a mail that can
	 * never be formatted should fail its caller's transaction, not sit in
	 * the queue. */
	char *probe = mail_format("check <check@localhost>", to, subject, body, e);
	if (!probe)
		return -1;
	free(probe);

	char id[TOKEN_ID_LEN + 1];
	token_id(id);
	int64_t now = clock_now();
	if (sql_run(db, e,
		    "INSERT INTO outbox (id, kind, recipient, subject, body, status,"
		    " attempts, next_at, created_at)"
		    " VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
		    "tttttii", id, OUTBOX_KIND_MAIL, to, subject, body, now, now) < 0)
		return -1;
	return 0;
}

int64_t outbox_queue_length(struct sql *db)
{
	int64_t n = -1;
	struct sql_stmt *st =
		sql_prepare(db, "SELECT count(*) FROM outbox WHERE status = 'queued'", NULL);
	if (!st)
		return -1;
	if (sql_step(st, NULL) == SQL_ROW)
		n = sql_col_int(st, 0);
	sql_finalize(st);
	return n;
}

/* Seconds before the next try after `attempts` failed ones: base, 2·base,
 * 4·base …, capped, computed without overflow. */
static int64_t outbox_backoff(int64_t base, int64_t attempts)
{
	if (base < 1)
		base = 1;
	int64_t d = base;
	for (int64_t i = 1; i < attempts && d < OUTBOX_BACKOFF_MAX; i++)
		d *= 2;
	return d < OUTBOX_BACKOFF_MAX ? d : OUTBOX_BACKOFF_MAX;
}

/* The domain of an address, for the log: enough to see which provider
 * refuses mail, without writing whose mail it was. */
static void recipient_domain(const char *to, char *out, size_t outsz)
{
	const char *at = strrchr(to, '@');
	size_t n = 0;
	if (at) {
		at++;
		while (at[n] && at[n] != '>' && at[n] != ' ' && n + 1 < outsz)
			n++;
		memcpy(out, at, n);
	}
	out[n] = '\0';
}

/* Take the lease on one row; 1 when this server now owns it, 0 when another
 * server (or an earlier round) got there first. */
static int outbox_claim(struct sql *db, const char *id, int64_t now,
			struct err *e)
{
	if (sql_begin(db, e) < 0)
		return -1;
	int64_t n = sql_run(db, e,
			    "UPDATE outbox SET lease_until = ? WHERE id = ?"
			    " AND status = 'queued' AND next_at <= ?"
			    " AND (lease_until IS NULL OR lease_until < ?)",
			    "itii", now + OUTBOX_LEASE, id, now, now);
	if (n < 0) {
		sql_rollback(db);
		return -1;
	}
	if (sql_commit(db, e) < 0)
		return -1;
	return n == 1;
}

struct outbox_row {
	char id[TOKEN_ID_LEN + 1];
	char *recipient, *subject, *body;
	int64_t attempts;
	int64_t lease_until;
};

static void outbox_row_free(struct outbox_row *r)
{
	free(r->recipient);
	free(r->subject);
	free(r->body);
	r->recipient = r->subject = r->body = NULL;
}

static int outbox_load(struct sql *db, struct outbox_row *r, struct err *e)
{
	int rc = -1;
	struct sql_stmt *st = sql_prepare(
		db,
		"SELECT recipient, subject, body, attempts, lease_until"
		" FROM outbox WHERE id = ?",
		e);
	if (!st)
		return -1;
	if (sql_bind_text(st, 1, r->id) < 0) {
		err_set(e, ERR_INTERNAL, NULL, "cannot bind outbox id");
		goto out;
	}
	int s = sql_step(st, e);
	if (s != SQL_ROW) {
		if (s == SQL_DONE)
			err_set(e, ERR_NOT_FOUND, NULL, "outbox row vanished");
		goto out;
	}
	r->recipient = strdup(sql_col_text(st, 0));
	r->subject = strdup(sql_col_text(st, 1));
	r->body = strdup(sql_col_text(st, 2));
	r->attempts = sql_col_int(st, 3);
	r->lease_until = sql_col_int(st, 4);
	if (!r->recipient || !r->subject || !r->body) {
		outbox_row_free(r);
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		goto out;
	}
	rc = 0;
out:
	sql_finalize(st);
	return rc;
}

/* Format and hand over one message: SMTP when configured, else the spool. */
static int outbox_deliver(const struct config *cfg, const struct outbox_row *r,
			  struct err *e)
{
	int rc = -1;
	char *msg = mail_format(cfg->mail_from, r->recipient, r->subject, r->body, e);
	if (!msg)
		return -1;
	if (cfg->smtp_url[0]) {
		rc = mail_send_smtp(cfg->smtp_url, cfg->mail_from, r->recipient, msg, e);
	} else {
		char spool[CONFIG_STR_MAX + 16];
		if ((size_t)snprintf(spool, sizeof spool, "%s/spool", cfg->data) >=
		    sizeof spool)
			err_set(e, ERR_INTERNAL, NULL, "spool path too long");
		else
			rc = mail_spool(spool, r->id, msg, e);
	}
	/* the formatted text holds the body's link: wipe before freeing */
	explicit_bzero(msg, strlen(msg));
	free(msg);
	return rc;
}

/* Record the outcome. Every update is conditional on still holding our
 * lease, so a row some other server took over is left to it. */
static void outbox_finish(struct sql *db, const struct config *cfg,
			  const struct outbox_row *r, int ok,
			  const struct err *why)
{
	struct err e = {0};
	int64_t now = clock_now();
	int64_t attempt = r->attempts + 1;
	const char *outcome;
	int64_t n;

	/* A recipient, subject or body that cannot be formatted will not
	 * format next time either; a bad setting (sender, SMTP URL) can still
	 * be fixed by the operator, so those rows keep being retried. */
	int permanent = !ok && why->code == ERR_INVALID &&
			(!strcmp(why->field, "to") || !strcmp(why->field, "subject") ||
			 !strcmp(why->field, "body"));
	if (ok) {
		outcome = "sent";
		n = sql_run(db, &e,
			    "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = ?,"
			    " lease_until = NULL, last_error = NULL, body = ''"
			    " WHERE id = ? AND lease_until = ?",
			    "iiti", now, attempt, r->id, r->lease_until);
	} else if (permanent || attempt >= cfg->outbox_max_attempts) {
		outcome = "failed";
		n = sql_run(db, &e,
			    "UPDATE outbox SET status = 'failed', attempts = ?,"
			    " lease_until = NULL, last_error = ?, body = ''"
			    " WHERE id = ? AND lease_until = ?",
			    "itti", attempt, why->msg, r->id, r->lease_until);
	} else {
		outcome = "retry";
		int64_t next = now + outbox_backoff(cfg->outbox_retry_base, attempt);
		n = sql_run(db, &e,
			    "UPDATE outbox SET attempts = ?, next_at = ?,"
			    " lease_until = NULL, last_error = ?"
			    " WHERE id = ? AND lease_until = ?",
			    "iitti", attempt, next, why->msg, r->id, r->lease_until);
	}

	char domain[256];
	recipient_domain(r->recipient, domain, sizeof domain);
	json_t *f = json_pack("{s:s, s:I, s:s, s:s, s:s}", "id", r->id,
			      "attempt", (json_int_t)attempt, "outcome", outcome,
			      "transport", cfg->smtp_url[0] ? "smtp" : "spool",
			      "domain", domain);
	if (f && !ok)
		json_object_set_new(f, "error", json_string(why->msg));
	log_event(ok ? LOG_INFO : LOG_WARN, "outbox_delivery", f);

	if (n < 0)
		log_event(LOG_ERROR, "outbox_update_failed",
			  json_pack("{s:s, s:s}", "id", r->id, "error", e.msg));
	else if (n == 0)
		log_event(LOG_WARN, "outbox_lease_lost", json_pack("{s:s}", "id", r->id));
}

/* One round: claim and deliver up to OUTBOX_BATCH due rows. Returns how many
 * rows it handled, so the caller goes again at once while work remains. */
static int outbox_round(struct sql *db, const struct config *cfg)
{
	struct err e = {0};
	char ids[OUTBOX_BATCH][TOKEN_ID_LEN + 1];
	int nids = 0, handled = 0;
	int64_t now = clock_now();

	struct sql_stmt *st = sql_prepare(
		db,
		"SELECT id FROM outbox WHERE status = 'queued' AND next_at <= ?"
		" AND (lease_until IS NULL OR lease_until < ?)"
		" ORDER BY next_at LIMIT ?",
		&e);
	if (!st)
		goto fail;
	if (sql_bind_int(st, 1, now) < 0 || sql_bind_int(st, 2, now) < 0 ||
	    sql_bind_int(st, 3, OUTBOX_BATCH) < 0) {
		sql_finalize(st);
		err_set(&e, ERR_INTERNAL, NULL, "cannot bind");
		goto fail;
	}
	int s = SQL_DONE;
	while (nids < OUTBOX_BATCH && (s = sql_step(st, &e)) == SQL_ROW)
		snprintf(ids[nids++], sizeof ids[0], "%s", sql_col_text(st, 0));
	sql_finalize(st);
	if (nids < OUTBOX_BATCH && s < 0)
		goto fail;

	for (int i = 0; i < nids; i++) {
		struct outbox_row r = {0};
		memcpy(r.id, ids[i], sizeof r.id);
		int claimed = outbox_claim(db, r.id, clock_now(), &e);
		if (claimed < 0)
			goto fail;
		if (!claimed)
			continue;
		if (outbox_load(db, &r, &e) < 0)
			goto fail; /* the lease runs out and the row is retried */
		struct err why = {0};
		int ok = outbox_deliver(cfg, &r, &why) == 0;
		outbox_finish(db, cfg, &r, ok, &why);
		outbox_row_free(&r);
		handled++;
	}
	return handled;
fail:
	/* A busy or broken database: try again at the next poll. */
	log_event(LOG_ERROR, "outbox_round_failed", json_pack("{s:s}", "error", e.msg));
	return 0;
}

/* Sleep until kicked, stopped or the poll interval passes. */
static int outbox_wait(void)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += OUTBOX_POLL_MS / 1000;
	until.tv_nsec += (long)(OUTBOX_POLL_MS % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&outbox.mu);
	while (!outbox.stopping && !outbox.kicked) {
		if (pthread_cond_timedwait(&outbox.cond, &outbox.mu, &until) == ETIMEDOUT)
			break;
	}
	outbox.kicked = 0;
	int stopping = outbox.stopping;
	pthread_mutex_unlock(&outbox.mu);
	return stopping;
}

static void *outbox_main(void *arg)
{
	const struct config *cfg = arg;
	int stopping = 0;
	while (!stopping) {
		struct err e = {0};
		struct sql *db = sql_thread_conn(&e);
		if (!db) {
			log_event(LOG_ERROR, "outbox_db_unavailable",
				  json_pack("{s:s}", "error", e.msg));
		} else {
			while (outbox_round(db, cfg) > 0) {
				pthread_mutex_lock(&outbox.mu);
				stopping = outbox.stopping;
				pthread_mutex_unlock(&outbox.mu);
				if (stopping)
					break;
			}
		}
		if (!stopping)
			stopping = outbox_wait();
	}
	sql_thread_close();
	return NULL;
}

int outbox_start(const struct config *cfg, struct err *e)
{
	int rc = -1, attr_made = 0;
	pthread_condattr_t attr;

	if (outbox.running)
		return err_set(e, ERR_INTERNAL, NULL, "outbox worker already running");
	outbox.cfg = *cfg;
	outbox.stopping = 0;
	outbox.kicked = 0;
	/* a monotonic clock, so that setting the wall clock cannot stall it */
	if (pthread_condattr_init(&attr) != 0) {
		err_set(e, ERR_INTERNAL, NULL, "cannot create condition attributes");
		goto out;
	}
	attr_made = 1;
	if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&outbox.cond, &attr) != 0) {
		err_set(e, ERR_INTERNAL, NULL, "cannot create condition variable");
		goto out;
	}
	if (pthread_create(&outbox.thread, NULL, outbox_main, &outbox.cfg) != 0) {
		pthread_cond_destroy(&outbox.cond);
		err_set(e, ERR_INTERNAL, NULL, "cannot start outbox worker");
		goto out;
	}
	pthread_mutex_lock(&outbox.mu);
	outbox.running = 1;
	pthread_mutex_unlock(&outbox.mu);
	rc = 0;
out:
	if (attr_made)
		pthread_condattr_destroy(&attr);
	return rc;
}

void outbox_stop(void)
{
	if (!outbox.running)
		return;
	pthread_mutex_lock(&outbox.mu);
	outbox.stopping = 1;
	pthread_cond_signal(&outbox.cond);
	pthread_mutex_unlock(&outbox.mu);
	mail_cancel_sends(1);
	pthread_join(outbox.thread, NULL);
	mail_cancel_sends(0);
	/* under the lock, so no outbox_kick signals the destroyed condition */
	pthread_mutex_lock(&outbox.mu);
	outbox.running = 0;
	pthread_mutex_unlock(&outbox.mu);
	pthread_cond_destroy(&outbox.cond);
}

void outbox_kick(void)
{
	pthread_mutex_lock(&outbox.mu);
	outbox.kicked = 1;
	/* before outbox_start the condition variable does not exist yet */
	if (outbox.running)
		pthread_cond_signal(&outbox.cond);
	pthread_mutex_unlock(&outbox.mu);
}
