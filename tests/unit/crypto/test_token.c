/* test_token.c — unit tests of crypto/token.c: lengths and alphabets of ids,
 * tokens and codes, canonical-form checks, and the forgiving parsing of
 * typed codes (case, dashes, spaces, I/L/O, refused U, length limits). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "crypto/token.h"

#include <sodium.h>
#include <string.h>

static int setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static void test_id(void **state)
{
	char a[TOKEN_ID_LEN + 1], b[TOKEN_ID_LEN + 1];

	(void)state;
	token_id(a);
	token_id(b);
	assert_int_equal(strlen(a), TOKEN_ID_LEN);
	assert_true(token_id_is_wellformed(a));
	assert_string_not_equal(a, b);
	for (size_t i = 0; i < TOKEN_ID_LEN; i++)
		assert_non_null(strchr("0123456789abcdefghjkmnpqrstvwxyz", a[i]));
	/* An id is not a token and the other way round. */
	assert_false(token_is_wellformed(a));
}

static void test_id_wellformed(void **state)
{
	(void)state;
	assert_true(token_id_is_wellformed("0123456789abcdefghjkmnpqr0"));
	/* last character carries 3 bits: low two bits must be zero */
	assert_false(token_id_is_wellformed("0123456789abcdefghjkmnpqr1"));
	assert_false(token_id_is_wellformed("0123456789ABCDEFGHJKMNPQR0"));
	assert_false(token_id_is_wellformed("0123456789abcdefghjkmnpqi0"));
	assert_false(token_id_is_wellformed("0123456789abcdefghjkmnpq0"));
	assert_false(token_id_is_wellformed("0123456789abcdefghjkmnpqr00"));
	assert_false(token_id_is_wellformed(""));
	assert_false(token_id_is_wellformed(NULL));
}

static void test_token(void **state)
{
	char a[TOKEN_LEN + 1], b[TOKEN_LEN + 1];

	(void)state;
	for (int i = 0; i < 200; i++) {
		token_new(a);
		assert_int_equal(strlen(a), TOKEN_LEN);
		assert_true(token_is_wellformed(a));
	}
	token_new(b);
	assert_string_not_equal(a, b);
	assert_false(token_id_is_wellformed(a));
}

static void test_token_wellformed(void **state)
{
	char t[TOKEN_LEN + 2];

	(void)state;
	memset(t, 'A', TOKEN_LEN);
	t[TOKEN_LEN] = '\0';
	assert_true(token_is_wellformed(t));
	t[3] = '-';
	t[4] = '_';
	assert_true(token_is_wellformed(t));
	t[5] = '+'; /* base64, not base64url */
	assert_false(token_is_wellformed(t));
	t[5] = '=';
	assert_false(token_is_wellformed(t));
	t[5] = 'A';
	t[TOKEN_LEN - 1] = 'B'; /* non-zero padding bits */
	assert_false(token_is_wellformed(t));
	t[TOKEN_LEN - 1] = 'E';
	assert_true(token_is_wellformed(t));
	t[TOKEN_LEN] = 'A';
	t[TOKEN_LEN + 1] = '\0';
	assert_false(token_is_wellformed(t));
	t[TOKEN_LEN - 1] = '\0';
	assert_false(token_is_wellformed(t));
	assert_false(token_is_wellformed(NULL));
}

static void test_code(void **state)
{
	char c[TOKEN_CODE_LEN + 1], n[TOKEN_CODE_CHARS + 1];

	(void)state;
	assert_int_equal(TOKEN_CODE_LEN, 24);
	for (int k = 0; k < 100; k++) {
		token_code(c);
		assert_int_equal(strlen(c), TOKEN_CODE_LEN);
		for (int i = 0; i < TOKEN_CODE_LEN; i++) {
			if (i % 5 == 4)
				assert_int_equal(c[i], '-');
			else
				assert_non_null(strchr(
					"0123456789ABCDEFGHJKMNPQRSTVWXYZ", c[i]));
		}
		/* What we print, we read back. */
		assert_int_equal(token_code_normalize(c, n), 0);
		assert_int_equal(strlen(n), TOKEN_CODE_CHARS);
	}
}

static void test_code_normalize(void **state)
{
	char n[TOKEN_CODE_CHARS + 1];

	(void)state;
	assert_int_equal(token_code_normalize("7KQ2-M9XD-4HRT-0VJW-C3NP", n), 0);
	assert_string_equal(n, "7KQ2M9XD4HRT0VJWC3NP");
	/* lower case, spaces instead of dashes, no separators at all */
	assert_int_equal(token_code_normalize("7kq2 m9xd 4hrt 0vjw c3np", n), 0);
	assert_string_equal(n, "7KQ2M9XD4HRT0VJWC3NP");
	assert_int_equal(token_code_normalize(" 7kq2m9xd4hrt0vjwc3np ", n), 0);
	assert_string_equal(n, "7KQ2M9XD4HRT0VJWC3NP");
	/* I and L read as 1, O as 0 */
	assert_int_equal(token_code_normalize("IL00-oOiI-lLAA-AAAA-AAAA", n), 0);
	assert_string_equal(n, "1100001111AAAAAAAAAA");
	assert_int_equal(token_code_normalize("7KQ2-M9XD-4HRT-OVJW-C3NP", n), 0);
	assert_string_equal(n, "7KQ2M9XD4HRT0VJWC3NP");
}

static void test_code_refused(void **state)
{
	char n[TOKEN_CODE_CHARS + 1];
	char longer[80];

	(void)state;
	/* U is not in the alphabet and has no substitute */
	assert_int_equal(token_code_normalize("7KQ2-M9XD-4HRT-0VJW-C3NU", n), -1);
	assert_string_equal(n, "");
	/* too few, too many */
	assert_int_equal(token_code_normalize("7KQ2-M9XD-4HRT-0VJW-C3N", n), -1);
	assert_int_equal(token_code_normalize("7KQ2-M9XD-4HRT-0VJW-C3NPP", n), -1);
	assert_int_equal(token_code_normalize("", n), -1);
	assert_int_equal(token_code_normalize(NULL, n), -1);
	/* other characters */
	assert_int_equal(token_code_normalize("7KQ2_M9XD_4HRT_0VJW_C3NP", n), -1);
	assert_int_equal(token_code_normalize("7KQ2-M9XD-4HRT-0VJW-C3N\xc3\x9c", n), -1);
	assert_int_equal(token_code_normalize("7KQ2\tM9XD4HRT0VJWC3NP", n), -1);
	/* longer than 64 bytes, even if only separators make it long */
	memset(longer, ' ', sizeof longer);
	memcpy(longer + 45, "7KQ2M9XD4HRT0VJWC3NP", 20);
	longer[65] = '\0';
	assert_int_equal(token_code_normalize(longer, n), -1);
	/* exactly 64 bytes is still read */
	assert_int_equal(token_code_normalize(longer + 1, n), 0);
	assert_string_equal(n, "7KQ2M9XD4HRT0VJWC3NP");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_id_wellformed),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_token_wellformed),
		cmocka_unit_test(test_code),
		cmocka_unit_test(test_code_normalize),
		cmocka_unit_test(test_code_refused),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
