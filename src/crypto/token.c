/* token.c — random ids, bearer tokens and typable codes (see token.h).
 *
 * Three encodings, each chosen for who reads it:
 *   ids    lower-case Crockford base32: safe in URLs and file names, no
 *          letters that look like digits;
 *   tokens base64url without padding (libsodium's encoder): shortest form
 *          of 256 bits that survives a URL or a header unescaped;
 *   codes  upper-case Crockford base32 in groups of four: read aloud,
 *          printed on letters and typed back by people.
 * Every "wellformed" check insists on the canonical spelling (including the
 * unused low bits of the last character being zero), so one value has one
 * spelling and a lookup key is never ambiguous. */
#include "crypto/token.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>

#define TOKEN_ID_BYTES 16   /* 128 bits */
#define TOKEN_BYTES 32      /* 256 bits */
#define TOKEN_CODE_MAX_TYPED 64 /* longest typed code we even look at */

static const char token_crockford_upper[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
static const char token_crockford_lower[] = "0123456789abcdefghjkmnpqrstvwxyz";

/* Big-endian base32 of n bytes into out (which must hold ceil(8n/5) + 1);
 * the last character carries the remaining bits shifted up, as RFC 4648
 * does without padding. */
static void token_base32(const uint8_t *in, size_t n, const char *alphabet,
			 char *out)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = alphabet[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		out[o++] = alphabet[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

/* Index of c in a 32-character alphabet, or -1. */
static int token_index(const char *alphabet, char c)
{
	if (c == '\0')
		return -1;
	const char *p = memchr(alphabet, c, 32);
	return p ? (int)(p - alphabet) : -1;
}

void token_id(char out[TOKEN_ID_LEN + 1])
{
	uint8_t raw[TOKEN_ID_BYTES];

	randombytes_buf(raw, sizeof raw);
	token_base32(raw, sizeof raw, token_crockford_lower, out);
	sodium_memzero(raw, sizeof raw);
}

void token_new(char out[TOKEN_LEN + 1])
{
	uint8_t raw[TOKEN_BYTES];

	_Static_assert(sodium_base64_ENCODED_LEN(TOKEN_BYTES,
			sodium_base64_VARIANT_URLSAFE_NO_PADDING) ==
		       TOKEN_LEN + 1, "token length");
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out, TOKEN_LEN + 1, raw, sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
}

void token_code(char out[TOKEN_CODE_LEN + 1])
{
	/* One random byte per character: 256 is a multiple of 32, so masking
	 * to five bits keeps every character uniform (20 x 5 = 100 bits). */
	uint8_t raw[TOKEN_CODE_CHARS];
	size_t o = 0;

	randombytes_buf(raw, sizeof raw);
	for (size_t i = 0; i < TOKEN_CODE_CHARS; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = token_crockford_upper[raw[i] & 31];
	}
	out[o] = '\0';
	sodium_memzero(raw, sizeof raw);
}

int token_code_normalize(const char *typed, char out[TOKEN_CODE_CHARS + 1])
{
	size_t n, o = 0;

	out[0] = '\0';
	if (!typed)
		return -1;
	/* Bound the input before walking it: a pasted page is not a code. */
	n = strnlen(typed, TOKEN_CODE_MAX_TYPED + 1);
	if (n > TOKEN_CODE_MAX_TYPED)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = typed[i];

		if (c == ' ' || c == '-')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		/* Crockford's decoding: the letters left out of the alphabet
		 * are read as the digits they resemble; U stays invalid. */
		if (c == 'I' || c == 'L')
			c = '1';
		else if (c == 'O')
			c = '0';
		if (token_index(token_crockford_upper, c) < 0)
			goto bad;
		if (o == TOKEN_CODE_CHARS)
			goto bad;
		out[o++] = c;
	}
	if (o != TOKEN_CODE_CHARS)
		goto bad;
	out[o] = '\0';
	return 0;
bad:
	sodium_memzero(out, TOKEN_CODE_CHARS + 1);
	return -1;
}

int token_is_wellformed(const char *s)
{
	static const char b64url[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

	if (!s || strnlen(s, TOKEN_LEN + 1) != TOKEN_LEN)
		return 0;
	for (size_t i = 0; i < TOKEN_LEN; i++) {
		const char *p = s[i] ? memchr(b64url, s[i], 64) : NULL;

		if (!p)
			return 0;
		/* 256 = 42 x 6 + 4: the last character holds four bits and
		 * two zero bits; anything else is not one of ours. */
		if (i == TOKEN_LEN - 1 && ((p - b64url) & 3) != 0)
			return 0;
	}
	return 1;
}

int token_id_is_wellformed(const char *s)
{
	if (!s || strnlen(s, TOKEN_ID_LEN + 1) != TOKEN_ID_LEN)
		return 0;
	for (size_t i = 0; i < TOKEN_ID_LEN; i++) {
		int v = token_index(token_crockford_lower, s[i]);

		if (v < 0)
			return 0;
		/* 128 = 25 x 5 + 3: the last character holds three bits. */
		if (i == TOKEN_ID_LEN - 1 && (v & 3) != 0)
			return 0;
	}
	return 1;
}
