/* digest.c — see digest.h. */
#include "crypto/digest.h"

#include <openssl/evp.h>
#include <stdio.h>

struct digest *digest_sha256_new(void)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	/* The struct is just the context: the cast keeps EVP out of the header. */
	return (struct digest *)ctx;
}

int digest_update(struct digest *d, const void *p, size_t n)
{
	return EVP_DigestUpdate((EVP_MD_CTX *)d, p, n) == 1 ? 0 : -1;
}

int digest_final_hex(struct digest *d, char out[DIGEST_SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (EVP_DigestFinal_ex((EVP_MD_CTX *)d, md, &len) != 1 || len != 32)
		return -1;
	for (unsigned i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

void digest_free(struct digest *d)
{
	EVP_MD_CTX_free((EVP_MD_CTX *)d);
}
