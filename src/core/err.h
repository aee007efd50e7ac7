/* err.h — the one error type that travels up from every layer.
 *
 * A function that can fail returns a negative int (or NULL) and fills an
 * optional `struct err`. Only the api layer turns an err into an HTTP status
 * and a JSON body (see http/reply.c), through the table in err.c, as curl
 * maps CURLcode to text in one place. */
#ifndef AKTE_CORE_ERR_H
#define AKTE_CORE_ERR_H

#include <stdarg.h>

enum err_code {
	ERR_OK = 0,
	ERR_MALFORMED,      /* 400: the request cannot be parsed */
	ERR_UNAUTHENTICATED,/* 401: no or bad session / credentials */
	ERR_FORBIDDEN,      /* 403: known but not allowed */
	ERR_NOT_FOUND,      /* 404: unknown or not visible to you */
	ERR_METHOD,         /* 405 */
	ERR_CONFLICT,       /* 409 */
	ERR_GONE,           /* 410: expired or used */
	ERR_TOO_LARGE,      /* 413 */
	ERR_MEDIA_TYPE,     /* 415 */
	ERR_INVALID,        /* 422: a field is invalid; err.field names it */
	ERR_LOCKED,         /* 429: locked or rate-limited */
	ERR_INTERNAL,       /* 500 */
	ERR_UNAVAILABLE,    /* 503 */
	ERR_CODE_COUNT
};

struct err {
	enum err_code code;
	char key[48];    /* machine-readable code, e.g. "device_unconfirmed" */
	char field[48];  /* for ERR_INVALID: the field at fault, else "" */
	char msg[256];   /* human-readable, English; never holds secrets */
	int retry_after; /* seconds, for ERR_LOCKED; 0 when unknown */
};

/* Fill e (if not NULL) and return -1, so callers can `return err_set(...)`.
 * key may be NULL: the default key of the code is used. */
int err_set(struct err *e, enum err_code code, const char *key,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Like err_set for ERR_INVALID, naming the field. */
int err_field(struct err *e, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A conflict (409) with existing data, naming the field that collides. */
int err_conflict(struct err *e, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void err_clear(struct err *e);

/* HTTP status and default machine key for a code. */
int err_http_status(enum err_code code);
const char *err_default_key(enum err_code code);

#endif
