/* test_kvnr.c — unit tests of domain/kvnr.c with the rule file
 * data/kvnr.json: valid numbers (worked by hand below), format errors and
 * check-digit errors told apart, and rule files that must not load. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "domain/kvnr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *rules_dir(void)
{
	const char *dir = getenv("AKTE_RULES");
	return dir ? dir : AKTE_RULES_DEFAULT;
}

static int setup(void **state)
{
	struct err e = {0};

	(void)state;
	if (kvnr_rules_load(rules_dir(), &e) < 0) {
		print_error("kvnr_rules_load: %s\n", e.msg);
		return -1;
	}
	return 0;
}

/* Worked examples of the rule (letter as two digits, weights 1 2 1 2 ...,
 * cross sum of each product, sum mod 10):
 *   A123456780: 0 1 1 2 3 4 5 6 7 8 -> 0 2 1 4 3 8 5 12 7 16
 *               -> 0+2+1+4+3+8+5+3+7+7 = 40 -> 0
 *   Z987654321: 2 6 9 8 7 6 5 4 3 2 -> 2 12 9 16 7 12 5 8 3 4
 *               -> 2+3+9+7+7+3+5+8+3+4 = 51 -> 1
 *   A000500015: 0 1 0 0 0 5 0 0 0 1 -> 0 2 0 0 0 10 0 0 0 2 -> 5
 *   X110411675: 2 4 1 1 0 4 1 1 6 7 -> 2 8 1 2 0 8 1 2 6 14 -> 35 -> 5 */
static void test_valid(void **state)
{
	static const char *const ok[] = {
		"A123456780", "Z987654321", "A000500015", "X110411675",
		"M417258905", "B000000004", "T560127833", "K284160372",
		"Q000000018",
	};
	struct err e = {0};

	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		if (kvnr_check(ok[i], &e) != 0)
			fail_msg("%s refused: %s", ok[i], e.msg);
	}
}

static void expect(const char *kvnr, const char *why)
{
	struct err e = {0};

	if (kvnr_check(kvnr, &e) != -1)
		fail_msg("%s accepted", kvnr ? kvnr : "(null)");
	assert_int_equal(e.code, ERR_INVALID);
	assert_string_equal(e.field, "kvnr");
	if (!strstr(e.msg, why))
		fail_msg("%s: \"%s\" does not say \"%s\"", kvnr, e.msg, why);
}

static void test_check_digit(void **state)
{
	(void)state;
	/* every wrong last digit of a valid number */
	char s[] = "A123456780";
	for (char d = '1'; d <= '9'; d++) {
		s[9] = d;
		expect(s, "check digit");
	}
	expect("Z987654320", "check digit");
	/* swapped neighbours (the weights catch most transpositions) */
	expect("A213456780", "check digit");
	/* another letter, same digits */
	expect("B123456780", "check digit");
}

static void test_format(void **state)
{
	(void)state;
	expect("a123456780", "must be 10 characters");   /* lower case */
	expect("A12345678", "must be 10 characters");    /* short */
	expect("A1234567800", "must be 10 characters");  /* long */
	expect("1123456780", "must be 10 characters");   /* no letter */
	expect("AB23456780", "must be 10 characters");   /* two letters */
	expect("A12345678X", "must be 10 characters");   /* letter as check */
	expect("A 12345678", "must be 10 characters");   /* space */
	expect(" A123456780", "must be 10 characters");
	expect("A123456780\n", "must be 10 characters");
	expect("\xc3\x84" "12345678", "must be 10 characters"); /* Ä */
	expect("", "must be 10 characters");
	expect(NULL, "must be 10 characters");
}

/* Writes a kvnr.json into a fresh directory and tries to load it. */
static int load_text(const char *json)
{
	char dir[] = "/tmp/akte-test-kvnr-XXXXXX", path[64];
	struct err e = {0};
	FILE *f;
	int rc;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/kvnr.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(json, f) >= 0);
	assert_int_equal(fclose(f), 0);
	rc = kvnr_rules_load(dir, &e);
	if (rc < 0)
		assert_int_equal(e.code, ERR_INTERNAL);
	unlink(path);
	rmdir(dir);
	return rc;
}

#define RULE(weights, example) \
	"{\"format\":{\"length\":10,\"letters\":1,\"digits\":9}," \
	"\"check_digit\":{\"letter_first\":1,\"letter_width\":2," \
	"\"weights\":" weights ",\"modulus\":10}," \
	"\"examples\":{\"valid\":[\"" example "\"]}}"

static void test_bad_rules(void **state)
{
	struct err e = {0};

	(void)state;
	assert_int_equal(kvnr_rules_load("/nonexistent-akte-rules", &e), -1);
	assert_int_equal(load_text("{"), -1);
	assert_int_equal(load_text("{}"), -1);
	/* nine weights for a ten-digit sequence */
	assert_int_equal(load_text(RULE("[1,2,1,2,1,2,1,2,1]", "A123456780")), -1);
	/* an example the rule refutes */
	assert_int_equal(load_text(RULE("[1,2,1,2,1,2,1,2,1,2]", "A123456781")), -1);
	/* weights out of range */
	assert_int_equal(load_text(RULE("[1,2,1,2,1,2,1,2,1,20]", "A123456780")), -1);
	/* and the good one loads (which also restores the rules for the
	 * other tests, whatever order they run in) */
	assert_int_equal(load_text(RULE("[1,2,1,2,1,2,1,2,1,2]", "A123456780")), 0);
	assert_int_equal(kvnr_rules_load(rules_dir(), &e), 0);
	assert_int_equal(kvnr_check("A123456780", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_check_digit),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_bad_rules),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
