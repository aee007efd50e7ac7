/* fuzz_kvnr.c — kvnr_check() (src/domain/kvnr.c) on the input as a
 * NUL-terminated string (exact-size heap copy). The rules are loaded once
 * from $AKTE_RULES, else the repository's data/ (AKTE_RULES_DEFAULT).
 *
 * Invariants beyond "no crash":
 *   - the result is 0 or -1; on -1 the error is ERR_INVALID on field "kvnr";
 *   - an accepted number has the loaded format: with the repository's rules
 *     one capital letter and nine digits, 10 characters;
 *   - the check digit is unique: replacing the last digit of an accepted
 *     number by any other digit is refused;
 *   - differential: when the rules are the repository's, acceptance equals
 *     an independent implementation of the rule in data/kvnr.json (letter as
 *     two digits A=01, weights 1-2-1-2..., cross sums, modulo 10). */
#include "domain/kvnr.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

#ifndef AKTE_RULES_DEFAULT
#define AKTE_RULES_DEFAULT "data"
#endif


static int repo_rules; /* the reference below applies */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *dir = getenv("AKTE_RULES");
	repo_rules = !dir || !*dir;
	if (repo_rules)
		dir = AKTE_RULES_DEFAULT;
	struct err e;
	err_clear(&e);
	if (kvnr_rules_load(dir, &e) < 0) {
		fprintf(stderr, "fuzz_kvnr: cannot load KVNR rules from %s: %s\n", dir, e.msg);
		exit(1);
	}
	return 0;
}

/* The rule of data/kvnr.json, written independently of kvnr.c. */
static int reference_ok(const char *s)
{
	if (strlen(s) != 10 || s[0] < 'A' || s[0] > 'Z')
		return 0;
	for (int i = 1; i < 10; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	int letter = s[0] - 'A' + 1;
	int seq[10] = {letter / 10, letter % 10};
	for (int i = 0; i < 8; i++)
		seq[2 + i] = s[1 + i] - '0';
	int sum = 0;
	for (int i = 0; i < 10; i++) {
		int p = seq[i] * (i % 2 ? 2 : 1);
		sum += p / 10 + p % 10;
	}
	return sum % 10 == s[9] - '0';
}

static int check(const char *s)
{
	struct err e;
	err_clear(&e);
	int rc = kvnr_check(s, &e);
	CHECK(rc == 0 || rc == -1);
	if (rc < 0) {
		CHECK(e.code == ERR_INVALID);
		CHECK(strcmp(e.field, "kvnr") == 0);
		CHECK(e.msg[0] != '\0');
	} else {
		CHECK(e.code == ERR_OK);
	}
	return rc == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	int ok = check(s);
	if (repo_rules)
		CHECK(ok == reference_ok(s));
	if (ok) {
		size_t n = strlen(s);
		CHECK(n >= 2 && n <= 32);
		char last = s[n - 1];
		CHECK(last >= '0' && last <= '9');
		if (repo_rules) {
			CHECK(n == 10 && s[0] >= 'A' && s[0] <= 'Z');
		}
		for (char d = '0'; d <= '9'; d++) {
			if (d == last)
				continue;
			s[n - 1] = d;
			CHECK(!check(s));
		}
		s[n - 1] = last;
	}
	free(s);
	return 0;
}
