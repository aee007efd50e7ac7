/* validate.h — field checks shared by every domain operation that takes
 * input from people: each failure is ERR_INVALID naming the field. */
#ifndef AKTE_DOMAIN_VALIDATE_H
#define AKTE_DOMAIN_VALIDATE_H

#include "core/err.h"

#include <stddef.h>

/* Valid UTF-8, no control characters, min..max bytes (after the caller
 * trimmed nothing: leading/trailing spaces are refused too). */
int validate_text(const char *s, const char *field, size_t min, size_t max, struct err *e);
/* A plain address: local@domain.tld, ASCII, at most 254 bytes. */
int validate_email(const char *s, const char *field, struct err *e);
/* YYYY-MM-DD, a real date, not in the future, not before 1900. */
int validate_birth_date(const char *s, const char *field, struct err *e);
/* "+" and 6..15 digits, spaces allowed between. */
int validate_phone(const char *s, const char *field, struct err *e);
/* One of a NULL-terminated list. */
int validate_one_of(const char *s, const char *field, const char *const *allowed, struct err *e);

#endif
