/* totp.h — time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits,
 * 30-second steps), secrets of 20 random bytes shown as base32 (RFC 4648). */
#ifndef AKTE_CRYPTO_TOTP_H
#define AKTE_CRYPTO_TOTP_H

#include <stddef.h>
#include <stdint.h>

#define TOTP_SECRET_LEN 20
#define TOTP_SECRET_B32_LEN 32 /* 20 bytes -> 32 base32 chars, no padding */

void totp_new_secret(uint8_t secret[TOTP_SECRET_LEN]);
/* RFC 4648 base32, upper case, no padding. */
void totp_secret_base32(const uint8_t secret[TOTP_SECRET_LEN],
			char out[TOTP_SECRET_B32_LEN + 1]);
/* The 6-digit code of one time step (t / 30). */
uint32_t totp_code_at(const uint8_t *secret, size_t n, uint64_t step);
/* Checks a typed code ("123456", exactly 6 digits) against steps
 * now-1, now, now+1, comparing in constant time. A step at or below
 * last_step is refused (no replay). Returns the matching step (> 0) or 0. */
uint64_t totp_verify(const uint8_t *secret, size_t n, const char *code,
		     int64_t now, uint64_t last_step);
/* otpauth://totp/akte:LOGIN?secret=...&issuer=akte&... (malloc'd). */
char *totp_uri(const char *issuer, const char *account,
	       const char b32[TOTP_SECRET_B32_LEN + 1]);

#endif
