/* err.c — filling struct err, and the single table mapping error codes to
 * HTTP statuses and default machine-readable keys. */
#include "core/err.h"

#include <stdio.h>
#include <string.h>

static const struct {
	int status;
	const char *key;
} err_table[ERR_CODE_COUNT] = {
	[ERR_OK] = {200, "ok"},
	[ERR_MALFORMED] = {400, "malformed"},
	[ERR_UNAUTHENTICATED] = {401, "unauthenticated"},
	[ERR_FORBIDDEN] = {403, "forbidden"},
	[ERR_NOT_FOUND] = {404, "not_found"},
	[ERR_METHOD] = {405, "method_not_allowed"},
	[ERR_CONFLICT] = {409, "conflict"},
	[ERR_GONE] = {410, "gone"},
	[ERR_TOO_LARGE] = {413, "too_large"},
	[ERR_MEDIA_TYPE] = {415, "unsupported_media_type"},
	[ERR_INVALID] = {422, "invalid"},
	[ERR_LOCKED] = {429, "locked"},
	[ERR_INTERNAL] = {500, "internal"},
	[ERR_UNAVAILABLE] = {503, "unavailable"},
};

/* A cut at a byte limit may split a UTF-8 sequence at the end; drop the
 * partial sequence so the text stays valid (it ends up in JSON). */
static void err_utf8_trim(char *s)
{
	size_t n = strlen(s), i = n;
	while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0 || (unsigned char)s[i - 1] < 0x80)
		return;
	unsigned char lead = (unsigned char)s[i - 1];
	size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
	if (n - (i - 1) < want)
		s[i - 1] = '\0';
}

static void err_vfill(struct err *e, enum err_code code, const char *key,
		      const char *fmt, va_list ap)
{
	e->code = code;
	snprintf(e->key, sizeof e->key, "%s", key ? key : err_default_key(code));
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	err_utf8_trim(e->msg);
}

int err_set(struct err *e, enum err_code code, const char *key,
	    const char *fmt, ...)
{
	if (!e)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	err_vfill(e, code, key, fmt, ap);
	va_end(ap);
	e->field[0] = '\0';
	return -1;
}

static int err_vfield(struct err *e, enum err_code code, const char *key,
		      const char *field, const char *fmt, va_list ap)
{
	err_vfill(e, code, key, fmt, ap);
	snprintf(e->field, sizeof e->field, "%s", field);
	err_utf8_trim(e->field);
	return -1;
}

int err_field(struct err *e, const char *field, const char *fmt, ...)
{
	if (!e)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	err_vfield(e, ERR_INVALID, "invalid_field", field, fmt, ap);
	va_end(ap);
	return -1;
}

int err_conflict(struct err *e, const char *field, const char *fmt, ...)
{
	if (!e)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	err_vfield(e, ERR_CONFLICT, "conflict", field, fmt, ap);
	va_end(ap);
	return -1;
}

void err_clear(struct err *e)
{
	if (e)
		memset(e, 0, sizeof *e);
}

int err_http_status(enum err_code code)
{
	if (code < 0 || code >= ERR_CODE_COUNT || !err_table[code].status)
		return 500;
	return err_table[code].status;
}

const char *err_default_key(enum err_code code)
{
	if (code < 0 || code >= ERR_CODE_COUNT || !err_table[code].key)
		return "internal";
	return err_table[code].key;
}
