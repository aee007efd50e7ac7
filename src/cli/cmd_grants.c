/* cmd_grants.c — `akte grants ls|add ORG|rm ID`: which organisations may
 * open the record, for how long and for which categories.
 *
 * --category may be repeated or hold a comma-separated list; the server
 * knows the categories and refuses unknown ones with a clear 422, so the
 * client does not keep a second copy of the list. */
#include "cli/cli.h"
#include "cli/out.h"
#include "cli/record.h"
#include "cli/table.h"

#include <stdio.h>
#include <string.h>

static void grants_table(const json_t *page)
{
	static const char *const heads[] = {"ID", "ORGANISATION", "UNTIL",
					    "CATEGORIES", "ACTIVE"};
	json_t *items = json_object_get(page, "items"), *g;
	struct table t;
	size_t i;
	if (json_array_size(items) == 0) {
		fprintf(stderr, "akte: no grants: no organisation may open "
			"this record\n");
		return;
	}
	if (table_init(&t, 5, heads) < 0)
		return;
	json_array_foreach(items, i, g) {
		char until[11] = "", cats[256];
		/* A revoked grant ended when it was revoked. */
		const char *end = record_str(g, "revoked_at");
		if (!end)
			end = record_str(g, "expires_at");
		if (end)
			snprintf(until, sizeof until, "%s", end);
		record_categories(json_object_get(g, "categories"), cats,
				  sizeof cats);
		const char *row[] = {
			record_str(g, "id"),
			record_str(json_object_get(g, "org"), "name"), until,
			cats,
			json_is_true(json_object_get(g, "active")) ? "yes" :
								     "no"};
		table_add(&t, row);
	}
	table_print(&t, stdout);
}

/* {"org", "days"?, "categories"?} from the command line; NULL after a
 * usage error (*status set). */
static json_t *grants_request(struct cli *c, const char *org, int *status)
{
	long days = 0;
	if ((*status = record_number(c, "days", c->days, 1, 540, &days)))
		return NULL;
	json_t *req = json_pack("{s:s}", "org", org);
	json_t *cats = json_array();
	for (int i = 0; req && cats && i < c->ncategory; i++) {
		const char *p = c->category[i];
		while (*p) {
			size_t n = strcspn(p, ",");
			if (n > 0)
				json_array_append_new(
					cats, json_stringn(p, n));
			p += n + (p[n] == ',');
		}
	}
	if (!req || !cats) {
		json_decref(cats);
		json_decref(req);
		*status = out_usage(c, "out of memory");
		return NULL;
	}
	if (days)
		json_object_set_new(req, "days", json_integer(days));
	if (json_array_size(cats))
		json_object_set(req, "categories", cats);
	json_decref(cats);
	return req;
}

/* arg: the request of grants add, NULL for ls and rm. */
static int grants_step(struct record_ctx *x, const void *arg,
		       struct http_resp *r, struct err *e)
{
	const struct cli *c = x->c;
	const json_t *req = arg;
	const char *sub = c->argv[0];
	char path[RECORD_PATH_MAX];
	int ls = !strcmp(sub, "ls"), add = !strcmp(sub, "add");
	if (ls || add)
		record_path(x, "/grants", path);
	else
		snprintf(path, sizeof path, "/api/v1/grants/%s", c->argv[1]);
	if (record_call(x, ls ? "GET" : add ? "POST" : "DELETE", path, req,
			r, e) < 0)
		return -1;
	if (!c->json && ls) {
		grants_table(r->body);
	} else if (!c->json && add) {
		char cats[256];
		const char *ex = record_str(r->body, "expires_at");
		const char *org = record_str(json_object_get(r->body, "org"),
					     "name");
		const char *id = record_str(r->body, "id");
		record_categories(json_object_get(r->body, "categories"), cats,
				  sizeof cats);
		printf("Granted %s access until %.10s (categories: %s); "
		       "grant %s.\n",
		       org ? org : c->argv[1], ex ? ex : "?", cats,
		       id ? id : "?");
	} else if (!c->json) {
		printf("Grant %s ended.\n", c->argv[1]);
	}
	return 0;
}

static int grants_run(struct cli *c, const char *sub)
{
	json_t *req = NULL;
	int rc, ls = !strcmp(sub, "ls"), add = !strcmp(sub, "add");
	if (add && !(req = grants_request(c, c->argv[1], &rc)))
		return rc;
	rc = record_run(c, ls || add, grants_step, req);
	json_decref(req);
	return rc;
}

int cmd_grants(struct cli *c)
{
	if (c->argc < 1)
		return out_usage(c, "grants needs ls, add or rm");
	const char *sub = c->argv[0];
	int u;
	if (!strcmp(sub, "ls")) {
		if ((u = cli_only(c, CLI_OPT_RECORD, "grants ls")))
			return u;
		if (c->argc != 1)
			return out_usage(c, "grants ls takes no arguments");
	} else if (!strcmp(sub, "add") || !strcmp(sub, "rm")) {
		int add = sub[0] == 'a';
		if ((u = cli_only(c, add ? CLI_OPT_RECORD | CLI_OPT_DAYS |
						   CLI_OPT_CATEGORY :
					   CLI_OPT_RECORD,
				  add ? "grants add" : "grants rm")))
			return u;
		if (c->argc != 2)
			return out_usage(c, add ? "grants add needs one "
					 "organisation id" :
					 "grants rm needs one grant ID");
		if (!record_id_ok(c->argv[1]))
			return out_usage(c, "\"%.64s\" is not an id",
					 c->argv[1]);
	} else {
		return out_usage(c, "unknown grants command \"%.64s\"", sub);
	}
	return grants_run(c, sub);
}
