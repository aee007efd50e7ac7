/* test_password.c — unit tests of crypto/password.c: the rules for a new
 * password (length in characters, byte limit, UTF-8, the common list from
 * data/common-passwords.txt) and Argon2id hashing and verification. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "crypto/password.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static int setup(void **state)
{
	struct err e = {0};
	const char *dir = getenv("AKTE_RULES");

	(void)state;
	if (sodium_init() < 0)
		return -1;
	if (!dir)
		dir = AKTE_RULES_DEFAULT;
	if (password_rules_load(dir, &e) < 0) {
		print_error("password_rules_load: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static void expect_refused(const char *pw, const char *why)
{
	struct err e = {0};

	assert_int_equal(password_check_new(pw, &e), -1);
	assert_int_equal(e.code, ERR_INVALID);
	assert_string_equal(e.field, "password");
	assert_non_null(strstr(e.msg, why));
}

static void test_length(void **state)
{
	(void)state;
	expect_refused("", "at least 10 characters");
	expect_refused("kurz", "at least 10 characters");
	expect_refused("Ab3$efgh9", "at least 10 characters"); /* 9 */
	assert_int_equal(password_check_new("Ab3$efgh9x", NULL), 0); /* 10 */
	expect_refused(NULL, "missing");
}

static void test_utf8_counts_characters(void **state)
{
	(void)state;
	/* "Müßiggänge" is 10 characters but 13 bytes: accepted. */
	assert_int_equal(password_check_new("M\xc3\xbc\xc3\x9figg\xc3\xa4nge", NULL), 0);
	/* "äöüäöü" + "ßß" is 8 characters in 16 bytes: too short, even
	 * though a byte count would let it pass. */
	expect_refused("\xc3\xa4\xc3\xb6\xc3\xbc\xc3\xa4\xc3\xb6\xc3\xbc\xc3\x9f\xc3\x9f",
		       "at least 10 characters");
	/* four emoji (4 bytes each) and five letters: 9 characters */
	expect_refused("\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
		       "\xf0\x9f\x98\x80" "abcde",
		       "at least 10 characters");
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	expect_refused("abcdefghij\xff", "UTF-8");
	expect_refused("abcdefghij\xc3", "UTF-8");           /* truncated */
	expect_refused("abcdefghij\xc3\x28", "UTF-8");       /* bad continuation */
	expect_refused("abcdefghij\xc0\xaf", "UTF-8");       /* overlong '/' */
	expect_refused("abcdefghij\xe0\x80\xaf", "UTF-8");   /* overlong */
	expect_refused("abcdefghij\xed\xa0\x80", "UTF-8");   /* surrogate */
	expect_refused("abcdefghij\xf4\x90\x80\x80", "UTF-8"); /* > U+10FFFF */
	expect_refused("abcdefghij\x80", "UTF-8");           /* lone continuation */
}

static void test_too_long(void **state)
{
	char *pw = malloc(PASSWORD_MAX_BYTES + 2);

	(void)state;
	assert_non_null(pw);
	memset(pw, 'x', PASSWORD_MAX_BYTES);
	pw[PASSWORD_MAX_BYTES] = '\0';
	assert_int_equal(password_check_new(pw, NULL), 0);
	pw[PASSWORD_MAX_BYTES] = 'x';
	pw[PASSWORD_MAX_BYTES + 1] = '\0';
	expect_refused(pw, "at most 1024 bytes");
	free(pw);
}

static void test_common(void **state)
{
	(void)state;
	expect_refused("1234567890", "common");
	expect_refused("qwertzuiop", "common");
	expect_refused("passwort123", "common");
	expect_refused("Passwort123", "common");
	expect_refused("PASSWORT123", "common");
	expect_refused("hallo12345", "common");
	expect_refused("1q2w3e4r5t", "common");
	expect_refused("Password123", "common");
	expect_refused("IchLiebeDich", "common");
	/* not on the list */
	assert_int_equal(password_check_new("korrekt Pferd Batterie", NULL), 0);
	assert_int_equal(password_check_new("passwort123x", NULL), 0);
	/* case folding is ASCII only, and non-ASCII entries still match */
	expect_refused("Fu\xc3\x9f" "ball123", "common");
	expect_refused("qwertzuiop\xc3\xbc", "common");
}

static void test_hash_verify(void **state)
{
	char h[PASSWORD_HASH_LEN], h2[PASSWORD_HASH_LEN];
	struct err e = {0};

	(void)state;
	assert_int_equal(password_hash("Schwarzwälder Kirschtorte", h, &e), 0);
	assert_true(strncmp(h, "$argon2id$", 10) == 0);
	assert_int_equal(password_verify(h, "Schwarzwälder Kirschtorte"), 1);
	assert_int_equal(password_verify(h, "Schwarzwälder Kirschtorte "), 0);
	assert_int_equal(password_verify(h, "schwarzwälder Kirschtorte"), 0);
	assert_int_equal(password_verify(h, ""), 0);
	assert_int_equal(password_verify(h, NULL), 0);
	/* salted: the same password hashes differently */
	assert_int_equal(password_hash("Schwarzwälder Kirschtorte", h2, &e), 0);
	assert_string_not_equal(h, h2);
	assert_int_equal(password_verify(h2, "Schwarzwälder Kirschtorte"), 1);
}

static void test_malformed_hash(void **state)
{
	char h[PASSWORD_HASH_LEN];

	(void)state;
	assert_int_equal(password_verify("", "irgendwas123"), 0);
	assert_int_equal(password_verify("not a hash", "irgendwas123"), 0);
	assert_int_equal(password_verify("$argon2id$v=19$m=65536,t=2,p=1$", "x"), 0);
	assert_int_equal(password_verify(NULL, "irgendwas123"), 0);
	/* a hash that fills its buffer without a terminator */
	memset(h, 'a', sizeof h);
	assert_int_equal(password_verify(h, "irgendwas123"), 0);
	/* a real hash with one character changed */
	assert_int_equal(password_hash("irgendwas123", h, NULL), 0);
	size_t n = strlen(h);
	h[n - 1] = h[n - 1] == 'A' ? 'B' : 'A';
	assert_int_equal(password_verify(h, "irgendwas123"), 0);
}

static void test_dummy(void **state)
{
	(void)state;
	assert_int_equal(password_verify_dummy("irgendwas123"), 0);
	assert_int_equal(password_verify_dummy(""), 0);
	assert_int_equal(password_verify_dummy(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_utf8_counts_characters),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_common),
		cmocka_unit_test(test_hash_verify),
		cmocka_unit_test(test_malformed_hash),
		cmocka_unit_test(test_dummy),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
