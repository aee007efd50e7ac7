/* log.h — one JSON object per line on stderr.
 *
 * Callers pass fields as a jansson object; the log adds "ts" and "level".
 * Never pass secrets (passwords, tokens, codes, keys) or medical data: the
 * log is read by people who run the server, not by patients. */
#ifndef AKTE_CORE_LOG_H
#define AKTE_CORE_LOG_H

#include <jansson.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level min);
/* Takes ownership of fields (may be NULL). */
void log_event(enum log_level level, const char *event, json_t *fields);
/* Shorthand for a message without structured fields. */
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
