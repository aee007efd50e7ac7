/* out.h — how the client speaks: a person reads sentences, a script reads
 * exactly one JSON object on stdout (--json). Every verb ends through
 * out_ok / out_fail / out_usage so the two forms cannot drift apart. */
#ifndef AKTE_CLI_OUT_H
#define AKTE_CLI_OUT_H

#include "cli/cli.h"
#include "core/err.h"

#include <jansson.h>
#include <stdio.h>

/* Where running commentary goes (QR codes, hints): stdout for people,
 * stderr under --json so that stdout stays one JSON object. */
FILE *out_human(const struct cli *c);

/* Under --json print obj (taken, may be NULL) as one line on stdout;
 * otherwise drop it. Returns CLI_OK. */
int out_ok(const struct cli *c, json_t *obj);

/* Report e: {"error":{"code","message"[,"field"][,"retry_after"]}} on stdout
 * under --json, "akte: message" on stderr otherwise. Returns CLI_FAIL. */
int out_fail(const struct cli *c, const struct err *e);

/* A usage error: the message and the usage text on stderr (and the JSON
 * error under --json). Returns CLI_USAGE. */
int out_usage(const struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Replace e's message, keeping its code, key, field and retry_after: for
 * saying what a server's refusal means to the person at hand. */
void out_reword(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
