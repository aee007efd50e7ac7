/* audit.c — GET /api/v1/records/{rid}/audit and …/audit/verify. */
#include "api/api.h"

#include "api/input.h"
#include "domain/record_log.h"
#include "store/sql.h"


void api_audit_list(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	int limit = input_query_limit(req, 50, 200, &e);
	struct sql *db = limit > 0 ? sql_thread_conn(&e) : NULL;
	json_t *out = db ? record_log_list(db, &req->actor, req->params[0], http_query(req, "actor"),
					   http_query(req, "action"), http_query(req, "cursor"),
					   limit, &e) : NULL;
	if (!out)
		http_reply_error(req, &e);
	else
		http_reply_json(req, 200, out);
}

void api_audit_verify(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	struct sql *db = sql_thread_conn(&e);
	json_t *out = db ? record_log_verify(db, &req->actor, req->params[0], &e) : NULL;
	if (!out)
		http_reply_error(req, &e);
	else
		http_reply_json(req, 200, out);
}
