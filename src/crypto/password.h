/* password.h — password hashing (Argon2id through libsodium's
 * crypto_pwhash_str) and the rules a new password must meet. */
#ifndef AKTE_CRYPTO_PASSWORD_H
#define AKTE_CRYPTO_PASSWORD_H

#include "core/err.h"

#include <stddef.h>

#define PASSWORD_MIN_CHARS 10
#define PASSWORD_MAX_BYTES 1024
#define PASSWORD_HASH_LEN 128 /* crypto_pwhash_STRBYTES */

/* Load DIR/common-passwords.txt (one per line, '#' comments); 0 ok. */
int password_rules_load(const char *rules_dir, struct err *e);
/* 0 when acceptable; else ERR_INVALID on field "password" with a reason
 * (too short: counted in characters, not bytes; too long; common). */
int password_check_new(const char *pw, struct err *e);
int password_hash(const char *pw, char out[PASSWORD_HASH_LEN], struct err *e);
/* 1 match, 0 no match (also for a malformed hash). */
int password_verify(const char *hash, const char *pw);
/* Verify against a fixed dummy hash: used when the login does not exist,
 * so the answer takes as long as for a real account. Always returns 0. */
int password_verify_dummy(const char *pw);

#endif
