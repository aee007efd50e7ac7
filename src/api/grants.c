/* grants.c — access grants of a record: POST/GET /api/v1/records/{rid}/grants,
 * DELETE /api/v1/grants/{id}, and GET /api/v1/records, the list provider
 * staff see of the records their organisation may open now. Only input
 * shapes are checked here; the rules (lengths, categories, who may) live in
 * domain/grant.c. */
#include "api/api.h"

#include "api/input.h"
#include "domain/access.h"
#include "domain/grant.h"
#include "store/sql.h"

static void reply(struct http_request *req, unsigned status, json_t *out, const struct err *e)
{
	if (!out)
		http_reply_error(req, e);
	else
		http_reply_json(req, status, out);
}

void api_grants_create(struct http_request *req)
{
	static const struct input_field fields[] = {
		{"org", INPUT_STRING, 1, 64},
		{"days", INPUT_INT, 0, 0},
		{"categories", INPUT_ARRAY, 0, ACCESS_MAX_CATEGORIES},
	};
	struct err e;
	err_clear(&e);
	json_t *in = input_read(req, fields, INPUT_N(fields), &e);
	struct sql *db = in ? sql_thread_conn(&e) : NULL;
	json_t *days = json_object_get(in, "days");
	json_t *cats = json_object_get(in, "categories");
	/* The domain reads 0 as "the default"; a 0 the client wrote is a
	 * wrong length like any other, so it goes down as one (-1). */
	struct grant_input gi = {
		.org_id = input_str(in, "org"),
		.days = !json_is_integer(days) ? 0
			: json_integer_value(days) == 0 ? -1 : (int64_t)json_integer_value(days),
		.categories = json_is_array(cats) ? cats : NULL,
	};
	json_t *out = db ? grant_create(db, &req->actor, req->params[0], &gi, &e) : NULL;
	reply(req, 201, out, &e);
	json_decref(in);
}

void api_grants_list(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	struct sql *db = sql_thread_conn(&e);
	reply(req, 200, db ? grant_list(db, &req->actor, req->params[0], &e) : NULL, &e);
}

void api_grant_delete(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	struct sql *db = sql_thread_conn(&e);
	if (!db || grant_revoke(db, &req->actor, req->params[0], &e) < 0)
		http_reply_error(req, &e);
	else
		http_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

void api_records_list(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	struct sql *db = sql_thread_conn(&e);
	reply(req, 200, db ? grant_records_for_org(db, &req->actor, &e) : NULL, &e);
}
