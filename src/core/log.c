/* log.c — see log.h. A single fputs per line keeps lines from different
 * threads whole (stdio locks the stream per call). */
#include "core/log.h"

#include "core/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static enum log_level log_min = LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level min)
{
	log_min = min;
}

void log_event(enum log_level level, const char *event, json_t *fields)
{
	if (level < log_min) {
		json_decref(fields);
		return;
	}
	char ts[CLOCK_RFC3339_LEN];
	clock_rfc3339(clock_now(), ts);
	json_t *line = json_object();
	json_object_set_new(line, "ts", json_string(ts));
	json_object_set_new(line, "level", json_string(level_names[level]));
	json_object_set_new(line, "event", json_string(event));
	if (fields)
		json_object_update(line, fields);
	json_decref(fields);
	char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(line);
	if (text) {
		fprintf(stderr, "%s\n", text);
		free(text);
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_event(level, "message", json_pack("{s:s}", "msg", msg));
}
