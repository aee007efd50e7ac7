/* blobcipher.c — the chunked AEAD of blobcipher.h, over two ciphers.
 *
 * AES-256-GCM runs through OpenSSL's EVP because it is about twice as fast
 * as libsodium's (DESIGN.md, "Keys"), which decides whether decryption or
 * the network limits a download. XChaCha20-Poly1305 (libsodium) replaces it
 * where the CPU has no AES instructions, since table-based AES is slow and
 * leaks timing. Both sit behind cipher_seal/cipher_open so the chunk format
 * does not know which one it got; the header records the choice.
 *
 * A context derives one chunk key per blob (BLAKE2b over the header under
 * the data key) and keeps, for AES, an EVP context with the key schedule
 * already expanded, so a chunk costs a nonce reset and the cipher itself. */
#include "crypto/blobcipher.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__aarch64__)
#include <sys/auxv.h>
#endif

#define BC_VERSION 1
#define BC_PREFIX_LEN 16
#define BC_PREFIX_OFF 16
#define BC_AES_NONCE_LEN 12
#define BC_AD_FIXED (BLOBCIPHER_HEADER_LEN + 8 + 1)

static const char bc_magic[8] = {'a', 'k', 't', 'e', 'b', 'l', 'o', 'b'};
/* Label of the chunk-key derivation: a new format version gets a new one. */
static const char bc_kdf_label[] = "akte blob chunk key v1";

struct blobcipher {
	enum blobcipher_alg alg;
	int sealing;
	uint8_t *key; /* chunk key, sodium_malloc'd */
	uint8_t prefix[BC_PREFIX_LEN];
	/* header || index (8) || last (1) || id: index and last change per
	 * chunk, the rest is fixed when the context is made. */
	uint8_t ad[BC_AD_FIXED + BLOBCIPHER_ID_MAX];
	size_t ad_len;
	EVP_CIPHER_CTX *evp; /* AES only */
};

static atomic_int bc_forced = BLOBCIPHER_AUTO;

static int bc_cpu_has_aes(void)
{
#if defined(__aarch64__)
	/* libsodium 1.0.18 only detects x86 AES-NI; OpenSSL uses the ARMv8
	 * crypto extensions, which the kernel reports here. */
	return (getauxval(AT_HWCAP) & HWCAP_AES) != 0;
#else
	if (sodium_init() < 0)
		return 0;
	return crypto_aead_aes256gcm_is_available();
#endif
}

enum blobcipher_alg blobcipher_preferred(void)
{
	int f = atomic_load(&bc_forced);
	if (f != BLOBCIPHER_AUTO)
		return (enum blobcipher_alg)f;
	return bc_cpu_has_aes() ? BLOBCIPHER_AES256GCM
				: BLOBCIPHER_XCHACHA20POLY1305;
}

void blobcipher_force(enum blobcipher_alg alg)
{
	atomic_store(&bc_forced, (int)alg);
}

static void bc_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* Shared tail of seal_new and open_new: header is final here. */
static struct blobcipher *bc_new(const uint8_t key[BLOBCIPHER_KEY_LEN],
				 const char *id,
				 const uint8_t header[BLOBCIPHER_HEADER_LEN],
				 int sealing, struct err *e)
{
	struct blobcipher *bc = NULL;
	uint8_t kdf_in[sizeof bc_kdf_label + BLOBCIPHER_HEADER_LEN];
	size_t id_len = id ? strnlen(id, BLOBCIPHER_ID_MAX + 1) : 0;

	if (id_len == 0 || id_len > BLOBCIPHER_ID_MAX) {
		err_set(e, ERR_INTERNAL, NULL, "blob id missing or too long");
		goto fail;
	}
	if (sodium_init() < 0) {
		err_set(e, ERR_INTERNAL, NULL, "libsodium failed to start");
		goto fail;
	}
	bc = calloc(1, sizeof *bc);
	if (!bc) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		goto fail;
	}
	bc->alg = (enum blobcipher_alg)header[9];
	bc->sealing = sealing;
	memcpy(bc->prefix, header + BC_PREFIX_OFF, BC_PREFIX_LEN);
	memcpy(bc->ad, header, BLOBCIPHER_HEADER_LEN);
	memcpy(bc->ad + BC_AD_FIXED, id, id_len);
	bc->ad_len = BC_AD_FIXED + id_len;

	bc->key = sodium_malloc(BLOBCIPHER_KEY_LEN);
	if (!bc->key) {
		err_set(e, ERR_INTERNAL, NULL, "out of secure memory");
		goto fail;
	}
	/* Including the cipher id (in the header) keeps one data key from
	 * ever driving both ciphers with the same chunk key. */
	memcpy(kdf_in, bc_kdf_label, sizeof bc_kdf_label);
	memcpy(kdf_in + sizeof bc_kdf_label, header, BLOBCIPHER_HEADER_LEN);
	if (crypto_generichash(bc->key, BLOBCIPHER_KEY_LEN, kdf_in,
			       sizeof kdf_in, key, BLOBCIPHER_KEY_LEN) != 0) {
		err_set(e, ERR_INTERNAL, NULL, "chunk key derivation failed");
		goto fail;
	}

	if (bc->alg == BLOBCIPHER_AES256GCM) {
		bc->evp = EVP_CIPHER_CTX_new();
		if (!bc->evp ||
		    EVP_CipherInit_ex(bc->evp, EVP_aes_256_gcm(), NULL, bc->key,
				      NULL, sealing) != 1) {
			err_set(e, ERR_INTERNAL, NULL, "AES-GCM setup failed");
			goto fail;
		}
	}
	return bc;
fail:
	blobcipher_free(bc);
	return NULL;
}

struct blobcipher *blobcipher_seal_new(const uint8_t key[BLOBCIPHER_KEY_LEN],
				       const char *id,
				       uint8_t header_out[BLOBCIPHER_HEADER_LEN],
				       struct err *e)
{
	if (sodium_init() < 0) {
		err_set(e, ERR_INTERNAL, NULL, "libsodium failed to start");
		return NULL;
	}
	memset(header_out, 0, BLOBCIPHER_HEADER_LEN);
	memcpy(header_out, bc_magic, sizeof bc_magic);
	header_out[8] = BC_VERSION;
	header_out[9] = (uint8_t)blobcipher_preferred();
	randombytes_buf(header_out + BC_PREFIX_OFF, BC_PREFIX_LEN);
	return bc_new(key, id, header_out, 1, e);
}

struct blobcipher *blobcipher_open_new(const uint8_t key[BLOBCIPHER_KEY_LEN],
				       const char *id,
				       const uint8_t header[BLOBCIPHER_HEADER_LEN],
				       struct err *e)
{
	static const uint8_t zero[6];

	if (memcmp(header, bc_magic, sizeof bc_magic) != 0) {
		err_set(e, ERR_INTERNAL, "blob_integrity", "not a blob");
		return NULL;
	}
	if (header[8] != BC_VERSION) {
		err_set(e, ERR_INTERNAL, "blob_integrity",
			"unknown blob format version %u", header[8]);
		return NULL;
	}
	if (header[9] != BLOBCIPHER_AES256GCM &&
	    header[9] != BLOBCIPHER_XCHACHA20POLY1305) {
		err_set(e, ERR_INTERNAL, "blob_integrity",
			"unknown blob cipher %u", header[9]);
		return NULL;
	}
	/* Reserved bytes must be zero so a later version can give them a
	 * meaning that an old reader will not silently ignore. */
	if (memcmp(header + 10, zero, sizeof zero) != 0) {
		err_set(e, ERR_INTERNAL, "blob_integrity",
			"reserved header bytes set");
		return NULL;
	}
	return bc_new(key, id, header, 0, e);
}

void blobcipher_free(struct blobcipher *bc)
{
	if (!bc)
		return;
	EVP_CIPHER_CTX_free(bc->evp); /* OpenSSL cleanses the key schedule */
	sodium_free(bc->key);
	sodium_memzero(bc, sizeof *bc);
	free(bc);
}

enum blobcipher_alg blobcipher_alg(const struct blobcipher *bc)
{
	return bc->alg;
}

/* Fill the per-chunk part of the associated data. */
static void bc_chunk_ad(struct blobcipher *bc, uint64_t index, int last)
{
	bc_put_be64(bc->ad + BLOBCIPHER_HEADER_LEN, index);
	bc->ad[BLOBCIPHER_HEADER_LEN + 8] = last ? 1 : 0;
}

static int bc_aes(struct blobcipher *bc, uint64_t index, const uint8_t *in,
		  size_t n, uint8_t *out, uint8_t *tag)
{
	uint8_t nonce[BC_AES_NONCE_LEN];
	int len = 0;

	memcpy(nonce, bc->prefix, 4);
	bc_put_be64(nonce + 4, index);
	if (EVP_CipherInit_ex(bc->evp, NULL, NULL, NULL, nonce, -1) != 1)
		return -1;
	/* The expected tag must be set before Final on decryption; it is a
	 * copy, so decrypting in place cannot overwrite it first. */
	if (!bc->sealing && EVP_CIPHER_CTX_ctrl(bc->evp, EVP_CTRL_AEAD_SET_TAG,
						BLOBCIPHER_TAG_LEN, tag) != 1)
		return -1;
	if (EVP_CipherUpdate(bc->evp, NULL, &len, bc->ad, (int)bc->ad_len) != 1)
		return -1;
	if (n > 0 && (EVP_CipherUpdate(bc->evp, out, &len, in, (int)n) != 1 ||
		      (size_t)len != n))
		return -1;
	if (EVP_CipherFinal_ex(bc->evp, out + n, &len) != 1 || len != 0)
		return -1;
	if (bc->sealing && EVP_CIPHER_CTX_ctrl(bc->evp, EVP_CTRL_AEAD_GET_TAG,
					       BLOBCIPHER_TAG_LEN, tag) != 1)
		return -1;
	return 0;
}

static void bc_xchacha_nonce(const struct blobcipher *bc, uint64_t index,
			     uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES])
{
	memcpy(nonce, bc->prefix, BC_PREFIX_LEN);
	bc_put_be64(nonce + BC_PREFIX_LEN, index);
}

int blobcipher_seal(struct blobcipher *bc, uint64_t index, int last,
		    const uint8_t *in, size_t n, uint8_t *out, struct err *e)
{
	if (!bc->sealing || n > BLOBCIPHER_CHUNK)
		return err_set(e, ERR_INTERNAL, NULL, "blob chunk misuse");
	bc_chunk_ad(bc, index, last);
	if (bc->alg == BLOBCIPHER_AES256GCM) {
		if (bc_aes(bc, index, in, n, out, out + n) != 0)
			return err_set(e, ERR_INTERNAL, NULL,
				       "AES-GCM encryption failed");
		return 0;
	}
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	bc_xchacha_nonce(bc, index, nonce);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(
		    out, NULL, in, n, bc->ad, bc->ad_len, NULL, nonce,
		    bc->key) != 0)
		return err_set(e, ERR_INTERNAL, NULL,
			       "XChaCha20-Poly1305 encryption failed");
	return 0;
}

int blobcipher_open(struct blobcipher *bc, uint64_t index, int last,
		    const uint8_t *in, size_t n, uint8_t *out, struct err *e)
{
	if (bc->sealing || n < BLOBCIPHER_TAG_LEN || n > BLOBCIPHER_CHUNK_CT)
		return err_set(e, ERR_INTERNAL, NULL, "blob chunk misuse");
	size_t plain = n - BLOBCIPHER_TAG_LEN;
	int rc;

	bc_chunk_ad(bc, index, last);
	if (bc->alg == BLOBCIPHER_AES256GCM) {
		uint8_t tag[BLOBCIPHER_TAG_LEN];
		memcpy(tag, in + plain, sizeof tag);
		rc = bc_aes(bc, index, in, plain, out, tag);
	} else {
		uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
		bc_xchacha_nonce(bc, index, nonce);
		rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
			out, NULL, NULL, in, n, bc->ad, bc->ad_len, nonce,
			bc->key);
	}
	if (rc != 0) {
		/* EVP has already written plaintext it could not vouch for. */
		sodium_memzero(out, plain);
		return err_set(e, ERR_INTERNAL, "blob_integrity",
			       "blob chunk %llu failed authentication",
			       (unsigned long long)index);
	}
	return 0;
}

uint64_t blobcipher_chunks(uint64_t plain)
{
	/* An empty blob still has one (empty) chunk that carries the last
	 * flag, so even it proves it was not cut. */
	return plain == 0 ? 1 : (plain - 1) / BLOBCIPHER_CHUNK + 1;
}

uint64_t blobcipher_stored_size(uint64_t plain)
{
	return BLOBCIPHER_HEADER_LEN + plain +
	       blobcipher_chunks(plain) * BLOBCIPHER_TAG_LEN;
}

uint64_t blobcipher_chunk_offset(uint64_t index)
{
	return BLOBCIPHER_HEADER_LEN + index * (uint64_t)BLOBCIPHER_CHUNK_CT;
}

int blobcipher_layout(uint64_t stored, uint64_t *plain, uint64_t *chunks)
{
	if (stored < BLOBCIPHER_HEADER_LEN + BLOBCIPHER_TAG_LEN ||
	    stored > blobcipher_stored_size(BLOBCIPHER_MAX_PLAIN))
		return -1;
	uint64_t body = stored - BLOBCIPHER_HEADER_LEN;
	uint64_t k = (body + BLOBCIPHER_CHUNK_CT - 1) / BLOBCIPHER_CHUNK_CT;
	uint64_t last = body - (k - 1) * BLOBCIPHER_CHUNK_CT;

	/* A last chunk shorter than a tag is a cut; an empty last chunk after
	 * full ones is never written (the writer seals a full buffer as the
	 * last chunk), so a size that implies one is not ours either. */
	if (last < BLOBCIPHER_TAG_LEN || (k > 1 && last == BLOBCIPHER_TAG_LEN))
		return -1;
	*plain = body - k * BLOBCIPHER_TAG_LEN;
	*chunks = k;
	return 0;
}
