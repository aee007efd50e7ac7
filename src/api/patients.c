/* patients.c — the operator's desk: create a patient after checking an ID
 * in person, re-issue the activation code, and print the letter. */
#include "api/api.h"

#include "api/input.h"
#include "api/letter.h"
#include "core/clock.h"
#include "domain/patient.h"
#include "store/sql.h"

#include <sodium.h>

static json_t *code_json(const char *id, const struct activation_code *c)
{
	char expires[CLOCK_RFC3339_LEN];
	clock_rfc3339(c->expires, expires);
	return json_pack("{s:s,s:s,s:s}", "id", id, "activation_code", c->code,
			 "activation_expires", expires);
}

void api_patients_create(struct http_request *req)
{
	static const struct input_field fields[] = {
		{"name", INPUT_STRING, 1, 200},
		{"birth_date", INPUT_STRING, 1, 10},
		{"sex", INPUT_STRING, 1, 16},
		{"kvnr", INPUT_STRING, 1, 10},
		{"email", INPUT_STRING, 1, 254},
		{"phone", INPUT_STRING, 0, 32},
	};
	struct err e;
	struct activation_code code;
	char id[TOKEN_ID_LEN + 1];
	err_clear(&e);
	json_t *in = input_read(req, fields, INPUT_N(fields), &e);
	struct sql *db = in ? sql_thread_conn(&e) : NULL;
	struct patient_input pi = {
		.name = input_str(in, "name"), .birth_date = input_str(in, "birth_date"),
		.sex = input_str(in, "sex"), .kvnr = input_str(in, "kvnr"),
		.email = input_str(in, "email"), .phone = input_str(in, "phone"),
	};
	if (!db || patient_create(db, api_cfg(), &req->actor, &pi, id, &code, &e) < 0)
		http_reply_error(req, &e);
	else
		http_reply_json(req, 201, code_json(id, &code));
	sodium_memzero(&code, sizeof code);
	json_decref(in);
}

void api_patients_reissue(struct http_request *req)
{
	struct err e;
	struct activation_code code;
	err_clear(&e);
	struct sql *db = sql_thread_conn(&e);
	if (!db || patient_reissue(db, api_cfg(), &req->actor, req->params[0], &code, &e) < 0)
		http_reply_error(req, &e);
	else
		http_reply_json(req, 201, code_json(req->params[0], &code));
	sodium_memzero(&code, sizeof code);
}

void api_patients_letter(struct http_request *req)
{
	struct err e;
	struct buf html;
	err_clear(&e);
	buf_init(&html, 0);
	struct sql *db = sql_thread_conn(&e);
	json_t *data = db ? patient_letter(db, &req->actor, req->params[0],
					   http_query(req, "code"), &e) : NULL;
	if (!data || letter_render(data, api_cfg()->public_url, &html, &e) < 0)
		http_reply_error(req, &e);
	else {
		char csp[LETTER_CSP_LEN];
		letter_csp(csp);
		http_reply_bytes(req, 200, "text/html; charset=utf-8", html.data, html.len);
		http_reply_header(req, "Content-Security-Policy", csp);
	}
	json_decref(data);
	buf_free(&html);
}
