/* cmd_whoami.c — `akte whoami`: who the server thinks this profile is.
 *
 * Under --json the server's answer is passed on unchanged, so scripts see
 * every field; for people the known fields are printed and the shape is
 * read tolerantly (an organisation may come as an object or as an id),
 * because a newer server may say more than this client knows. */
#include "cli/cli.h"
#include "cli/out.h"
#include "cli/session.h"

#include <stdio.h>

static const char *whoami_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void whoami_org(json_t *me)
{
	json_t *org = json_object_get(me, "org");
	if (!org)
		org = json_object_get(me, "organisation");
	const char *id = whoami_str(me, "org_id");
	if (json_is_object(org)) {
		const char *name = whoami_str(org, "name");
		id = whoami_str(org, "id");
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
		const char *id = whoami_str(rec, "id");
		const char *name = whoami_str(rec, "patient_name");
		if (!name)
			name = whoami_str(rec, "name");
		const char *rel = whoami_str(rec, "capacity");
		printf("  %s%s%s%s%s%s\n", id ? id : "?", name ? "  " : "",
		       name ? name : "", rel ? " (" : "", rel ? rel : "",
		       rel ? ")" : "");
	}
}

int cmd_whoami(struct cli *c)
{
	if (c->argc != 0)
		return out_usage(c, "whoami takes no arguments");
	struct err e;
	struct http_resp r = {0};
	int rc;
	err_clear(&e);
	struct profile *p = session_open(c, &e);
	if (!p)
		return out_fail(c, &e);
	if (session_call(c, p, "GET", "/api/v1/me", NULL, &r, &e) < 0)
		goto fail;
	if (r.status < 200 || r.status >= 300 || !json_is_object(r.body)) {
		if (r.status >= 200 && r.status < 300)
			err_set(&e, ERR_INTERNAL, "bad_response",
				"the server's answer is not an object");
		else
			http_resp_err(&r, &e);
		goto fail;
	}
	if (!c->json) {
		const char *login = whoami_str(r.body, "login");
		const char *role = whoami_str(r.body, "role");
		printf("Login:        %s\n", login ? login : p->login);
		if (role)
			printf("Role:         %s\n", role);
		whoami_org(r.body);
		whoami_records(r.body);
		printf("Server:       %s (profile %s)\n", session_server(c, p),
		       p->name);
	}
	rc = out_ok(c, json_incref(r.body));
	goto out;
fail:
	rc = out_fail(c, &e);
out:
	http_resp_free(&r);
	profile_close(p);
	return rc;
}
