/* fuzz_json_input.c — the JSON request-body path: input_read() (src/api/
 * input.c), which calls http_body_json() (src/http/reply.c, i.e.
 * json_loadb(body, len, JSON_REJECT_DUPLICATES)) and then checks the fields
 * against a route's spec. input_read only reads req->body, so the request is
 * built with nothing else filled; the body is an exact-size heap copy of the
 * input (no trailing NUL), so any read past body.len is caught by ASan.
 *
 * Each input is checked twice: against the login route's spec (copied from
 * src/api/auth.c) and against a mixed one with an optional int and bool.
 *
 * Invariants beyond "no crash, no leak":
 *   - NULL result <=> err.code set; the code is ERR_MALFORMED (400) or
 *     ERR_INVALID (422), and err.msg is non-empty;
 *   - a result is an object whose keys are all in the spec, with every
 *     required field present, of the spec's type, strings no longer than
 *     max_len and without NUL, and input_str() agreeing with it;
 *   - every err from this path can be rendered by http_reply_error(): its
 *     key, msg and field are valid UTF-8 and a response is actually set
 *     (a request without a reply becomes a 500 "no answer was produced"). */
#include "api/input.h"
#include "http/request.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

/* The login route's spec, as in api_login() in src/api/auth.c. */
static const struct input_field login_fields[] = {
	{"login", INPUT_STRING, 1, 254},
	{"password", INPUT_STRING, 1, 1024},
	{"totp", INPUT_STRING, 1, 16},
	{"device", INPUT_STRING, 1, 128},
};

/* Exercises the int/bool branches of the checker. */
static const struct input_field mixed_fields[] = {
	{"name", INPUT_STRING, 1, 8},
	{"count", INPUT_INT, 0, 0},
	{"flag", INPUT_BOOL, 0, 0},
};


static int utf8_ok(const char *s)
{
	json_t *j = json_string(s); /* NULL when not valid UTF-8 */
	int ok = j != NULL;
	json_decref(j);
	return ok;
}

static int type_ok(json_t *v, enum input_type t)
{
	switch (t) {
	case INPUT_STRING: return json_is_string(v);
	case INPUT_INT: return json_is_integer(v);
	case INPUT_BOOL: return json_is_boolean(v);
	}
	return 0;
}

static void one(const uint8_t *data, size_t size,
		const struct input_field *fields, size_t n)
{
	struct http_request *req = calloc(1, sizeof *req);
	CHECK(req);
	req->body.data = malloc(size ? size : 1);
	CHECK(req->body.data);
	if (size)
		memcpy(req->body.data, data, size);
	req->body.len = size;
	req->body.cap = size;
	req->body.max = 0;

	struct err e;
	err_clear(&e);
	json_t *obj = input_read(req, fields, n, &e);

	if (!obj) {
		CHECK(e.code == ERR_MALFORMED || e.code == ERR_INVALID);
		CHECK(e.msg[0] != '\0');
		CHECK(memchr(e.msg, '\0', sizeof e.msg) != NULL);
		CHECK(memchr(e.field, '\0', sizeof e.field) != NULL);
		CHECK(utf8_ok(e.key));
		CHECK(utf8_ok(e.msg));
		CHECK(utf8_ok(e.field));
		/* The real renderer; works without a connection. */
		http_reply_error(req, &e);
		CHECK(req->response != NULL);
		CHECK(req->status == 400 || req->status == 422);
		MHD_destroy_response(req->response);
		req->response = NULL;
	} else {
		CHECK(e.code == ERR_OK);
		CHECK(json_is_object(obj));
		const char *key;
		json_t *v;
		json_object_foreach(obj, key, v) {
			size_t i = 0;
			while (i < n && strcmp(fields[i].name, key) != 0)
				i++;
			CHECK(i < n);
		}
		for (size_t i = 0; i < n; i++) {
			v = json_object_get(obj, fields[i].name);
			if (!v || json_is_null(v)) {
				CHECK(!fields[i].required);
				CHECK(input_str(obj, fields[i].name) == NULL);
				continue;
			}
			CHECK(type_ok(v, fields[i].type));
			if (fields[i].type == INPUT_STRING) {
				const char *s = input_str(obj, fields[i].name);
				CHECK(s != NULL);
				CHECK(json_string_length(v) <= fields[i].max_len);
				CHECK(strlen(s) == json_string_length(v));
				CHECK(utf8_ok(s));
			}
		}
		json_decref(obj);
	}
	free(req->body.data);
	free(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, login_fields, INPUT_N(login_fields));
	one(data, size, mixed_fields, INPUT_N(mixed_fields));
	return 0;
}
