/* totp.c — RFC 6238 time-based one-time passwords (see totp.h).
 *
 * HMAC-SHA1 over the big-endian step counter, RFC 4226 dynamic truncation,
 * six digits. SHA-1 stays because every authenticator app implements it and
 * HMAC does not depend on SHA-1's collision resistance. The HMAC comes from
 * OpenSSL's libcrypto; randomness and constant-time comparison from
 * libsodium, as everywhere else in src/crypto. */
#include "crypto/totp.h"

#include "core/buf.h"

#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <string.h>

#define TOTP_PERIOD 30
#define TOTP_DIGITS 6
#define TOTP_MODULO 1000000u
#define TOTP_WINDOW 1 /* steps accepted either side of now (clock drift) */
#define TOTP_FAIL UINT32_MAX /* never a valid code: codes are < 10^6 */
#define TOTP_URI_FIELD_MAX 256 /* issuer and account, before encoding */
#define TOTP_URI_MAX 2048

void totp_new_secret(uint8_t secret[TOTP_SECRET_LEN])
{
	randombytes_buf(secret, TOTP_SECRET_LEN);
}

void totp_secret_base32(const uint8_t secret[TOTP_SECRET_LEN],
			char out[TOTP_SECRET_B32_LEN + 1])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	/* 160 bits are exactly 32 characters, so no partial last group. */
	_Static_assert(TOTP_SECRET_LEN * 8 == TOTP_SECRET_B32_LEN * 5,
		       "secret fills whole base32 characters");
	for (size_t i = 0; i < TOTP_SECRET_LEN; i++) {
		acc = (acc << 8) | secret[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = alphabet[(acc >> bits) & 31];
		}
	}
	out[o] = '\0';
	sodium_memzero(&acc, sizeof acc);
}

/* Returns the code, or TOTP_FAIL when the HMAC cannot be computed (which a
 * caller treats as "no match", never as a code). */
uint32_t totp_code_at(const uint8_t *secret, size_t n, uint64_t step)
{
	uint8_t msg[8], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	uint32_t bin;

	if (!secret || n == 0 || n > INT_MAX)
		return TOTP_FAIL;
	for (int i = 7; i >= 0; i--) {
		msg[i] = (uint8_t)(step & 0xff);
		step >>= 8;
	}
	if (!HMAC(EVP_sha1(), secret, (int)n, msg, sizeof msg, md, &mdlen) ||
	    mdlen != 20)
		return TOTP_FAIL;
	/* RFC 4226 5.3: the low nibble of the last byte picks four bytes;
	 * the top bit is masked so the value is the same signed or not. */
	unsigned off = md[19] & 0x0f;
	bin = ((uint32_t)(md[off] & 0x7f) << 24) | ((uint32_t)md[off + 1] << 16) |
	      ((uint32_t)md[off + 2] << 8) | (uint32_t)md[off + 3];
	sodium_memzero(md, sizeof md);
	return bin % TOTP_MODULO;
}

/* The code as six ASCII digits with leading zeros (v < 10^6). */
static void totp_format(uint32_t v, char out[TOTP_DIGITS + 1])
{
	for (int i = TOTP_DIGITS - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
	out[TOTP_DIGITS] = '\0';
}

/* Exactly six ASCII digits: no sign, no spaces, no seventh character. */
static int totp_code_wellformed(const char *code)
{
	if (!code || strnlen(code, TOTP_DIGITS + 1) != TOTP_DIGITS)
		return 0;
	for (int i = 0; i < TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return 0;
	return 1;
}

uint64_t totp_verify(const uint8_t *secret, size_t n, const char *code,
		     int64_t now, uint64_t last_step)
{
	uint64_t found = 0;

	if (!totp_code_wellformed(code) || now < 0)
		return 0;
	uint64_t cur = (uint64_t)now / TOTP_PERIOD;

	/* All candidates are computed and compared, whatever matched, so the
	 * time taken does not tell which step (if any) was right. Of several
	 * matches the latest wins: it moves last_step furthest and so closes
	 * the most room for replay. Step 0 is refused because 0 means "no". */
	for (int d = -TOTP_WINDOW; d <= TOTP_WINDOW; d++) {
		char want[TOTP_DIGITS + 1];
		uint64_t step;

		if (d < 0) {
			if (cur < (uint64_t)-d)
				continue;
			step = cur - (uint64_t)-d;
		} else {
			step = cur + (uint64_t)d;
		}
		uint32_t v = totp_code_at(secret, n, step);
		if (v == TOTP_FAIL)
			continue;
		totp_format(v, want);
		int same = sodium_memcmp(want, code, TOTP_DIGITS) == 0;
		sodium_memzero(want, sizeof want);
		if (same && step > last_step && step > 0)
			found = step;
	}
	return found;
}

/* RFC 3986 percent-encoding of everything but the unreserved characters:
 * the label and the issuer parameter may hold ':', '&', '@', spaces, ... */
static int totp_uri_escape(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			if (buf_append(b, &c, 1) < 0)
				return -1;
		} else {
			char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
			if (buf_append(b, esc, 3) < 0)
				return -1;
		}
	}
	return 0;
}

char *totp_uri(const char *issuer, const char *account,
	       const char b32[TOTP_SECRET_B32_LEN + 1])
{
	struct buf b;
	char *uri = NULL;

	if (!issuer || !account || !b32)
		return NULL;
	if (strnlen(issuer, TOTP_URI_FIELD_MAX + 1) > TOTP_URI_FIELD_MAX ||
	    strnlen(account, TOTP_URI_FIELD_MAX + 1) > TOTP_URI_FIELD_MAX ||
	    strnlen(b32, TOTP_SECRET_B32_LEN + 1) != TOTP_SECRET_B32_LEN)
		return NULL;
	/* The secret goes into the URI verbatim, so it must be base32. */
	for (size_t i = 0; i < TOTP_SECRET_B32_LEN; i++)
		if (!((b32[i] >= 'A' && b32[i] <= 'Z') ||
		      (b32[i] >= '2' && b32[i] <= '7')))
			return NULL;

	buf_init(&b, TOTP_URI_MAX);
	if (buf_puts(&b, "otpauth://totp/") < 0 ||
	    totp_uri_escape(&b, issuer) < 0 || buf_puts(&b, ":") < 0 ||
	    totp_uri_escape(&b, account) < 0 ||
	    buf_printf(&b, "?secret=%s&issuer=", b32) < 0 ||
	    totp_uri_escape(&b, issuer) < 0 ||
	    buf_printf(&b, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS,
		       TOTP_PERIOD) < 0)
		goto out;
	/* Hand over a plain malloc'd copy; the buffer (which held the
	 * secret) is wiped by buf_free. */
	uri = strdup(b.data);
out:
	buf_free(&b);
	return uri;
}
