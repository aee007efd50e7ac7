/* cmd_audit.c — `akte audit [--verify] [--action A] [--limit N]`: who did
 * what with the record, newest first, one readable line each:
 *
 *   2026-03-03 10:14  Praxis Dr. Weber (provider)  document.read  'Befund'  allowed
 *
 * Times are shown in local time (TZ), the server's are UTC. --verify asks
 * the server to check the log's hash chain; a broken chain exits 1. */
#include "cli/cli.h"
#include "cli/out.h"
#include "cli/record.h"
#include "cli/table.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* "2026-03-03T09:14:05Z" as local "2026-03-03 10:14"; as given if odd. */
static void audit_time(const char *at, char *out, size_t n)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = at ? strptime(at, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!end) {
		snprintf(out, n, "%s", at ? at : "?");
		return;
	}
	time_t t = timegm(&tm);
	struct tm local;
	if (!localtime_r(&t, &local) ||
	    !strftime(out, n, "%Y-%m-%d %H:%M", &local))
		snprintf(out, n, "%s", at);
}

static void audit_lines(const json_t *page)
{
	json_t *items = json_object_get(page, "items"), *it;
	struct table t;
	size_t i;
	if (json_array_size(items) == 0) {
		fprintf(stderr, "akte: no audit entries\n");
		return;
	}
	if (table_init(&t, 5, NULL) < 0)
		return;
	json_array_foreach(items, i, it) {
		json_t *actor = json_object_get(it, "actor");
		json_t *obj = json_object_get(it, "object");
		char when[32], who[320], what[300] = "";
		const char *name = record_str(actor, "org");
		if (!name)
			name = record_str(actor, "name");
		if (!name)
			name = record_str(actor, "id");
		const char *cap = record_str(it, "capacity");
		if (!cap)
			cap = record_str(actor, "role");
		snprintf(who, sizeof who, "%s%s%s%s", name ? name : "?",
			 cap ? " (" : "", cap ? cap : "", cap ? ")" : "");
		const char *label = record_str(obj, "label");
		if (!label)
			label = record_str(obj, "id");
		if (label)
			snprintf(what, sizeof what, "'%s'", label);
		audit_time(record_str(it, "at"), when, sizeof when);
		const char *row[] = {when, who, record_str(it, "action"), what,
				     record_str(it, "outcome")};
		table_add(&t, row);
	}
	table_print(&t, stdout);
	if (record_str(page, "next_cursor"))
		fprintf(stderr, "akte: older entries exist; raise --limit\n");
}

static int audit_verify(struct record_ctx *x, struct http_resp *r,
			struct err *e)
{
	char path[RECORD_PATH_MAX];
	record_path(x, "/audit/verify", path);
	if (record_call(x, "GET", path, NULL, r, e) < 0)
		return -1;
	json_int_t n = json_integer_value(json_object_get(r->body, "entries"));
	if (json_is_true(json_object_get(r->body, "ok"))) {
		if (!x->c->json)
			printf("The audit log is intact (%lld entries).\n",
			       (long long)n);
		return 0;
	}
	json_t *bad = json_object_get(r->body, "first_bad");
	return err_set(e, ERR_INTERNAL, "audit_broken",
		       "the audit log has been altered: its chain breaks at "
		       "entry %lld (of %lld)",
		       (long long)json_integer_value(bad), (long long)n);
}

/* arg: the --limit (0: the server's default). */
static int audit_step(struct record_ctx *x, const void *arg,
		      struct http_resp *r, struct err *e)
{
	const long *limit = arg;
	char path[RECORD_PATH_MAX], num[24];
	if (x->c->verify)
		return audit_verify(x, r, e);
	snprintf(num, sizeof num, "%ld", *limit);
	record_path(x, "/audit", path);
	record_query(path, sizeof path, "action", x->c->action);
	record_query(path, sizeof path, "limit", *limit ? num : NULL);
	if (record_call(x, "GET", path, NULL, r, e) < 0)
		return -1;
	if (!x->c->json)
		audit_lines(r->body);
	return 0;
}

int cmd_audit(struct cli *c)
{
	long limit = 0;
	int u;
	if (c->argc != 0)
		return out_usage(c, "audit takes no arguments");
	if (c->verify &&
	    (u = cli_only(c, CLI_OPT_RECORD | CLI_OPT_VERIFY,
			  "audit --verify")))
		return u;
	if ((u = record_number(c, "limit", c->limit, 1, 200, &limit)))
		return u;
	if (c->action && (!c->action[0] || strlen(c->action) > 64))
		return out_usage(c, "--action takes an action such as "
				 "document.read");
	return record_run(c, 1, audit_step, &limit);
}
