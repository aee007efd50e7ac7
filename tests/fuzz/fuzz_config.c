/* fuzz_config.c — the settings parsers of src/core/config.c:
 * config_load_file() on the input written to a temporary file, then
 * config_finish(); and config_set() on the input split at its first '='
 * into name and value (the same split an environment variable or a
 * "--name=value" flag gives).
 *
 * Invariants beyond "no crash":
 *   - after loading (whether it succeeded or not) every string setting is
 *     NUL-terminated inside its array, and the whole config is a fixed
 *     point: setting each setting again from its current value succeeds and
 *     changes nothing (so no loaded value is out of its range or too long);
 *   - config_finish() leaves public_url non-empty, NUL-terminated and
 *     without a trailing '/';
 *   - a failed config_load_file()/config_set() reports ERR_INVALID with a
 *     NUL-terminated message;
 *   - a successful config_set() of a string stores exactly the value; of a
 *     number, the value as strtoll reads it. */
#include "core/config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_check.h"


/* Mirror of struct config's members (the names config_set takes).
 * LLVMFuzzerInitialize checks it is complete: its sizes add up to
 * sizeof(struct config) and it names every setting config_print_reference()
 * lists, so a new setting fails here until it is added. */
#define STR(n) {#n, 1, offsetof(struct config, n), sizeof(((struct config *)0)->n)}
#define INT(n) {#n, 0, offsetof(struct config, n), sizeof(int64_t)}
static const struct {
	const char *name;
	int is_str;
	size_t off, size;
} items[] = {
	STR(data), STR(listen), STR(public_url), STR(smtp_url), STR(mail_from),
	STR(rules), STR(log_level),
	INT(threads), INT(session_idle), INT(session_absolute), INT(activation_ttl),
	INT(device_confirm_ttl), INT(login_max_failures), INT(login_window),
	INT(addr_max_failures), INT(max_json_body), INT(max_header),
	INT(request_timeout), INT(outbox_retry_base), INT(outbox_max_attempts),
	INT(orphan_age), INT(max_upload), INT(audit_retention_days),
};
#define NITEMS (sizeof items / sizeof items[0])

static char tmp_path[256];

static void cleanup(void)
{
	if (tmp_path[0])
		unlink(tmp_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(tmp_path, sizeof tmp_path, "%s/akte-fuzz-config-XXXXXX", dir);
	int fd = mkstemp(tmp_path);
	if (fd < 0) {
		perror("fuzz_config: mkstemp");
		exit(1);
	}
	close(fd);
	atexit(cleanup);

	size_t sum = 0;
	for (size_t i = 0; i < NITEMS; i++)
		sum += items[i].size;
	char *ref = NULL;
	size_t reflen = 0;
	FILE *m = open_memstream(&ref, &reflen);
	CHECK(m);
	config_print_reference(m);
	CHECK(fclose(m) == 0);
	size_t listed = 0;
	for (char *line = strtok(ref, "\n"); line; line = strtok(NULL, "\n")) {
		char name[64];
		if (sscanf(line, "| `%63[^`]`", name) != 1)
			continue;
		listed++;
		size_t i = 0;
		while (i < NITEMS && strcmp(items[i].name, name) != 0)
			i++;
		if (i == NITEMS) {
			fprintf(stderr, "fuzz_config: setting '%s' is missing from items[]\n", name);
			exit(1);
		}
	}
	free(ref);
	if (sum != sizeof(struct config) || listed != NITEMS) {
		fprintf(stderr, "fuzz_config: items[] does not match struct config "
			"(%zu of %zu bytes, %zu of %zu settings); update it\n",
			sum, sizeof(struct config), (size_t)NITEMS, listed);
		exit(1);
	}
	return 0;
}

static void check_fixed_point(const struct config *c)
{
	for (size_t i = 0; i < NITEMS; i++) {
		const char *field = (const char *)c + items[i].off;
		struct config c2 = *c;
		struct err e;
		err_clear(&e);
		if (items[i].is_str) {
			CHECK(memchr(field, '\0', items[i].size) != NULL);
			char v[CONFIG_STR_MAX];
			memcpy(v, field, strlen(field) + 1);
			CHECK(config_set(&c2, items[i].name, v, &e) == 0);
		} else {
			int64_t x;
			memcpy(&x, field, sizeof x);
			char v[32];
			snprintf(v, sizeof v, "%lld", (long long)x);
			if (config_set(&c2, items[i].name, v, &e) != 0) {
				fprintf(stderr, "%s = %s refused: %s\n", items[i].name, v, e.msg);
				CHECK(!"a loaded value is refused by config_set");
			}
		}
		CHECK(memcmp(&c2, c, sizeof c2) == 0);
	}
}

static void fuzz_file(const uint8_t *data, size_t size)
{
	FILE *f = fopen(tmp_path, "wb");
	CHECK(f);
	CHECK(fwrite(data, 1, size, f) == size);
	CHECK(fclose(f) == 0);

	struct config c;
	config_defaults(&c);
	check_fixed_point(&c);
	struct err e;
	err_clear(&e);
	int rc = config_load_file(&c, tmp_path, &e);
	CHECK(rc == 0 || rc == -1);
	if (rc < 0) {
		CHECK(e.code == ERR_INVALID);
		CHECK(memchr(e.msg, '\0', sizeof e.msg) != NULL);
	}
	check_fixed_point(&c);
	config_finish(&c);
	size_t n = strnlen(c.public_url, sizeof c.public_url);
	CHECK(n < sizeof c.public_url);
	CHECK(n == 0 || c.public_url[n - 1] != '/');
}

static void fuzz_set(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	CHECK(s);
	memcpy(s, data, size);
	s[size] = '\0';
	char *eq = strchr(s, '=');
	const char *name = s, *value = "";
	if (eq) {
		*eq = '\0';
		value = eq + 1;
	}
	struct config c;
	config_defaults(&c);
	struct err e;
	err_clear(&e);
	int rc = config_set(&c, name, value, &e);
	CHECK(rc == 0 || rc == -1);
	size_t i = 0;
	while (i < NITEMS && strcmp(items[i].name, name) != 0)
		i++;
	if (rc < 0) {
		CHECK(e.code == ERR_INVALID);
		CHECK(memchr(e.msg, '\0', sizeof e.msg) != NULL);
	} else {
		CHECK(i < NITEMS); /* only known names are accepted */
		const char *field = (const char *)&c + items[i].off;
		if (items[i].is_str) {
			CHECK(strcmp(field, value) == 0);
		} else {
			char *end;
			errno = 0;
			long long want = strtoll(value, &end, 10);
			CHECK(errno == 0 && end != value && *end == '\0');
			int64_t x;
			memcpy(&x, field, sizeof x);
			CHECK(x == want);
		}
	}
	check_fixed_point(&c);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_file(data, size);
	fuzz_set(data, size);
	return 0;
}
