/* token.h — random identifiers, bearer tokens and human-typable codes.
 *
 * ids:    128 bits, lowercase base32 (26 chars): opaque object ids.
 * tokens: 256 bits, base64url without padding (43 chars): sessions, links.
 * codes:  100 bits as 20 characters of Crockford base32 (no I, L, O, U) in
 *         groups of four: "7KQ2-M9XD-4HRT-0VJW-C3NP". Parsing a typed code
 *         is forgiving: case, spaces and dashes are ignored, and I/L -> 1,
 *         O -> 0, as Crockford specifies.
 * All randomness is libsodium's randombytes_buf. */
#ifndef AKTE_CRYPTO_TOKEN_H
#define AKTE_CRYPTO_TOKEN_H

#include <stddef.h>

#define TOKEN_ID_LEN 26
#define TOKEN_LEN 43
#define TOKEN_CODE_CHARS 20
#define TOKEN_CODE_LEN (TOKEN_CODE_CHARS + TOKEN_CODE_CHARS / 4 - 1) /* 24 */

void token_id(char out[TOKEN_ID_LEN + 1]);
void token_new(char out[TOKEN_LEN + 1]);
void token_code(char out[TOKEN_CODE_LEN + 1]);
/* Normalise a typed code to its 20 canonical characters (no dashes).
 * Returns 0, or -1 when it does not have exactly 20 valid characters
 * or is longer than 64 bytes. */
int token_code_normalize(const char *typed, char out[TOKEN_CODE_CHARS + 1]);
/* Whether s looks like a token/id (right length and alphabet): a cheap check
 * before any lookup. */
int token_is_wellformed(const char *s);
int token_id_is_wellformed(const char *s);

#endif
