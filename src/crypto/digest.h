/* digest.h — streaming SHA-256 of document contents. OpenSSL's EVP uses the
 * CPU's SHA instructions where there are any (about 4x libsodium's portable
 * code on the development machines, where hashing was 40 % of an upload). */
#ifndef AKTE_CRYPTO_DIGEST_H
#define AKTE_CRYPTO_DIGEST_H

#include <stddef.h>

#define DIGEST_SHA256_HEX_LEN 64

struct digest;

/* NULL when out of memory. The caller frees with digest_free. */
struct digest *digest_sha256_new(void);
int digest_update(struct digest *d, const void *p, size_t n);
/* Lower-case hex of the digest; the digest cannot be updated afterwards. */
int digest_final_hex(struct digest *d, char out[DIGEST_SHA256_HEX_LEN + 1]);
void digest_free(struct digest *d);

#endif
