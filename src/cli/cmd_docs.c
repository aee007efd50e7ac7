/* cmd_docs.c — `akte docs ls|put|get|hide|unhide|rm`: the documents of a
 * record.
 *
 * ls and put work on a record (--record, or the account's own, see
 * record.h); get, hide, unhide and rm name a document by its id, which is
 * unique across records, so --record is accepted there but not needed.
 * Bodies never pass through memory: put and get stream (transfer.c). */
#include "cli/cli.h"
#include "cli/out.h"
#include "cli/record.h"
#include "cli/table.h"
#include "cli/transfer.h"

#include <stdio.h>
#include <string.h>

/* The document's author as a person reads it: the organisation, else the
 * login. */
static const char *docs_author(const json_t *doc)
{
	json_t *a = json_object_get(doc, "author");
	const char *org = record_str(json_object_get(a, "org"), "name");
	return org ? org : record_str(a, "login");
}

static void docs_table(const json_t *page)
{
	static const char *const heads[] = {"ID", "DATE", "CATEGORY",
					    "TITLE", "SIZE", "AUTHOR"};
	struct table t;
	if (table_init(&t, 6, heads) < 0)
		return;
	size_t i;
	json_t *doc;
	json_array_foreach(json_object_get(page, "items"), i, doc) {
		char size[16], date[11] = "", title[512];
		const char *d = record_str(doc, "date");
		if (!d)
			d = record_str(doc, "created_at");
		if (d)
			snprintf(date, sizeof date, "%s", d);
		record_size((long long)json_integer_value(
				    json_object_get(doc, "size")), size);
		const char *ti = record_str(doc, "title");
		snprintf(title, sizeof title, "%s%s", ti ? ti : "",
			 json_is_true(json_object_get(doc, "hidden")) ?
				 " [hidden]" : "");
		const char *row[] = {record_str(doc, "id"), date,
				     record_str(doc, "category"), title, size,
				     docs_author(doc)};
		table_add(&t, row);
	}
	if (json_array_size(json_object_get(page, "items")) == 0) {
		table_free(&t);
		fprintf(stderr, "akte: no documents\n");
		return;
	}
	table_print(&t, stdout);
	if (record_str(page, "next_cursor"))
		fprintf(stderr, "akte: more documents exist; raise --limit "
			"or narrow with --category or --query\n");
}

/* arg: the --limit (0: the server's default). */
static int docs_ls_step(struct record_ctx *x, const void *arg,
			struct http_resp *r, struct err *e)
{
	const struct cli *c = x->c;
	const long *limit = arg;
	char path[RECORD_PATH_MAX], num[24];
	snprintf(num, sizeof num, "%ld", *limit);
	record_path(x, "/documents", path);
	if (record_query(path, sizeof path, "category",
			 c->ncategory ? c->category[0] : NULL) < 0 ||
	    record_query(path, sizeof path, "q", c->query) < 0 ||
	    record_query(path, sizeof path, "limit", *limit ? num : NULL) < 0)
		return err_set(e, ERR_INVALID, "too_long",
			       "the query is too long");
	if (record_call(x, "GET", path, NULL, r, e) < 0)
		return -1;
	if (!c->json)
		docs_table(r->body);
	return 0;
}

static int docs_ls(struct cli *c)
{
	long limit = 0;
	int u;
	if ((u = cli_only(c, CLI_OPT_RECORD | CLI_OPT_CATEGORY |
			  CLI_OPT_QUERY | CLI_OPT_LIMIT, "docs ls")))
		return u;
	if (c->argc != 1)
		return out_usage(c, "docs ls takes no arguments");
	if (c->ncategory > 1)
		return out_usage(c, "docs ls takes one --category");
	if ((u = record_number(c, "limit", c->limit, 1, 200, &limit)))
		return u;
	return record_run(c, 1, docs_ls_step, &limit);
}

/* What docs put settled before the session opened. */
struct docs_put_args {
	const char *file, *base; /* as given; its last component */
	char title[256];
};

static int docs_put_step(struct record_ctx *x, const void *arg,
			 struct http_resp *r, struct err *e)
{
	const struct cli *c = x->c;
	const struct docs_put_args *a = arg;
	char path[RECORD_PATH_MAX];
	record_path(x, "/documents", path);
	if (record_query(path, sizeof path, "title", a->title) < 0 ||
	    record_query(path, sizeof path, "category", c->category[0]) < 0 ||
	    record_query(path, sizeof path, "date", c->date) < 0 ||
	    record_query(path, sizeof path, "filename", a->base) < 0)
		return err_set(e, ERR_INVALID, "too_long",
			       "the title or file name is too long");
	if (transfer_put(x, path, a->file,
			 c->type ? c->type : transfer_type_of(a->file), r,
			 e) < 0 ||
	    record_judge(r, e) < 0)
		return -1;
	if (!c->json) {
		char size[16];
		record_size((long long)json_integer_value(
				    json_object_get(r->body, "size")), size);
		const char *ti = record_str(r->body, "title");
		const char *id = record_str(r->body, "id");
		printf("Uploaded '%s' (%s) as %s.\n", ti ? ti : a->title,
		       size, id ? id : "?");
	}
	return 0;
}

static int docs_put(struct cli *c)
{
	int u;
	if ((u = cli_only(c, CLI_OPT_RECORD | CLI_OPT_CATEGORY |
			  CLI_OPT_TITLE | CLI_OPT_DATE | CLI_OPT_TYPE,
			  "docs put")))
		return u;
	if (c->argc != 2)
		return out_usage(c, "docs put needs one FILE");
	if (c->ncategory != 1)
		return out_usage(c, "docs put needs one --category (e.g. "
				 "befund, arztbrief, laborbefund, "
				 "sonstiges)");
	struct docs_put_args a;
	a.file = c->argv[1];
	a.base = strrchr(a.file, '/');
	a.base = a.base ? a.base + 1 : a.file;
	if (c->title)
		snprintf(a.title, sizeof a.title, "%s", c->title);
	else
		transfer_title_of(a.file, a.title, sizeof a.title);
	if (!a.title[0])
		return out_usage(c, "docs put: give a --title");
	return record_run(c, 1, docs_put_step, &a);
}

/* arg: the document id. */
static int docs_get_step(struct record_ctx *x, const void *arg,
			 struct http_resp *r, struct err *e)
{
	const struct cli *c = x->c;
	const char *id = arg;
	int to_stdout = c->output && !strcmp(c->output, "-");
	struct transfer_get g;
	char path[RECORD_PATH_MAX], content[RECORD_PATH_MAX];
	snprintf(path, sizeof path, "/api/v1/documents/%s", id);
	snprintf(content, sizeof content, "/api/v1/documents/%s/content", id);
	/* The metadata first: the digest to check against, the size for the
	 * progress bar. */
	if (record_call(x, "GET", path, NULL, r, e) < 0)
		return -1;
	memset(&g, 0, sizeof g);
	g.path = content;
	g.output = c->output;
	g.id = id;
	g.sha256 = record_str(r->body, "sha256");
	g.size = (long long)json_integer_value(json_object_get(r->body,
							       "size"));
	g.force = c->force;
	if (transfer_get(x, &g, e) < 0)
		return -1;
	if (!c->json) {
		const char *ti = record_str(r->body, "title");
		fprintf(to_stdout ? stderr : stdout,
			"Saved '%s' to %s (SHA-256 checked).\n", ti ? ti : id,
			to_stdout ? "standard output" : g.saved);
	}
	json_object_set_new(r->body, "saved", json_string(g.saved));
	return 0;
}

static int docs_get(struct cli *c, const char *id)
{
	int u;
	if ((u = cli_only(c, CLI_OPT_RECORD | CLI_OPT_OUTPUT | CLI_OPT_FORCE,
			  "docs get")))
		return u;
	if (c->output && !strcmp(c->output, "-") && c->json)
		return out_usage(c, "-o - and --json both want stdout");
	if (c->output && !c->output[0])
		return out_usage(c, "-o needs a file name");
	return record_run(c, 0, docs_get_step, id);
}

/* arg: the verb, "hide", "unhide" or "rm"; the document id is argv[1]. */
static int docs_change_step(struct record_ctx *x, const void *arg,
			    struct http_resp *r, struct err *e)
{
	const char *verb = arg, *id = x->c->argv[1];
	int rm = !strcmp(verb, "rm"), hide = !strcmp(verb, "hide");
	char path[RECORD_PATH_MAX];
	json_t *req = NULL;
	snprintf(path, sizeof path, "/api/v1/documents/%s", id);
	if (!rm && !(req = json_pack("{s:b}", "hidden", hide)))
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	int rc = record_call(x, rm ? "DELETE" : "PATCH", path, req, r, e);
	json_decref(req);
	if (rc < 0)
		return -1;
	if (!x->c->json)
		printf(rm ? "Removed document %s.\n" :
		       hide ? "Document %s is hidden now.\n" :
			      "Document %s is visible again.\n", id);
	return 0;
}

/* hide, unhide (PATCH) and rm (DELETE) of one document. */
static int docs_change(struct cli *c, const char *verb)
{
	char what[32];
	snprintf(what, sizeof what, "docs %s", verb);
	int u;
	if ((u = cli_only(c, CLI_OPT_RECORD, what)))
		return u;
	return record_run(c, 0, docs_change_step, verb);
}

int cmd_docs(struct cli *c)
{
	if (c->argc < 1)
		return out_usage(c, "docs needs ls, put, get, hide, unhide or "
				 "rm");
	const char *sub = c->argv[0];
	if (!strcmp(sub, "ls"))
		return docs_ls(c);
	if (!strcmp(sub, "put"))
		return docs_put(c);
	if (strcmp(sub, "get") && strcmp(sub, "hide") &&
	    strcmp(sub, "unhide") && strcmp(sub, "rm"))
		return out_usage(c, "unknown docs command \"%.64s\"", sub);
	if (c->argc != 2)
		return out_usage(c, "docs %s needs one document ID", sub);
	if (!record_id_ok(c->argv[1]))
		return out_usage(c, "\"%.64s\" is not a document id",
				 c->argv[1]);
	if (!strcmp(sub, "get"))
		return docs_get(c, c->argv[1]);
	return docs_change(c, sub);
}
