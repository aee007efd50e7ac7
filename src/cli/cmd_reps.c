/* cmd_reps.c — `akte reps ls|add LOGIN|accept ID|rm ID`: representatives
 * of a record (a parent, a carer), who may act for the patient.
 *
 * ls shows the record's representatives and, because accepting needs an
 * id a person cannot otherwise see, the invitations and representations
 * of the account itself (GET /api/v1/representations); under --json the
 * record's list comes as the server sent it with those items added as
 * "representations". accept needs no record: the invitation names it. */
#include "cli/cli.h"
#include "cli/out.h"
#include "cli/record.h"
#include "cli/table.h"

#include <stdio.h>
#include <string.h>

static void reps_tables(const json_t *reps, const json_t *mine)
{
	static const char *const heads[] = {"ID", "LOGIN", "NAME", "STATUS"};
	static const char *const mine_heads[] = {"ID", "PATIENT", "STATUS"};
	struct table t;
	size_t i;
	json_t *it;
	if (json_array_size(reps) == 0)
		printf("No representatives.\n");
	else if (table_init(&t, 4, heads) == 0) {
		json_array_foreach(reps, i, it) {
			json_t *who = json_object_get(it, "representative");
			const char *row[] = {record_str(it, "id"),
					     record_str(who, "login"),
					     record_str(who, "name"),
					     record_str(it, "status")};
			table_add(&t, row);
		}
		table_print(&t, stdout);
	}
	if (json_array_size(mine) == 0)
		return;
	printf("\nYou represent, or are asked to represent "
	       "(akte reps accept ID):\n");
	if (table_init(&t, 3, mine_heads) < 0)
		return;
	json_array_foreach(mine, i, it) {
		const char *row[] = {record_str(it, "id"),
				     record_str(it, "patient_name"),
				     record_str(it, "status")};
		table_add(&t, row);
	}
	table_print(&t, stdout);
}

static int reps_ls(struct record_ctx *x, struct http_resp *r, struct err *e)
{
	char path[RECORD_PATH_MAX];
	struct http_resp mine = {0};
	record_path(x, "/representatives", path);
	if (record_call(x, "GET", path, NULL, r, e) < 0 ||
	    record_call(x, "GET", "/api/v1/representations", NULL, &mine,
			e) < 0) {
		http_resp_free(&mine);
		return -1;
	}
	json_t *items = json_object_get(mine.body, "items");
	if (!x->c->json)
		reps_tables(json_object_get(r->body, "items"), items);
	json_object_set(r->body, "representations",
			items ? items : json_array());
	http_resp_free(&mine);
	return 0;
}

static void reps_said(const struct cli *c, const char *sub,
		      const json_t *body)
{
	const char *id = c->argc > 1 ? c->argv[1] : "?";
	if (!strcmp(sub, "add")) {
		const char *rid = record_str(body, "id");
		printf("Asked %s to represent you; it starts when they accept "
		       "(id %s).\n", id, rid ? rid : "?");
	} else if (!strcmp(sub, "accept")) {
		printf("You accepted representation %s; akte whoami lists "
		       "the record.\n", id);
	} else if (!strcmp(sub, "rm")) {
		printf("Representation %s ended.\n", id);
	}
}

/* arg: the sub-command, "ls", "add", "accept" or "rm". */
static int reps_step(struct record_ctx *x, const void *arg,
		     struct http_resp *r, struct err *e)
{
	const struct cli *c = x->c;
	const char *sub = arg, *method = "DELETE";
	char path[RECORD_PATH_MAX];
	json_t *req = NULL;
	if (!strcmp(sub, "ls"))
		return reps_ls(x, r, e);
	if (!strcmp(sub, "accept")) {
		snprintf(path, sizeof path,
			 "/api/v1/representations/%s/accept", c->argv[1]);
		method = "POST";
	} else if (!strcmp(sub, "add")) {
		record_path(x, "/representatives", path);
		method = "POST";
		req = json_pack("{s:s}", "login", c->argv[1]);
	} else {
		snprintf(path, sizeof path,
			 "/api/v1/records/%s/representatives/%s", x->rid,
			 c->argv[1]);
	}
	int rc = record_call(x, method, path, req, r, e);
	json_decref(req);
	if (rc < 0)
		return -1;
	if (!c->json)
		reps_said(c, sub, r->body);
	return 0;
}

static int reps_run(struct cli *c, const char *sub)
{
	return record_run(c, strcmp(sub, "accept") != 0, reps_step, sub);
}

int cmd_reps(struct cli *c)
{
	if (c->argc < 1)
		return out_usage(c, "reps needs ls, add, accept or rm");
	const char *sub = c->argv[0];
	if (!strcmp(sub, "ls")) {
		if (c->argc != 1)
			return out_usage(c, "reps ls takes no arguments");
	} else if (!strcmp(sub, "add")) {
		if (c->argc != 2 || !c->argv[1][0] ||
		    strlen(c->argv[1]) > 256)
			return out_usage(c, "reps add needs one LOGIN");
	} else if (!strcmp(sub, "accept") || !strcmp(sub, "rm")) {
		if (c->argc != 2 || !record_id_ok(c->argv[1]))
			return out_usage(c, "reps %s needs one ID", sub);
		int u;
		if (sub[0] == 'a' &&
		    (u = cli_only(c, 0, "reps accept")))
			return u;
	} else {
		return out_usage(c, "unknown reps command \"%.64s\"", sub);
	}
	return reps_run(c, sub);
}
