/* sql.h — the SQL interface the domain layer talks to.
 *
 * Statements use `?` placeholders and portable SQL (INTEGER for Unix
 * seconds, TEXT ids, BLOB bytes, ON CONFLICT, RETURNING), so that a
 * PostgreSQL backend (pg.c, later) can implement this header without any
 * change above it: it rewrites `?` to `$n` and maps BLOB to bytea.
 *
 * A `struct sql` is one connection and belongs to one thread at a time;
 * `sql_thread_conn()` hands each thread its own, opened on first use.
 * Constraint violations come back as ERR_CONFLICT, busy timeouts as
 * ERR_UNAVAILABLE, everything else as ERR_INTERNAL. */
#ifndef AKTE_STORE_SQL_H
#define AKTE_STORE_SQL_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

struct sql;
struct sql_stmt;

enum { SQL_DONE = 0, SQL_ROW = 1 };

/* Open (creating if needed) the database of a data directory and run the
 * migrations. Returns NULL on error. The caller owns the connection. */
struct sql *sql_open(const char *data_dir, struct err *e);
void sql_close(struct sql *db);

/* Process-wide: the data directory whose database sql_thread_conn() opens. */
void sql_thread_setup(const char *data_dir);
/* This thread's connection, opened on first use; owned by the thread and
 * closed by sql_thread_close() (called at thread exit by the server). */
struct sql *sql_thread_conn(struct err *e);
void sql_thread_close(void);

int sql_exec(struct sql *db, const char *text, struct err *e);

/* Statements: prepare, bind (1-based), step until SQL_DONE, finalize.
 * Column getters are 0-based; returned pointers live until the next step. */
struct sql_stmt *sql_prepare(struct sql *db, const char *text, struct err *e);
int sql_bind_text(struct sql_stmt *st, int idx, const char *v);  /* NULL binds NULL */
int sql_bind_int(struct sql_stmt *st, int idx, int64_t v);
int sql_bind_blob(struct sql_stmt *st, int idx, const void *p, size_t n);
int sql_bind_null(struct sql_stmt *st, int idx);
int sql_step(struct sql_stmt *st, struct err *e); /* SQL_ROW, SQL_DONE or -1 */
const char *sql_col_text(struct sql_stmt *st, int col); /* "" for NULL */
int64_t sql_col_int(struct sql_stmt *st, int col);
const void *sql_col_blob(struct sql_stmt *st, int col, size_t *n);
int sql_col_is_null(struct sql_stmt *st, int col);
void sql_finalize(struct sql_stmt *st);

/* Rows changed by the last INSERT/UPDATE/DELETE on this connection. */
int64_t sql_changes(struct sql *db);

/* Transactions. sql_begin takes the write lock at once (BEGIN IMMEDIATE in
 * SQLite) so read-modify-write sequences cannot deadlock on upgrade. */
int sql_begin(struct sql *db, struct err *e);
int sql_commit(struct sql *db, struct err *e);
void sql_rollback(struct sql *db);
/* 1 while a transaction is open on db (a caller's, which a callee may join
 * instead of opening its own), else 0. */
int sql_in_transaction(struct sql *db);

/* Convenience: run a statement with text/int args given by a format string
 * of 't' (const char *), 'i' (int64_t), 'b' (const void *, size_t), 'n'
 * (null) and expect no rows. Returns sql_changes() or -1. */
int64_t sql_run(struct sql *db, struct err *e, const char *text, const char *fmt, ...);

/* Prepare and bind like sql_run, without stepping: the caller steps through
 * the rows and finalizes. NULL on error. */
struct sql_stmt *sql_query(struct sql *db, struct err *e, const char *text,
			   const char *fmt, ...);

#endif
