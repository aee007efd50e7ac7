/* log.c — see log.h. Each line goes out in one write(2): lines from
 * different threads stay whole (writes of a line this size to a pipe or
 * file are not interleaved) and no thread waits on stdio's stream lock,
 * which showed up in profiles of the request log. */
#include "core/log.h"

#include "core/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
		size_t n = strlen(text);
		text[n++] = '\n'; /* over the NUL: write() takes a length */
		for (size_t off = 0; off < n;) {
			ssize_t w = write(STDERR_FILENO, text + off, n - off);
			if (w <= 0)
				break; /* nowhere to report a failing log */
			off += (size_t)w;
		}
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
