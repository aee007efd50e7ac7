/* representatives.c — the representatives of a record, named by its
 * patient (POST/GET/DELETE /api/v1/records/{rid}/representatives), and the
 * caller's own side of it: GET /api/v1/representations and
 * POST /api/v1/representations/{id}/accept. Rules live in
 * domain/representation.c. */
#include "api/api.h"

#include "api/input.h"
#include "domain/representation.h"
#include "store/sql.h"

static void reply(struct http_request *req, unsigned status, json_t *out, const struct err *e)
{
	if (!out)
		http_reply_error(req, e);
	else
		http_reply_json(req, status, out);
}

static void reply_ok(struct http_request *req, int rc, const struct err *e)
{
	reply(req, 200, rc < 0 ? NULL : json_pack("{s:b}", "ok", 1), e);
}

void api_reps_create(struct http_request *req)
{
	static const struct input_field fields[] = {
		{"login", INPUT_STRING, 1, 254},
	};
	struct err e;
	err_clear(&e);
	json_t *in = input_read(req, fields, INPUT_N(fields), &e);
	struct sql *db = in ? sql_thread_conn(&e) : NULL;
	json_t *out = db ? representation_create(db, &req->actor, req->params[0],
						  input_str(in, "login"), &e) : NULL;
	reply(req, 201, out, &e);
	json_decref(in);
}

void api_reps_list(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	struct sql *db = sql_thread_conn(&e);
	reply(req, 200, db ? representation_list(db, &req->actor, req->params[0], &e) : NULL, &e);
}

void api_reps_delete(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	struct sql *db = sql_thread_conn(&e);
	reply_ok(req, db ? representation_end(db, &req->actor, req->params[0], req->params[1], &e)
			 : -1, &e);
}

void api_representations_mine(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	struct sql *db = sql_thread_conn(&e);
	reply(req, 200, db ? representation_mine(db, &req->actor, &e) : NULL, &e);
}

void api_representation_accept(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	struct sql *db = sql_thread_conn(&e);
	reply_ok(req, db ? representation_accept(db, &req->actor, req->params[0], &e) : -1, &e);
}
