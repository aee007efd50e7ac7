/* cmd_records.c — `akte records`: for provider staff, the records their
 * organisation holds a live grant to (GET /api/v1/records), with the ids
 * the other verbs take as --record. */
#include "cli/cli.h"
#include "cli/out.h"
#include "cli/record.h"
#include "cli/table.h"

#include <stdio.h>

static int records_step(struct record_ctx *x, const void *arg,
			struct http_resp *r, struct err *e)
{
	(void)arg;
	if (record_call(x, "GET", "/api/v1/records", NULL, r, e) < 0)
		return -1;
	if (x->c->json)
		return 0;
	static const char *const heads[] = {"RECORD", "PATIENT", "BORN",
					    "UNTIL", "CATEGORIES"};
	struct table t;
	json_t *items = json_object_get(r->body, "items"), *it;
	size_t i;
	if (json_array_size(items) == 0) {
		fprintf(stderr, "akte: no records: no patient has granted "
			"your organisation access\n");
		return 0;
	}
	if (table_init(&t, 5, heads) < 0)
		return 0;
	json_array_foreach(items, i, it) {
		json_t *g = json_object_get(it, "grant");
		char until[11] = "", cats[256];
		const char *ex = record_str(g, "expires_at");
		if (ex)
			snprintf(until, sizeof until, "%s", ex);
		record_categories(json_object_get(g, "categories"), cats,
				  sizeof cats);
		const char *row[] = {record_str(it, "id"),
				     record_str(it, "patient_name"),
				     record_str(it, "birth_date"), until, cats};
		table_add(&t, row);
	}
	table_print(&t, stdout);
	return 0;
}

int cmd_records(struct cli *c)
{
	if (c->argc != 0)
		return out_usage(c, "records takes no arguments");
	return record_run(c, 0, records_step, NULL);
}
