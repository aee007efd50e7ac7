/* test_totp.c — unit tests of crypto/totp.c: the RFC 6238 Appendix B SHA-1
 * vectors, the +-1 step window, replay refusal, malformed codes, base32 and
 * the otpauth URI; and a cross-check against the real oathtool for the
 * current time, so that what we accept is what an authenticator shows. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "crypto/totp.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

/* RFC 6238 Appendix B: the SHA-1 seed is the ASCII "12345678901234567890". */
static const uint8_t rfc_seed[] = "12345678901234567890";
#define RFC_SEED_LEN 20

static int setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static void code_str(const uint8_t *secret, size_t n, uint64_t step,
		     char out[7])
{
	snprintf(out, 7, "%06u", (unsigned)totp_code_at(secret, n, step));
}

static void test_rfc6238_vectors(void **state)
{
	/* The RFC gives 8 digits; the 6-digit code is their last six (both
	 * are the truncated value modulo a power of ten). */
	static const struct {
		int64_t t;
		uint32_t code8;
	} v[] = {
		{59, 94287082},
		{1111111109, 7081804},
		{1111111111, 14050471},
		{1234567890, 89005924},
		{2000000000, 69279037},
		{20000000000, 65353130},
	};

	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint64_t step = (uint64_t)v[i].t / 30;
		char code[7];

		assert_int_equal(totp_code_at(rfc_seed, RFC_SEED_LEN, step),
				 v[i].code8 % 1000000);
		snprintf(code, sizeof code, "%06u", v[i].code8 % 1000000);
		assert_int_equal(totp_verify(rfc_seed, RFC_SEED_LEN, code,
					     v[i].t, 0),
				 step);
	}
	/* 1111111109 -> "081804": the leading zero is part of the code */
	assert_int_equal(totp_verify(rfc_seed, RFC_SEED_LEN, "081804",
				     1111111109, 0),
			 1111111109 / 30);
	assert_int_equal(totp_verify(rfc_seed, RFC_SEED_LEN, "81804",
				     1111111109, 0),
			 0);
}

static void test_window(void **state)
{
	const int64_t now = 1700000000; /* step 56666666, mid-step */
	const uint64_t s = (uint64_t)now / 30;
	char c[7];

	(void)state;
	code_str(rfc_seed, RFC_SEED_LEN, s - 1, c);
	assert_int_equal(totp_verify(rfc_seed, RFC_SEED_LEN, c, now, 0), s - 1);
	code_str(rfc_seed, RFC_SEED_LEN, s, c);
	assert_int_equal(totp_verify(rfc_seed, RFC_SEED_LEN, c, now, 0), s);
	code_str(rfc_seed, RFC_SEED_LEN, s + 1, c);
	assert_int_equal(totp_verify(rfc_seed, RFC_SEED_LEN, c, now, 0), s + 1);
	/* two steps away is outside the window (unless codes collide, which
	 * these do not) */
	code_str(rfc_seed, RFC_SEED_LEN, s - 2, c);
	assert_int_equal(totp_verify(rfc_seed, RFC_SEED_LEN, c, now, 0), 0);
	code_str(rfc_seed, RFC_SEED_LEN, s + 2, c);
	assert_int_equal(totp_verify(rfc_seed, RFC_SEED_LEN, c, now, 0), 0);
	/* the wrong secret */
	code_str(rfc_seed, RFC_SEED_LEN, s, c);
	assert_int_equal(totp_verify((const uint8_t *)"12345678901234567891",
				     20, c, now, 0),
			 0);
}

static void test_replay(void **state)
{
	const int64_t now = 1700000000;
	const uint64_t s = (uint64_t)now / 30;
	char c[7];

	(void)state;
	code_str(rfc_seed, RFC_SEED_LEN, s, c);
	uint64_t used = totp_verify(rfc_seed, RFC_SEED_LEN, c, now, 0);
	assert_int_equal(used, s);
	/* the same code again, same step: refused */
	assert_int_equal(totp_verify(rfc_seed, RFC_SEED_LEN, c, now, used), 0);
	/* nor 20 s later, still inside the window */
	assert_int_equal(totp_verify(rfc_seed, RFC_SEED_LEN, c, now + 20, used), 0);
	/* an older code after a newer one was used: refused */
	code_str(rfc_seed, RFC_SEED_LEN, s - 1, c);
	assert_int_equal(totp_verify(rfc_seed, RFC_SEED_LEN, c, now, used), 0);
	/* the next step's code is still fine */
	code_str(rfc_seed, RFC_SEED_LEN, s + 1, c);
	assert_int_equal(totp_verify(rfc_seed, RFC_SEED_LEN, c, now, used), s + 1);
}

static void test_malformed(void **state)
{
	const int64_t now = 1234567890; /* code 005924 */
	static const char *const bad[] = {
		"", "5924", "05924", "0059240", "005924 ", " 005924", "00592a",
		"+05924", "-05924", "00 5924", "005924\n", "٠٠٥٩٢٤",
	};

	(void)state;
	assert_int_equal(totp_verify(rfc_seed, RFC_SEED_LEN, "005924", now, 0),
			 (uint64_t)now / 30);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(
			totp_verify(rfc_seed, RFC_SEED_LEN, bad[i], now, 0), 0);
	assert_int_equal(totp_verify(rfc_seed, RFC_SEED_LEN, NULL, now, 0), 0);
	assert_int_equal(totp_verify(rfc_seed, RFC_SEED_LEN, "005924", -1, 0), 0);
	assert_int_equal(totp_verify(NULL, 0, "005924", now, 0), 0);
}

static void test_base32(void **state)
{
	char b32[TOTP_SECRET_B32_LEN + 1];
	uint8_t zero[TOTP_SECRET_LEN] = {0}, secret[TOTP_SECRET_LEN];

	(void)state;
	/* RFC 4648 test: "12345678901234567890" */
	totp_secret_base32(rfc_seed, b32);
	assert_string_equal(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	totp_secret_base32(zero, b32);
	assert_string_equal(b32, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	totp_new_secret(secret);
	assert_memory_not_equal(secret, zero, sizeof zero);
}

static void test_uri(void **state)
{
	char *u;

	(void)state;
	u = totp_uri("akte", "anna.mueller",
		     "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	assert_non_null(u);
	assert_string_equal(u, "otpauth://totp/akte:anna.mueller"
			       "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
			       "&issuer=akte&algorithm=SHA1&digits=6&period=30");
	free(u);
	/* ':' '&' '@' ' ' and non-ASCII in issuer or account are escaped */
	u = totp_uri("Praxis Dr. Müller & Co", "anna@example.org:x",
		     "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	assert_non_null(u);
	assert_string_equal(u, "otpauth://totp/Praxis%20Dr.%20M%C3%BCller%20%26%20Co"
			       ":anna%40example.org%3Ax"
			       "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
			       "&issuer=Praxis%20Dr.%20M%C3%BCller%20%26%20Co"
			       "&algorithm=SHA1&digits=6&period=30");
	free(u);
	/* not base32, wrong length */
	assert_null(totp_uri("akte", "a", "gezdgnbvgy3tqojqgezdgnbvgy3tqojq"));
	char shorter[TOTP_SECRET_B32_LEN + 1] = "GEZDGNBVGY3TQOJQ";
	assert_null(totp_uri("akte", "a", shorter));
	assert_null(totp_uri("akte", "a", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1"));
	assert_null(totp_uri(NULL, "a", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
}

/* Runs oathtool for the secret at time t; 0 and the code, or -1 when the
 * tool is missing (the caller skips). */
static int oathtool_code(const char *b32, int64_t t, char out[7])
{
	char cmd[256], line[32] = "";
	FILE *p;

	snprintf(cmd, sizeof cmd,
		 "oathtool --totp -b -N @%lld %s 2>/dev/null", (long long)t, b32);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (!fgets(line, sizeof line, p))
		line[0] = '\0';
	int st = pclose(p);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	line[strcspn(line, "\n")] = '\0';
	if (strlen(line) != 6)
		return -1;
	memcpy(out, line, 7);
	return 0;
}

static void test_oathtool_now(void **state)
{
	uint8_t secret[TOTP_SECRET_LEN];
	char b32[TOTP_SECRET_B32_LEN + 1], theirs[7], ours[7];

	(void)state;
	totp_new_secret(secret);
	totp_secret_base32(secret, b32);
	int64_t now = (int64_t)time(NULL);
	if (oathtool_code(b32, now, theirs) < 0) {
		print_message("oathtool not available: skipped\n");
		skip();
	}
	code_str(secret, sizeof secret, (uint64_t)now / 30, ours);
	assert_string_equal(ours, theirs);
	assert_int_equal(totp_verify(secret, sizeof secret, theirs, now, 0),
			 (uint64_t)now / 30);

	/* And oathtool's own clock, without -N: retry if a step boundary
	 * passes between its run and ours. */
	for (int tries = 0; tries < 3; tries++) {
		char cmd[128], line[32] = "";
		int64_t before = (int64_t)time(NULL);
		snprintf(cmd, sizeof cmd, "oathtool --totp -b %s", b32);
		FILE *p = popen(cmd, "r");
		assert_non_null(p);
		if (!fgets(line, sizeof line, p))
			line[0] = '\0';
		assert_int_equal(pclose(p), 0);
		int64_t after = (int64_t)time(NULL);
		if (before / 30 != after / 30)
			continue;
		line[strcspn(line, "\n")] = '\0';
		assert_int_not_equal(totp_verify(secret, sizeof secret, line,
						 after, 0),
				     0);
		return;
	}
	fail_msg("clock kept crossing step boundaries");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_base32),
		cmocka_unit_test(test_uri),
		cmocka_unit_test(test_oathtool_now),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
