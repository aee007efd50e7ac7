/* orgs.c — POST /api/v1/orgs (admin) and GET /api/v1/orgs?q= (anyone
 * logged in: patients look up a practice to grant it access). */
#include "api/api.h"

#include "api/input.h"
#include "domain/account.h"
#include "store/sql.h"


void api_orgs_create(struct http_request *req)
{
	static const struct input_field fields[] = {
		{"kind", INPUT_STRING, 1, 32},
		{"name", INPUT_STRING, 1, 200},
		{"telematik_id", INPUT_STRING, 0, 64},
		{"address", INPUT_STRING, 0, 500},
	};
	struct err e;
	char id[TOKEN_ID_LEN + 1];
	err_clear(&e);
	json_t *in = input_read(req, fields, INPUT_N(fields), &e);
	struct sql *db = in ? sql_thread_conn(&e) : NULL;
	struct org_input oi = {
		.kind = input_str(in, "kind"), .name = input_str(in, "name"),
		.telematik_id = input_str(in, "telematik_id"), .address = input_str(in, "address"),
	};
	if (!db || org_create(db, &req->actor, &oi, id, &e) < 0)
		http_reply_error(req, &e);
	else
		http_reply_json(req, 201, json_pack("{s:s}", "id", id));
	json_decref(in);
}

void api_orgs_search(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	int limit = input_query_limit(req, 20, 100, &e);
	struct sql *db = limit > 0 ? sql_thread_conn(&e) : NULL;
	json_t *out = db ? org_search(db, &req->actor, http_query(req, "q"), limit, &e) : NULL;
	if (!out)
		http_reply_error(req, &e);
	else
		http_reply_json(req, 200, out);
}
