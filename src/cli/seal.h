/* seal.h — the sealed profile file format, AKTEPRF1.
 *
 *   "AKTEPRF1" | salt (16) | nonce (24) | XChaCha20-Poly1305 ciphertext+tag
 *
 * The key is Argon2id(local password, salt) with libsodium's INTERACTIVE
 * limits; the limits are not stored, they are part of the format version:
 * changing them means a new magic. The profile's name is the associated data,
 * so a file renamed to another profile's name does not open. Every save uses
 * a new random nonce under the same key. */
#ifndef AKTE_CLI_SEAL_H
#define AKTE_CLI_SEAL_H

#include "core/buf.h"
#include "core/err.h"

#include <sodium.h>
#include <stddef.h>

#define SEAL_MAGIC "AKTEPRF1"
#define SEAL_MAGIC_LEN 8
#define SEAL_SALT_LEN crypto_pwhash_SALTBYTES
#define SEAL_NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SEAL_KEY_LEN crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define SEAL_TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SEAL_HEADER_LEN (SEAL_MAGIC_LEN + SEAL_SALT_LEN + SEAL_NONCE_LEN)
/* A profile holds a few short strings; anything bigger is not ours. */
#define SEAL_MAX_FILE (64 * 1024)

/* key (SEAL_KEY_LEN, caller's sodium_malloc'd memory) from the password. */
int seal_derive(const char *password, size_t len,
		const unsigned char salt[SEAL_SALT_LEN],
		unsigned char key[SEAL_KEY_LEN], struct err *e);

/* Seal plain into a complete file image appended to out (out is wiped by
 * buf_free). */
int seal_pack(const unsigned char key[SEAL_KEY_LEN],
	      const unsigned char salt[SEAL_SALT_LEN], const char *ad,
	      const unsigned char *plain, size_t plain_len, struct buf *out,
	      struct err *e);

/* Check the magic and size of a file image and copy out its salt. */
int seal_header(const unsigned char *file, size_t len,
		unsigned char salt[SEAL_SALT_LEN], struct err *e);

/* Open a file image checked by seal_header. *plain is sodium_malloc'd
 * (NUL-terminated for convenience; *plain_len excludes the NUL); the caller
 * sodium_free's it. Wrong password and tampering fail alike, by design. */
int seal_open(const unsigned char key[SEAL_KEY_LEN], const char *ad,
	      const unsigned char *file, size_t len, unsigned char **plain,
	      size_t *plain_len, struct err *e);

#endif
