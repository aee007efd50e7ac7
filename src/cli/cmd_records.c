/* cmd_records.c — `akte records`: for provider staff, the records their
 * organisation holds a live grant to (GET /api/v1/records), with the ids
 * the other verbs take as --record. */
#include "cli/cli.h"
#include "cli/out.h"
#include "cli/record.h"
#include "cli/table.h"

#include <stdio.h>

int cmd_records(struct cli *c)
{
	if (c->argc != 0)
		return out_usage(c, "records takes no arguments");
	struct record_ctx x;
	struct http_resp r = {0};
	struct err e;
	int rc;
	err_clear(&e);
	if (record_begin(c, 0, &x, &e) < 0)
		return out_fail(c, &e);
	if (record_call(&x, "GET", "/api/v1/records", NULL, &r, &e) < 0)
		goto fail;
	if (!c->json) {
		static const char *const heads[] = {"RECORD", "PATIENT", "BORN",
						    "UNTIL", "CATEGORIES"};
		struct table t;
		json_t *items = json_object_get(r.body, "items"), *it;
		size_t i;
		if (json_array_size(items) == 0)
			fprintf(stderr, "akte: no records: no patient has "
				"granted your organisation access\n");
		else if (table_init(&t, 5, heads) == 0) {
			json_array_foreach(items, i, it) {
				json_t *g = json_object_get(it, "grant");
				char until[11] = "", cats[256];
				const char *ex = record_str(g, "expires_at");
				if (ex)
					snprintf(until, sizeof until, "%s", ex);
				record_categories(
					json_object_get(g, "categories"), cats,
					sizeof cats);
				const char *row[] = {
					record_str(it, "id"),
					record_str(it, "patient_name"),
					record_str(it, "birth_date"), until,
					cats};
				table_add(&t, row);
			}
			table_print(&t, stdout);
		}
	}
	rc = out_ok(c, json_incref(r.body));
	goto out;
fail:
	rc = out_fail(c, &e);
out:
	http_resp_free(&r);
	record_end(&x);
	return rc;
}
