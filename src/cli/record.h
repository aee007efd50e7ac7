/* record.h — what the record verbs (docs, records, grants, reps, audit)
 * and whoami share: opening the session, choosing the record to work on,
 * calling the API and judging its answer, ending through out_ok/out_fail,
 * and reading options and answers.
 *
 * The record is --record RID when given; otherwise the account's own
 * (capacity "patient" in GET /api/v1/me), or the one record it may open
 * when it has exactly one. Staff accounts have no records in /me and must
 * name one; so must an account that only represents several others. */
#ifndef AKTE_CLI_RECORD_H
#define AKTE_CLI_RECORD_H

#include "cli/cli.h"
#include "cli/http.h"
#include "cli/profile.h"

#include <jansson.h>
#include <stddef.h>

#define RECORD_ID_MAX 64
#define RECORD_PATH_MAX 1536

struct record_ctx {
	struct cli *c;
	struct profile *p;             /* open session; closed by record_end */
	char rid[RECORD_ID_MAX + 1];   /* the record chosen, "" if not asked */
};

/* Open the session and, with `need_record`, choose the record. -1 with e
 * filled (nothing left open) on failure. */
int record_begin(struct cli *c, int need_record, struct record_ctx *x,
		 struct err *e);
void record_end(struct record_ctx *x);

/* The frame of a verb that talks to the server once its arguments are
 * checked: record_begin (with need_record), then step, then out_ok with
 * r->body (under --json) when step returned 0, or out_fail with e when it
 * returned -1; the answer and the session are closed on every path. step
 * owns whatever it makes; arg is passed through untouched. Returns the
 * exit code. */
typedef int record_step(struct record_ctx *x, const void *arg,
			struct http_resp *r, struct err *e);
int record_run(struct cli *c, int need_record, record_step *step,
	       const void *arg);

/* "/api/v1/records/RID" followed by tail ("/documents") into path (size
 * RECORD_PATH_MAX). */
void record_path(const struct record_ctx *x, const char *tail,
		 char path[RECORD_PATH_MAX]);

/* A call whose answer must be a 2xx JSON object: r->body is that object
 * (owned by r) on 0. On a refusal -1 with e filled from the answer; 404
 * reads "not found or not visible to you" (the server answers alike for
 * both, by design). */
int record_call(struct record_ctx *x, const char *method, const char *path,
		const json_t *req, struct http_resp *r, struct err *e);

/* The same judgement for an answer that arrived some other way. */
int record_judge(const struct http_resp *r, struct err *e);

/* record_judge without the 404 rewording, for calls that are not about a
 * record (GET /api/v1/me): 0 on a 2xx object, else -1 with e filled from
 * the answer as the server gave it. */
int record_answer(const struct http_resp *r, struct err *e);

/* Ids the server gave: 1..RECORD_ID_MAX of [A-Za-z0-9_-]. */
int record_id_ok(const char *s);

/* A usage error (returns CLI_USAGE) unless s is a whole number in
 * [min, max]; else 0 with *out set. NULL s leaves *out alone. */
int record_number(const struct cli *c, const char *opt, const char *s,
		  long min, long max, long *out);

/* Append "?key=value" or "&key=value" (value percent-encoded) to the path
 * in buf (size n). NULL value appends nothing. -1 when it does not fit. */
int record_query(char *buf, size_t n, const char *key, const char *value);

/* The string member key of o, or NULL. */
const char *record_str(const json_t *o, const char *key);

/* A grant's categories as "befund,arztbrief", or "all" when cats is not an
 * array (null: every category). */
void record_categories(const json_t *cats, char *out, size_t n);

/* "2.9 MB", "512 B" into out. */
void record_size(long long bytes, char out[16]);

#endif
