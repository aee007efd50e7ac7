/* config.c — the table of settings and the parsers that fill them. */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#ifndef AKTE_RULES_DEFAULT
#define AKTE_RULES_DEFAULT "data"
#endif

enum config_type { CONFIG_STR, CONFIG_INT };

static const struct config_item {
	const char *name;
	enum config_type type;
	size_t offset;
	size_t size;
	const char *def;
	int64_t min, max;
	const char *doc;
} config_items[] = {
#define S(n, d, doc) {#n, CONFIG_STR, offsetof(struct config, n), sizeof(((struct config *)0)->n), d, 0, 0, doc}
#define I(n, d, lo, hi, doc) {#n, CONFIG_INT, offsetof(struct config, n), 0, d, lo, hi, doc}
	S(data, "", "Data directory (database, blobs, keys, spool); initialised when empty."),
	S(listen, "127.0.0.1:8080", "Address and port to listen on."),
	S(public_url, "", "Base URL used in links sent by mail and printed on letters (default: http://LISTEN)."),
	S(smtp_url, "", "SMTP server, e.g. smtp://127.0.0.1:25; empty writes mails to DATA/spool/mail/ as .eml files."),
	S(mail_from, "akte <noreply@localhost>", "Sender address of mails."),
	S(rules, AKTE_RULES_DEFAULT, "Directory with the rule tables (data/)."),
	S(log_level, "info", "debug, info, warn or error."),
	I(threads, "2", 1, 256, "Worker threads of the HTTP server."),
	I(session_idle, "900", 1, 86400, "Seconds a session may stay idle."),
	I(session_absolute, "43200", 1, 604800, "Seconds a session lives at most."),
	I(activation_ttl, "2592000", 60, 31536000, "Seconds an activation code stays valid."),
	I(device_confirm_ttl, "86400", 60, 604800, "Seconds a device confirmation link stays valid."),
	I(login_max_failures, "5", 1, 1000, "Failed logins per account within login_window before it is locked."),
	I(login_window, "900", 1, 86400, "Seconds over which failures count; also how long a lock lasts."),
	I(addr_max_failures, "50", 1, 100000, "Failed logins per client address within login_window before it is locked."),
	I(max_json_body, "65536", 1024, 16777216, "Largest JSON request body in bytes."),
	I(max_header, "32768", 4096, 1048576, "Memory per connection for the request line and headers, in bytes."),
	I(request_timeout, "30", 1, 3600, "Seconds an idle connection is kept."),
	I(outbox_retry_base, "5", 1, 3600, "Seconds before the first retry of a failed mail; doubles each attempt."),
	I(outbox_max_attempts, "12", 1, 100, "Attempts before a mail is given up."),
	I(orphan_age, "3600", 0, 604800, "Seconds before an unreferenced blob file is removed by the sweep."),
	I(max_upload, "2147483648", 1, 1099511627776, "Largest uploaded document in bytes."),
	I(audit_retention_days, "1095", 1, 36500, "Days audit log entries are kept before the sweep prunes them."),
#undef S
#undef I
};

#define CONFIG_N (sizeof config_items / sizeof config_items[0])

static const struct config_item *config_find(const char *name)
{
	for (size_t i = 0; i < CONFIG_N; i++)
		if (strcmp(config_items[i].name, name) == 0)
			return &config_items[i];
	return NULL;
}

int config_set(struct config *c, const char *name, const char *value,
	       struct err *e)
{
	const struct config_item *it = config_find(name);
	if (!it)
		return err_set(e, ERR_INVALID, "config", "unknown setting '%s'", name);
	char *field = (char *)c + it->offset;
	if (it->type == CONFIG_STR) {
		if (strlen(value) >= it->size)
			return err_set(e, ERR_INVALID, "config", "setting '%s' is too long", name);
		memcpy(field, value, strlen(value) + 1);
		return 0;
	}
	char *end;
	errno = 0;
	long long v = strtoll(value, &end, 10);
	if (errno || end == value || *end || v < it->min || v > it->max)
		return err_set(e, ERR_INVALID, "config",
			       "setting '%s' must be a whole number from %lld to %lld",
			       name, (long long)it->min, (long long)it->max);
	*(int64_t *)(void *)field = v;
	return 0;
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < CONFIG_N; i++)
		config_set(c, config_items[i].name, config_items[i].def, NULL);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int config_load_file(struct config *c, const char *path, struct err *e)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(e, ERR_INVALID, "config", "cannot read config file %s", path);
	char line[1024];
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			rc = err_set(e, ERR_INVALID, "config", "%s:%d: expected name = value", path, lineno);
			break;
		}
		*eq = '\0';
		if (config_set(c, trim(s), trim(eq + 1), e) < 0) {
			rc = -1;
			break;
		}
	}
	fclose(f);
	return rc;
}

/* "session_idle" -> "AKTE_SESSION_IDLE" */
static void config_env_name(const char *name, char env[64])
{
	size_t k = 0;
	for (const char *p = "AKTE_"; *p; p++)
		env[k++] = *p;
	for (const char *p = name; *p && k < 63; p++)
		env[k++] = (char)toupper((unsigned char)*p);
	env[k] = '\0';
}

int config_load_env(struct config *c, struct err *e)
{
	for (size_t i = 0; i < CONFIG_N; i++) {
		char env[64];
		config_env_name(config_items[i].name, env);
		const char *v = getenv(env);
		if (v && config_set(c, config_items[i].name, v, e) < 0)
			return -1;
	}
	return 0;
}

void config_finish(struct config *c)
{
	if (!c->public_url[0]) {
		/* listen is shorter than public_url's room less "http://". */
		memcpy(c->public_url, "http://", 7);
		snprintf(c->public_url + 7, sizeof c->public_url - 7, "%.*s",
			 (int)(sizeof c->public_url - 8), c->listen);
	}
	size_t n = strlen(c->public_url);
	while (n > 0 && c->public_url[n - 1] == '/')
		c->public_url[--n] = '\0';
}

void config_print_reference(FILE *out)
{
	fprintf(out, "| setting | environment | default | meaning |\n| --- | --- | --- | --- |\n");
	for (size_t i = 0; i < CONFIG_N; i++) {
		char env[64];
		config_env_name(config_items[i].name, env);
		fprintf(out, "| `%s` | `%s` | `%s` | %s |\n", config_items[i].name, env,
			config_items[i].def, config_items[i].doc);
	}
}
