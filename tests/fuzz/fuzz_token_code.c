/* fuzz_token_code.c — parsing of typed codes and the cheap token/id checks
 * in src/crypto/token.c: token_code_normalize(), token_is_wellformed() and
 * token_id_is_wellformed(), on the input as a NUL-terminated string (an
 * exact-size heap copy, so reads past the NUL are caught).
 *
 * Invariants beyond "no crash":
 *   - normalize either fails leaving out an empty string, or gives exactly 20 characters
 *     of the upper-case Crockford alphabet;
 *   - a normalized code is a fixed point: itself, grouped with dashes every
 *     4 characters (as token_code() prints it), and in lower case, all
 *     normalize back to the same 20 characters;
 *   - inputs longer than 64 bytes are always refused;
 *   - token_is_wellformed(s) => s is pure ASCII; and for ASCII s,
 *     token_is_wellformed(s) <=> libsodium decodes s as exactly 32 bytes of
 *     unpadded base64url with nothing left over (canonical spelling), and
 *     re-encoding gives s back. (libsodium 1.0.18's decoder itself accepts
 *     some bytes >= 0x80, e.g. 0xff, so it is no oracle for those.)
 *   - token_id_is_wellformed(s) => s is 26 lower-case Crockford characters
 *     and decoding to 16 bytes and re-encoding gives s back. */
#include "crypto/token.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"


static const char upper[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
static const char lower[] = "0123456789abcdefghjkmnpqrstvwxyz";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

static void check_code(const char *s, size_t len)
{
	char out[TOKEN_CODE_CHARS + 1];
	char again[TOKEN_CODE_CHARS + 1];
	char grouped[TOKEN_CODE_LEN + 1];

	memset(out, 'x', sizeof out);
	int rc = token_code_normalize(s, out);
	if (rc != 0) {
		CHECK(rc == -1);
		CHECK(out[0] == '\0');
		return;
	}
	CHECK(len <= 64);
	CHECK(strlen(out) == TOKEN_CODE_CHARS);
	for (size_t i = 0; i < TOKEN_CODE_CHARS; i++)
		CHECK(memchr(upper, out[i], 32) != NULL);

	CHECK(token_code_normalize(out, again) == 0);
	CHECK(memcmp(out, again, sizeof out) == 0);

	size_t o = 0;
	for (size_t i = 0; i < TOKEN_CODE_CHARS; i++) {
		if (i > 0 && i % 4 == 0)
			grouped[o++] = '-';
		grouped[o++] = out[i];
	}
	grouped[o] = '\0';
	CHECK(o == TOKEN_CODE_LEN);
	CHECK(token_code_normalize(grouped, again) == 0);
	CHECK(memcmp(out, again, sizeof out) == 0);

	for (size_t i = 0; i < o; i++)
		if (grouped[i] >= 'A' && grouped[i] <= 'Z')
			grouped[i] = (char)(grouped[i] - 'A' + 'a');
	CHECK(token_code_normalize(grouped, again) == 0);
	CHECK(memcmp(out, again, sizeof out) == 0);
}

static void check_token(const char *s, size_t len)
{
	unsigned char bin[TOKEN_LEN]; /* more than 32: see whether it decodes longer */
	size_t bin_len = 0;
	const char *end = NULL;
	int sodium_ok = sodium_base642bin(bin, sizeof bin, s, len, NULL, &bin_len,
					  &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
			end == s + len && bin_len == 32;
	int ours = token_is_wellformed(s);
	CHECK(ours == 0 || ours == 1);
	int ascii = 1;
	for (size_t i = 0; i < len; i++)
		ascii &= (unsigned char)s[i] < 0x80;
	if (!ascii) {
		CHECK(!ours);
		return;
	}
	CHECK(ours == sodium_ok);
	if (ours) {
		char re[TOKEN_LEN + 1];
		sodium_bin2base64(re, sizeof re, bin, 32,
				  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		CHECK(strcmp(re, s) == 0);
	}
}

static void check_id(const char *s, size_t len)
{
	int ours = token_id_is_wellformed(s);
	CHECK(ours == 0 || ours == 1);
	if (!ours)
		return;
	CHECK(len == TOKEN_ID_LEN);
	/* Decode 26 x 5 = 130 bits; the last two must be zero. */
	uint8_t raw[17] = {0};
	unsigned bitpos = 0;
	for (size_t i = 0; i < TOKEN_ID_LEN; i++) {
		const char *p = memchr(lower, s[i], 32);
		CHECK(p != NULL);
		unsigned v = (unsigned)(p - lower);
		for (int b = 4; b >= 0; b--, bitpos++)
			if (v >> b & 1)
				raw[bitpos / 8] |= (uint8_t)(0x80 >> (bitpos % 8));
	}
	CHECK(raw[16] == 0);
	/* Re-encode the 16 bytes. */
	char re[TOKEN_ID_LEN + 1];
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < 16; i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			re[o++] = lower[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		re[o++] = lower[(acc << (5 - bits)) & 31];
	re[o] = '\0';
	CHECK(strcmp(re, s) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	size_t len = strlen(s); /* up to the first NUL, as a C caller sees it */

	check_code(s, len);
	check_token(s, len);
	check_id(s, len);

	free(s);
	return 0;
}
