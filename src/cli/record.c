/* record.c — the record verbs' shared steps, see record.h. */
#include "cli/record.h"

#include "cli/out.h"
#include "cli/session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *record_str(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int record_id_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > RECORD_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", s[i]))
			return 0;
	return 1;
}

int record_answer(const struct http_resp *r, struct err *e)
{
	if (r->status >= 200 && r->status < 300) {
		if (json_is_object(r->body))
			return 0;
		return err_set(e, ERR_INTERNAL, "bad_response",
			       "the server's answer is not an object");
	}
	http_resp_err(r, e);
	return -1;
}

int record_judge(const struct http_resp *r, struct err *e)
{
	if (record_answer(r, e) == 0)
		return 0;
	if (r->status == 404)
		out_reword(e, "not found or not visible to you");
	return -1;
}

int record_call(struct record_ctx *x, const char *method, const char *path,
		const json_t *req, struct http_resp *r, struct err *e)
{
	if (session_call(x->c, x->p, method, path, req, r, e) < 0)
		return -1;
	return record_judge(r, e);
}

/* The record of /me to use when none was named; see record.h. */
static int record_default(struct record_ctx *x, struct err *e)
{
	struct http_resp r = {0};
	int rc = -1;
	if (record_call(x, "GET", "/api/v1/me", NULL, &r, e) < 0)
		goto out;
	json_t *recs = json_object_get(r.body, "records"), *rec;
	const char *pick = NULL;
	size_t i, n = json_array_size(recs);
	json_array_foreach(recs, i, rec) {
		const char *cap = record_str(rec, "capacity");
		if (cap && !strcmp(cap, "patient"))
			pick = record_str(rec, "id");
	}
	if (!pick && n == 1)
		pick = record_str(json_array_get(recs, 0), "id");
	if (!pick) {
		const char *role = record_str(r.body, "role");
		if (n > 1)
			err_set(e, ERR_INVALID, "record_required",
				"you may open several records; name one "
				"with --record RID (akte whoami lists them)");
		else if (role && strcmp(role, "patient") != 0)
			err_set(e, ERR_INVALID, "record_required",
				"name the patient's record with --record RID "
				"(akte records lists those your organisation "
				"may open)");
		else
			err_set(e, ERR_INVALID, "record_required",
				"your account has no record; name one with "
				"--record RID");
		goto out;
	}
	if (!record_id_ok(pick)) {
		err_set(e, ERR_INTERNAL, "bad_response",
			"the server named a record id this client cannot "
			"use");
		goto out;
	}
	snprintf(x->rid, sizeof x->rid, "%s", pick);
	rc = 0;
out:
	http_resp_free(&r);
	return rc;
}

int record_begin(struct cli *c, int need_record, struct record_ctx *x,
		 struct err *e)
{
	memset(x, 0, sizeof *x);
	x->c = c;
	if (c->record && !record_id_ok(c->record))
		return err_set(e, ERR_INVALID, "bad_record",
			       "\"%.64s\" is not a record id", c->record);
	if (!(x->p = session_open(c, e)))
		return -1;
	if (!need_record)
		return 0;
	if (c->record) {
		snprintf(x->rid, sizeof x->rid, "%s", c->record);
		return 0;
	}
	if (record_default(x, e) < 0) {
		record_end(x);
		return -1;
	}
	return 0;
}

void record_end(struct record_ctx *x)
{
	profile_close(x->p);
	x->p = NULL;
}

int record_run(struct cli *c, int need_record, record_step *step,
	       const void *arg)
{
	struct record_ctx x;
	struct http_resp r = {0};
	struct err e;
	int rc;
	err_clear(&e);
	if (record_begin(c, need_record, &x, &e) < 0)
		return out_fail(c, &e);
	if (step(&x, arg, &r, &e) < 0)
		rc = out_fail(c, &e);
	else
		rc = out_ok(c, json_incref(r.body));
	http_resp_free(&r);
	record_end(&x);
	return rc;
}

void record_path(const struct record_ctx *x, const char *tail,
		 char path[RECORD_PATH_MAX])
{
	snprintf(path, RECORD_PATH_MAX, "/api/v1/records/%s%s", x->rid, tail);
}

int record_number(const struct cli *c, const char *opt, const char *s,
		  long min, long max, long *out)
{
	if (!s)
		return 0;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return out_usage(c, "--%s must be a whole number from %ld to "
				 "%ld", opt, min, max);
	*out = v;
	return 0;
}

int record_query(char *buf, size_t n, const char *key, const char *value)
{
	if (!value)
		return 0;
	size_t len = strlen(buf);
	int w = snprintf(buf + len, n - len, "%c%s=",
			 strchr(buf, '?') ? '&' : '?', key);
	if (w < 0 || (size_t)w >= n - len)
		return -1;
	len += (size_t)w;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (len + 4 > n)
			return -1;
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			buf[len++] = (char)*p;
		else
			len += (size_t)snprintf(buf + len, n - len, "%%%02X",
						*p);
	}
	buf[len] = '\0';
	return 0;
}

void record_size(long long bytes, char out[16])
{
	static const char *const unit[] = {"kB", "MB", "GB", "TB"};
	if (bytes < 1000) {
		snprintf(out, 16, "%lld B", bytes < 0 ? 0 : bytes);
		return;
	}
	double v = (double)bytes / 1000.0;
	size_t u = 0;
	while (v >= 999.95 && u + 1 < sizeof unit / sizeof unit[0]) {
		v /= 1000.0;
		u++;
	}
	snprintf(out, 16, v < 10 ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

/* "befund, arztbrief" or "all" for a grant's categories (null: all). */
void record_categories(const json_t *cats, char *out, size_t n)
{
	size_t i, len = 0;
	json_t *v;
	snprintf(out, n, "%s", json_is_array(cats) ? "" : "all");
	json_array_foreach(cats, i, v) {
		int w = snprintf(out + len, n - len, "%s%s", i ? "," : "",
				 json_is_string(v) ? json_string_value(v) :
						     "?");
		if (w < 0 || (size_t)w >= n - len)
			break;
		len += (size_t)w;
	}
}
