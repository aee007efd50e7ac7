/* input.h — checking a JSON request body against the fields a route takes:
 * unknown fields, missing required ones, wrong types and over-long strings
 * are each a 422 naming the field, before any handler logic runs. */
#ifndef AKTE_API_INPUT_H
#define AKTE_API_INPUT_H

#include "core/err.h"
#include "http/request.h"

#include <jansson.h>
#include <stddef.h>

enum input_type { INPUT_STRING, INPUT_INT, INPUT_BOOL, INPUT_ARRAY };

struct input_field {
	const char *name;
	enum input_type type;
	int required;
	size_t max_len;   /* strings: bytes; arrays: items (checked by the domain) */
};

/* Parse the body and check it; the caller owns the result. */
json_t *input_read(struct http_request *req, const struct input_field *fields, size_t n,
		   struct err *e);
/* A string field, or NULL when absent or null. */
const char *input_str(json_t *obj, const char *name);

/* The ?limit= of a list: def when absent, else a whole number 1..max;
 * -1 with a 422 on field "limit" otherwise. */
int input_query_limit(struct http_request *req, int def, int max, struct err *e);

#define INPUT_N(a) (sizeof(a) / sizeof((a)[0]))

#endif
