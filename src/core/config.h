/* config.h — every server setting, with its default, its environment name
 * (AKTE_<NAME>) and its config-file key (<name> = value).
 *
 * Precedence, lowest first: built-in default, config file, environment,
 * command-line flag. The table in config.c is the single list of settings;
 * `akted config-reference` prints it for the README. */
#ifndef AKTE_CORE_CONFIG_H
#define AKTE_CORE_CONFIG_H

#include "core/err.h"

#include <stdint.h>
#include <stdio.h>

#define CONFIG_STR_MAX 512

struct config {
	char data[CONFIG_STR_MAX];        /* data directory */
	char listen[CONFIG_STR_MAX];      /* host:port */
	char public_url[CONFIG_STR_MAX];  /* base of links in mails and letters */
	char smtp_url[CONFIG_STR_MAX];    /* smtp://host:port; empty = spool */
	char mail_from[CONFIG_STR_MAX];
	char rules[CONFIG_STR_MAX];       /* directory of data/ rule tables */
	char log_level[16];
	int64_t threads;
	int64_t session_idle;             /* seconds */
	int64_t session_absolute;         /* seconds */
	int64_t activation_ttl;           /* seconds */
	int64_t device_confirm_ttl;       /* seconds */
	int64_t login_max_failures;       /* per account within login_window */
	int64_t login_window;             /* seconds; also the lock duration */
	int64_t addr_max_failures;        /* per client address within login_window */
	int64_t max_json_body;            /* bytes */
	int64_t max_header;               /* bytes of memory per connection */
	int64_t request_timeout;          /* seconds of idle connection */
	int64_t outbox_retry_base;        /* seconds before the first retry */
	int64_t outbox_max_attempts;
	int64_t orphan_age;               /* seconds before an unreferenced blob is swept */
	int64_t max_upload;               /* bytes of one uploaded document */
	int64_t audit_retention_days;
};

/* Fill with built-in defaults. */
void config_defaults(struct config *c);
/* Set one setting by its name ("session_idle"); 0 ok, -1 unknown or bad. */
int config_set(struct config *c, const char *name, const char *value,
	       struct err *e);
/* Read "name = value" lines ('#' comments). */
int config_load_file(struct config *c, const char *path, struct err *e);
/* Apply every AKTE_<NAME> variable that is set. */
int config_load_env(struct config *c, struct err *e);
/* Derive settings that depend on others (public_url from listen). */
void config_finish(struct config *c);
/* Markdown table of all settings. */
void config_print_reference(FILE *out);

#endif
