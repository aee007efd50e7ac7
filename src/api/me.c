/* me.c — GET /api/v1/me: who am I, and which records may I open. */
#include "api/api.h"

#include "domain/account.h"
#include "store/sql.h"

void api_me(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	struct sql *db = sql_thread_conn(&e);
	json_t *me = db ? account_describe(db, &req->actor, &e) : NULL;
	if (!me) {
		http_reply_error(req, &e);
		return;
	}
	http_reply_json(req, 200, me);
}
