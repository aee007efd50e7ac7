/* input.c — see input.h. */
#include "api/input.h"

#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {"a string", "a whole number", "true or false",
					 "a list"};

static int input_type_ok(json_t *v, enum input_type t)
{
	switch (t) {
	case INPUT_STRING:
		return json_is_string(v);
	case INPUT_INT:
		return json_is_integer(v);
	case INPUT_BOOL:
		return json_is_boolean(v);
	case INPUT_ARRAY:
		return json_is_array(v);
	}
	return 0;
}

static int input_check(json_t *obj, const struct input_field *fields, size_t n,
		       struct err *e)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		size_t i = 0;
		while (i < n && strcmp(fields[i].name, key) != 0)
			i++;
		if (i == n)
			return err_field(e, key, "this field is not known here");
	}
	for (size_t i = 0; i < n; i++) {
		v = json_object_get(obj, fields[i].name);
		if (!v || json_is_null(v)) {
			if (fields[i].required)
				return err_field(e, fields[i].name, "%s is required", fields[i].name);
			continue;
		}
		if (!input_type_ok(v, fields[i].type))
			return err_field(e, fields[i].name, "%s must be %s", fields[i].name,
					 type_names[fields[i].type]);
		if (fields[i].type == INPUT_STRING && json_string_length(v) > fields[i].max_len)
			return err_field(e, fields[i].name, "%s is longer than %zu bytes",
					 fields[i].name, fields[i].max_len);
		if (fields[i].type == INPUT_ARRAY && json_array_size(v) > fields[i].max_len)
			return err_field(e, fields[i].name, "%s has more than %zu items",
					 fields[i].name, fields[i].max_len);
		if (fields[i].type == INPUT_STRING &&
		    strlen(json_string_value(v)) != json_string_length(v))
			return err_field(e, fields[i].name, "%s contains a NUL character",
					 fields[i].name);
	}
	return 0;
}

json_t *input_read(struct http_request *req, const struct input_field *fields, size_t n,
		   struct err *e)
{
	json_t *obj = http_body_json(req, e);
	if (obj && input_check(obj, fields, n, e) < 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

const char *input_str(json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

int input_query_limit(struct http_request *req, int def, int max, struct err *e)
{
	const char *s = http_query(req, "limit");
	if (!s)
		return def;
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || end == s || v < 1 || v > max)
		return err_field(e, "limit", "limit must be a whole number from 1 to %d", max);
	return (int)v;
}
