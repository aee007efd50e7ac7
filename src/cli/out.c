/* out.c — the client's two voices, see out.h. JSON goes out compact on one
 * line so that `akte --json ... | jq` and line-oriented scripts both work. */
#include "cli/out.h"

#include <stdarg.h>
#include <string.h>

FILE *out_human(const struct cli *c)
{
	return c->json ? stderr : stdout;
}

static void out_json_line(json_t *obj)
{
	/* JSON_ENSURE_ASCII: a terminal or log with another locale can still
	 * show it; the object is dropped whatever happens. */
	if (json_dumpf(obj, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) == 0)
		fputc('\n', stdout);
	fflush(stdout);
}

int out_ok(const struct cli *c, json_t *obj)
{
	if (c->json)
		out_json_line(obj ? obj : json_object());
	json_decref(obj);
	return CLI_OK;
}

int out_fail(const struct cli *c, const struct err *e)
{
	const char *key = e->key[0] ? e->key : err_default_key(e->code);
	const char *msg = e->msg[0] ? e->msg : "failed";
	if (c->json) {
		json_t *inner = json_pack("{s:s, s:s}", "code", key,
					  "message", msg);
		if (inner && e->field[0])
			json_object_set_new(inner, "field",
					    json_string(e->field));
		if (inner && e->retry_after > 0)
			json_object_set_new(inner, "retry_after",
					    json_integer(e->retry_after));
		json_t *obj = json_pack("{s:o}", "error", inner);
		out_json_line(obj);
		json_decref(obj);
	} else {
		fflush(stdout);
		fprintf(stderr, "akte: %s\n", msg);
	}
	return CLI_FAIL;
}

int out_usage(const struct cli *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c && c->json) {
		json_t *obj = json_pack("{s:{s:s, s:s}}", "error", "code",
					"usage", "message", msg);
		out_json_line(obj);
		json_decref(obj);
	}
	fprintf(stderr, "akte: %s\n\n", msg);
	cli_usage(stderr);
	return CLI_USAGE;
}

void out_reword(struct err *e, const char *fmt, ...)
{
	char msg[sizeof e->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	memcpy(e->msg, msg, sizeof msg);
}
