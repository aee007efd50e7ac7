/* auth.c — POST /api/v1/auth/login and /logout. The session token goes
 * back both in the body (for the CLI and other API clients) and as the
 * __Host-akte cookie (for browsers: HttpOnly, Secure, SameSite=Strict and
 * without Max-Age, so it ends with the browser). */
#include "api/api.h"

#include "api/input.h"
#include "core/clock.h"
#include "domain/login.h"
#include "http/auth.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* The User-Agent, reduced to printable ASCII, names the device in mails. */
static void device_label(struct http_request *req, char out[101])
{
	const char *ua = http_header(req, "User-Agent");
	size_t k = 0;
	for (const char *p = ua ? ua : "unknown device"; *p && k < 100; p++)
		out[k++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
	out[k] = '\0';
}

void api_login(struct http_request *req)
{
	static const struct input_field fields[] = {
		{"login", INPUT_STRING, 1, 254},
		{"password", INPUT_STRING, 1, 1024},
		{"totp", INPUT_STRING, 1, 16},
		{"device", INPUT_STRING, 1, 128},
	};
	struct err e;
	struct session_new s;
	char label[101];
	err_clear(&e);
	memset(&s, 0, sizeof s);
	json_t *in = input_read(req, fields, INPUT_N(fields), &e);
	struct sql *db = in ? sql_thread_conn(&e) : NULL;
	if (!db)
		goto fail;
	device_label(req, label);
	struct login_input li = {
		.login = input_str(in, "login"), .password = input_str(in, "password"),
		.totp = input_str(in, "totp"), .device = input_str(in, "device"),
		.device_label = label, .client_addr = req->client_addr,
	};
	if (login_attempt(db, api_cfg(), &li, &s, &e) < 0)
		goto fail;
	char expires[CLOCK_RFC3339_LEN], cookie[TOKEN_LEN + 96];
	clock_rfc3339(s.expires, expires);
	http_reply_json(req, 200, json_pack("{s:s,s:s,s:s}", "token", s.token, "expires",
					    expires, "csrf_token", s.csrf));
	snprintf(cookie, sizeof cookie, "%s=%s; Path=/; Secure; HttpOnly; SameSite=Strict",
		 HTTP_SESSION_COOKIE, s.token);
	http_reply_header(req, "Set-Cookie", cookie);
	sodium_memzero(cookie, sizeof cookie);
	goto out;
fail:
	http_reply_error(req, &e);
out:
	sodium_memzero(&s, sizeof s);
	/* The parsed body holds the password: wipe it before freeing. */
	if (in) {
		json_t *pw = json_object_get(in, "password");
		if (json_is_string(pw))
			sodium_memzero((char *)json_string_value(pw), json_string_length(pw));
	}
	json_decref(in);
}

void api_logout(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	struct sql *db = sql_thread_conn(&e);
	if (!db || session_end(db, req->actor.session_id, &e) < 0) {
		http_reply_error(req, &e);
		return;
	}
	http_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
	http_reply_header(req, "Set-Cookie",
			  HTTP_SESSION_COOKIE "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
}
