/* seal.c — sealing and opening profile files, see seal.h for the format. */
#include "cli/seal.h"

#include <string.h>

int seal_derive(const char *password, size_t len,
		const unsigned char salt[SEAL_SALT_LEN],
		unsigned char key[SEAL_KEY_LEN], struct err *e)
{
	if (crypto_pwhash(key, SEAL_KEY_LEN, password, len, salt,
			  crypto_pwhash_OPSLIMIT_INTERACTIVE,
			  crypto_pwhash_MEMLIMIT_INTERACTIVE,
			  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return err_set(e, ERR_INTERNAL, "out_of_memory",
			       "not enough memory to derive the profile key");
	return 0;
}

int seal_pack(const unsigned char key[SEAL_KEY_LEN],
	      const unsigned char salt[SEAL_SALT_LEN], const char *ad,
	      const unsigned char *plain, size_t plain_len, struct buf *out,
	      struct err *e)
{
	unsigned char nonce[SEAL_NONCE_LEN];
	size_t total;
	if (__builtin_add_overflow(plain_len, SEAL_HEADER_LEN + SEAL_TAG_LEN,
				   &total) ||
	    total > SEAL_MAX_FILE)
		return err_set(e, ERR_TOO_LARGE, NULL,
			       "the profile is too large to save");
	randombytes_buf(nonce, sizeof nonce);
	/* Reserve the whole image first, then encrypt into place, so the
	 * plaintext is never copied into a growing buffer. */
	if (buf_append(out, SEAL_MAGIC, SEAL_MAGIC_LEN) < 0 ||
	    buf_append(out, salt, SEAL_SALT_LEN) < 0 ||
	    buf_append(out, nonce, SEAL_NONCE_LEN) < 0)
		goto nomem;
	size_t at = out->len;
	unsigned char zero[256] = {0};
	for (size_t left = plain_len + SEAL_TAG_LEN; left > 0;) {
		size_t k = left < sizeof zero ? left : sizeof zero;
		if (buf_append(out, zero, k) < 0)
			goto nomem;
		left -= k;
	}
	unsigned long long clen = 0;
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(
		    (unsigned char *)out->data + at, &clen, plain, plain_len,
		    (const unsigned char *)ad, strlen(ad), NULL, nonce,
		    key) != 0 ||
	    clen != plain_len + SEAL_TAG_LEN)
		return err_set(e, ERR_INTERNAL, NULL,
			       "cannot seal the profile");
	return 0;
nomem:
	return err_set(e, ERR_INTERNAL, "out_of_memory",
		       "not enough memory to seal the profile");
}

int seal_header(const unsigned char *file, size_t len,
		unsigned char salt[SEAL_SALT_LEN], struct err *e)
{
	if (len > SEAL_MAX_FILE)
		return err_set(e, ERR_MALFORMED, "bad_profile",
			       "the profile file is too large");
	if (len < SEAL_HEADER_LEN + SEAL_TAG_LEN ||
	    memcmp(file, SEAL_MAGIC, SEAL_MAGIC_LEN) != 0)
		return err_set(e, ERR_MALFORMED, "bad_profile",
			       "the file is not an akte profile "
			       "(or of a newer format)");
	memcpy(salt, file + SEAL_MAGIC_LEN, SEAL_SALT_LEN);
	return 0;
}

int seal_open(const unsigned char key[SEAL_KEY_LEN], const char *ad,
	      const unsigned char *file, size_t len, unsigned char **plain,
	      size_t *plain_len, struct err *e)
{
	/* seal_header has checked len >= SEAL_HEADER_LEN + SEAL_TAG_LEN. */
	const unsigned char *nonce = file + SEAL_MAGIC_LEN + SEAL_SALT_LEN;
	const unsigned char *c = file + SEAL_HEADER_LEN;
	size_t clen = len - SEAL_HEADER_LEN;
	size_t cap = clen - SEAL_TAG_LEN + 1;
	unsigned char *p = sodium_malloc(cap);
	if (!p)
		return err_set(e, ERR_INTERNAL, "out_of_memory",
			       "not enough memory to open the profile");
	unsigned long long plen = 0;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    p, &plen, NULL, c, clen, (const unsigned char *)ad,
		    strlen(ad), nonce, key) != 0) {
		sodium_free(p);
		return err_set(e, ERR_UNAUTHENTICATED, "wrong_password",
			       "wrong local password for this profile "
			       "(or the file was changed)");
	}
	p[plen] = '\0';
	*plain = p;
	*plain_len = (size_t)plen;
	return 0;
}
