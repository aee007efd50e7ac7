/* cmd_whoami.c — `akte whoami`: who the server thinks this profile is.
 *
 * Under --json the server's answer is passed on unchanged, so scripts see
 * every field; for people the known fields are printed and the shape is
 * read tolerantly (an organisation may come as an object or as an id),
 * because a newer server may say more than this client knows. */
#include "cli/cli.h"
#include "cli/out.h"
#include "cli/record.h"
#include "cli/session.h"

#include <stdio.h>

static void whoami_org(json_t *me)
{
	json_t *org = json_object_get(me, "org");
	if (!org)
		org = json_object_get(me, "organisation");
	const char *id = record_str(me, "org_id");
	if (json_is_object(org)) {
		const char *name = record_str(org, "name");
		id = record_str(org, "id");
		printf("Organisation: %s%s%s%s\n", name ? name : "",
		       name && id ? " (" : "", id ? id : "",
		       name && id ? ")" : "");
	} else if (json_is_string(org) || id) {
		printf("Organisation: %s\n",
		       json_is_string(org) ? json_string_value(org) : id);
	}
}

static void whoami_records(json_t *me)
{
	json_t *recs = json_object_get(me, "records");
	if (!json_is_array(recs))
		return;
	if (json_array_size(recs) == 0) {
		printf("Records:      none\n");
		return;
	}
	printf("Records:\n");
	size_t i;
	json_t *rec;
	json_array_foreach(recs, i, rec) {
		if (json_is_string(rec)) {
			printf("  %s\n", json_string_value(rec));
			continue;
		}
		const char *id = record_str(rec, "id");
		const char *name = record_str(rec, "patient_name");
		if (!name)
			name = record_str(rec, "name");
		const char *rel = record_str(rec, "capacity");
		printf("  %s%s%s%s%s%s\n", id ? id : "?", name ? "  " : "",
		       name ? name : "", rel ? " (" : "", rel ? rel : "",
		       rel ? ")" : "");
	}
}

static int whoami_step(struct record_ctx *x, const void *arg,
		       struct http_resp *r, struct err *e)
{
	(void)arg;
	if (session_call(x->c, x->p, "GET", "/api/v1/me", NULL, r, e) < 0 ||
	    record_answer(r, e) < 0)
		return -1;
	if (!x->c->json) {
		const char *login = record_str(r->body, "login");
		const char *role = record_str(r->body, "role");
		printf("Login:        %s\n", login ? login : x->p->login);
		if (role)
			printf("Role:         %s\n", role);
		whoami_org(r->body);
		whoami_records(r->body);
		printf("Server:       %s (profile %s)\n",
		       session_server(x->c, x->p), x->p->name);
	}
	return 0;
}

int cmd_whoami(struct cli *c)
{
	if (c->argc != 0)
		return out_usage(c, "whoami takes no arguments");
	return record_run(c, 0, whoami_step, NULL);
}
