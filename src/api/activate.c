/* activate.c — the patient's two activation steps (no session yet: the
 * code from the letter is the credential). */
#include "api/api.h"

#include "api/input.h"
#include "domain/patient.h"
#include "store/sql.h"

#include <sodium.h>
#include <string.h>

static void wipe_field(json_t *in, const char *name)
{
	json_t *v = json_object_get(in, name);
	if (json_is_string(v))
		sodium_memzero((char *)json_string_value(v), json_string_length(v));
}

void api_activate(struct http_request *req)
{
	static const struct input_field fields[] = {
		{"code", INPUT_STRING, 1, 64},
		{"password", INPUT_STRING, 1, 1024},
	};
	struct err e;
	struct activation_secret s;
	err_clear(&e);
	memset(&s, 0, sizeof s);
	json_t *in = input_read(req, fields, INPUT_N(fields), &e);
	struct sql *db = in ? sql_thread_conn(&e) : NULL;
	if (!db || activation_start(db, api_cfg(), input_str(in, "code"),
				    input_str(in, "password"), &s, &e) < 0)
		http_reply_error(req, &e);
	else
		http_reply_json(req, 200, json_pack("{s:s,s:s}", "totp_secret", s.totp_secret,
						    "otpauth_uri", s.otpauth_uri));
	activation_secret_clear(&s);
	wipe_field(in, "password");
	json_decref(in);
}

void api_activate_confirm(struct http_request *req)
{
	static const struct input_field fields[] = {
		{"code", INPUT_STRING, 1, 64},
		{"totp", INPUT_STRING, 1, 16},
	};
	struct err e;
	err_clear(&e);
	json_t *in = input_read(req, fields, INPUT_N(fields), &e);
	struct sql *db = in ? sql_thread_conn(&e) : NULL;
	if (!db || activation_confirm(db, api_cfg(), input_str(in, "code"),
				      input_str(in, "totp"), &e) < 0)
		http_reply_error(req, &e);
	else
		http_reply_json(req, 200, json_pack("{s:b}", "active", 1));
	json_decref(in);
}
