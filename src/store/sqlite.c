/* sqlite.c — the SQLite backend of sql.h.
 *
 * Every connection runs in WAL mode (readers never block the writer), with
 * foreign keys on and a busy timeout, so the server's threads, the outbox
 * worker and `akted admin` running beside the server share one file safely.
 * Statements are prepared per call: the cost is small next to the rest of
 * a request and it keeps the interface free of caches to invalidate. */
#include "store/sql.h"

#include "core/log.h"
#include "store/migrate.h"

#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQL_BUSY_TIMEOUT_MS 10000

#define SQL_CACHE_SLOTS 64

struct sql_stmt {
	struct sql *db;
	sqlite3_stmt *st;
	int cached;  /* lives in db->cache; reset, not freed, when finished */
	int in_use;
};

struct sql {
	sqlite3 *db;
	struct sql_stmt cache[SQL_CACHE_SLOTS];
	unsigned next_evict;
};

static pthread_once_t sql_global_once = PTHREAD_ONCE_INIT;

static void sql_global_init(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_initialize();
}

static int sql_fail(struct sql *db, int rc, struct err *e)
{
	int base = rc & 0xff;
	const char *msg = db ? sqlite3_errmsg(db->db) : sqlite3_errstr(rc);
	if (base == SQLITE_CONSTRAINT)
		return err_set(e, ERR_CONFLICT, NULL, "conflicts with existing data");
	if (base == SQLITE_BUSY || base == SQLITE_LOCKED)
		return err_set(e, ERR_UNAVAILABLE, "busy", "database busy, try again");
	log_event(LOG_ERROR, "sql_error", json_pack("{s:i,s:s}", "rc", rc, "msg", msg));
	return err_set(e, ERR_INTERNAL, NULL, "database error");
}

static struct sql *sql_connect(const char *path, struct err *e)
{
	pthread_once(&sql_global_once, sql_global_init);
	struct sql *db = calloc(1, sizeof *db);
	if (!db) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	int rc = sqlite3_open_v2(path, &db->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
					 SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err_set(e, ERR_INTERNAL, NULL, "cannot open database %s: %s", path,
			sqlite3_errstr(rc));
		sqlite3_close(db->db);
		free(db);
		return NULL;
	}
	sqlite3_busy_timeout(db->db, SQL_BUSY_TIMEOUT_MS);
	sqlite3_limit(db->db, SQLITE_LIMIT_LENGTH, 64 * 1024 * 1024);
	if (sql_exec(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
			 " PRAGMA synchronous=NORMAL;", e) < 0) {
		sql_close(db);
		return NULL;
	}
	return db;
}

struct sql *sql_open(const char *data_dir, struct err *e)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/akte.db", data_dir) >= (int)sizeof path) {
		err_set(e, ERR_INTERNAL, NULL, "data directory path too long");
		return NULL;
	}
	struct sql *db = sql_connect(path, e);
	if (db && migrate_run(db, e) < 0) {
		sql_close(db);
		return NULL;
	}
	return db;
}

void sql_close(struct sql *db)
{
	if (!db)
		return;
	for (int i = 0; i < SQL_CACHE_SLOTS; i++)
		sqlite3_finalize(db->cache[i].st);
	sqlite3_close_v2(db->db);
	free(db);
}

/* Per-thread connections. Migrations already ran in sql_open() at start-up,
 * so threads only connect. A pthread key closes a thread's connection when
 * the thread ends (libmicrohttpd's pool threads end at daemon stop). */
static char thread_db_path[PATH_MAX];
static pthread_key_t thread_key;
static pthread_once_t thread_key_once = PTHREAD_ONCE_INIT;

static void thread_conn_free(void *p)
{
	sql_close(p);
}

static void thread_key_make(void)
{
	pthread_key_create(&thread_key, thread_conn_free);
}

void sql_thread_setup(const char *data_dir)
{
	snprintf(thread_db_path, sizeof thread_db_path, "%s/akte.db", data_dir);
	pthread_once(&thread_key_once, thread_key_make);
}

struct sql *sql_thread_conn(struct err *e)
{
	pthread_once(&thread_key_once, thread_key_make);
	struct sql *db = pthread_getspecific(thread_key);
	if (!db) {
		db = sql_connect(thread_db_path, e);
		if (db)
			pthread_setspecific(thread_key, db);
	}
	return db;
}

void sql_thread_close(void)
{
	pthread_once(&thread_key_once, thread_key_make);
	sql_close(pthread_getspecific(thread_key));
	pthread_setspecific(thread_key, NULL);
}

int sql_exec(struct sql *db, const char *text, struct err *e)
{
	int rc = sqlite3_exec(db->db, text, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sql_fail(db, rc, e);
}

/* A free cache slot holding text, or NULL. */
static struct sql_stmt *sql_cache_find(struct sql *db, const char *text)
{
	for (int i = 0; i < SQL_CACHE_SLOTS; i++) {
		struct sql_stmt *c = &db->cache[i];
		if (c->st && !c->in_use && strcmp(sqlite3_sql(c->st), text) == 0)
			return c;
	}
	return NULL;
}

/* A slot to prepare into: an empty one, else the next not in use. */
static struct sql_stmt *sql_cache_slot(struct sql *db)
{
	for (int i = 0; i < SQL_CACHE_SLOTS; i++)
		if (!db->cache[i].st)
			return &db->cache[i];
	for (int tries = 0; tries < SQL_CACHE_SLOTS; tries++) {
		struct sql_stmt *c = &db->cache[db->next_evict++ % SQL_CACHE_SLOTS];
		if (!c->in_use) {
			sqlite3_finalize(c->st);
			c->st = NULL;
			return c;
		}
	}
	return NULL;
}

struct sql_stmt *sql_prepare(struct sql *db, const char *text, struct err *e)
{
	struct sql_stmt *st = sql_cache_find(db, text);
	if (st) {
		st->in_use = 1;
		return st;
	}
	st = sql_cache_slot(db);
	int cached = st != NULL;
	if (!st && !(st = calloc(1, sizeof *st))) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	st->db = db;
	int rc = sqlite3_prepare_v3(db->db, text, -1, cached ? SQLITE_PREPARE_PERSISTENT : 0,
				    &st->st, NULL);
	if (rc != SQLITE_OK) {
		sql_fail(db, rc, e);
		st->st = NULL;
		if (!cached)
			free(st);
		return NULL;
	}
	st->cached = cached;
	st->in_use = 1;
	return st;
}

int sql_bind_text(struct sql_stmt *st, int idx, const char *v)
{
	if (!v)
		return sql_bind_null(st, idx);
	return sqlite3_bind_text(st->st, idx, v, -1, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
}

int sql_bind_int(struct sql_stmt *st, int idx, int64_t v)
{
	return sqlite3_bind_int64(st->st, idx, v) == SQLITE_OK ? 0 : -1;
}

int sql_bind_blob(struct sql_stmt *st, int idx, const void *p, size_t n)
{
	if (n > INT_MAX)
		return -1;
	return sqlite3_bind_blob(st->st, idx, p, (int)n, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
}

int sql_bind_null(struct sql_stmt *st, int idx)
{
	return sqlite3_bind_null(st->st, idx) == SQLITE_OK ? 0 : -1;
}

int sql_step(struct sql_stmt *st, struct err *e)
{
	int rc = sqlite3_step(st->st);
	if (rc == SQLITE_ROW)
		return SQL_ROW;
	if (rc == SQLITE_DONE)
		return SQL_DONE;
	return sql_fail(st->db, rc, e);
}

const char *sql_col_text(struct sql_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st->st, col);
	return t ? (const char *)t : "";
}

int64_t sql_col_int(struct sql_stmt *st, int col)
{
	return sqlite3_column_int64(st->st, col);
}

const void *sql_col_blob(struct sql_stmt *st, int col, size_t *n)
{
	const void *p = sqlite3_column_blob(st->st, col);
	*n = (size_t)sqlite3_column_bytes(st->st, col);
	return p;
}

int sql_col_is_null(struct sql_stmt *st, int col)
{
	return sqlite3_column_type(st->st, col) == SQLITE_NULL;
}

void sql_finalize(struct sql_stmt *st)
{
	if (!st)
		return;
	if (st->cached) {
		sqlite3_reset(st->st);
		sqlite3_clear_bindings(st->st);
		st->in_use = 0;
		return;
	}
	sqlite3_finalize(st->st);
	free(st);
}

int64_t sql_changes(struct sql *db)
{
	return sqlite3_changes64(db->db);
}

int sql_begin(struct sql *db, struct err *e)
{
	return sql_exec(db, "BEGIN IMMEDIATE", e);
}

int sql_commit(struct sql *db, struct err *e)
{
	return sql_exec(db, "COMMIT", e);
}

void sql_rollback(struct sql *db)
{
	if (!sqlite3_get_autocommit(db->db))
		sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
}

int sql_in_transaction(struct sql *db)
{
	return !sqlite3_get_autocommit(db->db);
}

/* Binds args described by fmt (see sql.h) to st; shared by sql_run and
 * sql_query. A format whose length differs from the statement's number of
 * parameters is a programming error caught here rather than as a wrong row. */
static int sql_bind_va(struct sql_stmt *st, const char *fmt, va_list ap)
{
	if ((int)strlen(fmt) != sqlite3_bind_parameter_count(st->st)) {
		log_event(LOG_ERROR, "sql_bind_mismatch",
			  json_pack("{s:s,s:s}", "fmt", fmt, "sql", sqlite3_sql(st->st)));
		return -1;
	}
	int idx = 1;
	for (const char *f = fmt; *f; f++, idx++) {
		int rc;
		switch (*f) {
		case 't':
			rc = sql_bind_text(st, idx, va_arg(ap, const char *));
			break;
		case 'i':
			rc = sql_bind_int(st, idx, va_arg(ap, int64_t));
			break;
		case 'b': {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);
			rc = sql_bind_blob(st, idx, p, n);
			break;
		}
		case 'n':
			rc = sql_bind_null(st, idx);
			break;
		default:
			rc = -1;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

int64_t sql_run(struct sql *db, struct err *e, const char *text, const char *fmt, ...)
{
	struct sql_stmt *st = sql_prepare(db, text, e);
	if (!st)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int rc = sql_bind_va(st, fmt, ap);
	va_end(ap);
	int64_t out = -1;
	if (rc < 0) {
		err_set(e, ERR_INTERNAL, NULL, "database bind failed");
		goto out;
	}
	rc = sql_step(st, e);
	if (rc < 0)
		goto out;
	out = sql_changes(db);
out:
	sql_finalize(st);
	return out;
}

struct sql_stmt *sql_query(struct sql *db, struct err *e, const char *text,
			   const char *fmt, ...)
{
	struct sql_stmt *st = sql_prepare(db, text, e);
	if (!st)
		return NULL;
	va_list ap;
	va_start(ap, fmt);
	int rc = sql_bind_va(st, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		err_set(e, ERR_INTERNAL, NULL, "database bind failed");
		sql_finalize(st);
		return NULL;
	}
	return st;
}
