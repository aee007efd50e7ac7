/* users.c — POST /api/v1/users: an administrator creates operator and
 * provider staff accounts. The answer holds the account's TOTP secret once;
 * the administrator hands it over with the initial password. */
#include "api/api.h"

#include "api/input.h"
#include "domain/account.h"
#include "store/sql.h"

#include <sodium.h>

void api_users_create(struct http_request *req)
{
	static const struct input_field fields[] = {
		{"role", INPUT_STRING, 1, 16},
		{"login", INPUT_STRING, 1, 254},
		{"org", INPUT_STRING, 0, 64},
		{"password", INPUT_STRING, 1, 1024},
	};
	struct err e;
	struct user_created out;
	err_clear(&e);
	json_t *in = input_read(req, fields, INPUT_N(fields), &e);
	struct sql *db = in ? sql_thread_conn(&e) : NULL;
	struct user_input ui = {
		.role = input_str(in, "role"), .login = input_str(in, "login"),
		.org_id = input_str(in, "org"), .password = input_str(in, "password"),
	};
	if (!db || user_create(db, &req->actor, &ui, &out, &e) < 0)
		http_reply_error(req, &e);
	else
		http_reply_json(req, 201, json_pack("{s:s,s:s}", "id", out.id, "totp_secret",
						    out.totp_secret));
	sodium_memzero(&out, sizeof out);
	json_decref(in);
}
