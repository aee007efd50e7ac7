/* blobcipher.h — chunked AEAD for blobs (internal to crypto and store).
 *
 * A blob is a 32-byte header followed by chunks. Every chunk but the last
 * holds exactly BLOBCIPHER_CHUNK plaintext bytes; the last holds 1 to
 * BLOBCIPHER_CHUNK bytes, or 0 when the whole blob is empty. Each chunk is
 * stored as ciphertext || 16-byte tag, so the file size alone fixes the
 * layout and a chunk's place in the file is computed, never searched for.
 *
 * Header (all integers big endian):
 *   0  8  magic "akteblob"
 *   8  1  format version (1)
 *   9  1  cipher id (enum blobcipher_alg)
 *  10  6  reserved, zero
 *  16 16  random nonce prefix
 *
 * The chunk key is BLAKE2b keyed with the blob's data key over a label and
 * the whole header, so every blob gets its own chunk key even if a caller
 * reuses a data key, and the header is authenticated by every chunk. The
 * nonce is the prefix (16 bytes for XChaCha20-Poly1305, its first 4 for
 * AES-256-GCM) followed by the 8-byte chunk index. The associated data of a
 * chunk is header || index || last-flag || blob id, so that a flipped bit,
 * a chunk moved or repeated, a blob cut at a chunk boundary (its new final
 * chunk was not sealed as last) and a file swapped for another blob's all
 * fail authentication.
 *
 * The cipher is chosen per blob when it is written and recorded in the
 * header, so a reader decrypts whatever any writer chose. */
#ifndef AKTE_CRYPTO_BLOBCIPHER_H
#define AKTE_CRYPTO_BLOBCIPHER_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

#define BLOBCIPHER_KEY_LEN 32
#define BLOBCIPHER_HEADER_LEN 32
#define BLOBCIPHER_CHUNK 65536 /* plaintext bytes per full chunk */
#define BLOBCIPHER_TAG_LEN 16
#define BLOBCIPHER_CHUNK_CT (BLOBCIPHER_CHUNK + BLOBCIPHER_TAG_LEN)
#define BLOBCIPHER_ID_MAX 64 /* longest blob id bound into a chunk */
/* Largest plaintext a blob may hold (1 PiB): far from any overflow in the
 * offset arithmetic below, far beyond any document. */
#define BLOBCIPHER_MAX_PLAIN (UINT64_C(1) << 50)

enum blobcipher_alg {
	BLOBCIPHER_AUTO = 0, /* only for blobcipher_force: pick by CPU */
	BLOBCIPHER_AES256GCM = 1,
	BLOBCIPHER_XCHACHA20POLY1305 = 2,
};

struct blobcipher;

/* The cipher new blobs get: AES-256-GCM when the CPU has AES instructions,
 * else XChaCha20-Poly1305, unless blobcipher_force() chose one. */
enum blobcipher_alg blobcipher_preferred(void);
/* For tests: make new blobs use alg (BLOBCIPHER_AUTO undoes it). Call it
 * before other threads use this module. */
void blobcipher_force(enum blobcipher_alg alg);

/* Start sealing a new blob named id under key: writes a fresh header to
 * header_out. The caller owns the result (blobcipher_free). */
struct blobcipher *blobcipher_seal_new(const uint8_t key[BLOBCIPHER_KEY_LEN],
				       const char *id,
				       uint8_t header_out[BLOBCIPHER_HEADER_LEN],
				       struct err *e);
/* Check a stored header and prepare to open the chunks of blob id. A header
 * that is malformed fails here; one that was altered fails on every chunk. */
struct blobcipher *blobcipher_open_new(const uint8_t key[BLOBCIPHER_KEY_LEN],
				       const char *id,
				       const uint8_t header[BLOBCIPHER_HEADER_LEN],
				       struct err *e);
void blobcipher_free(struct blobcipher *bc);
enum blobcipher_alg blobcipher_alg(const struct blobcipher *bc);

/* Seal chunk `index` of n <= BLOBCIPHER_CHUNK plaintext bytes into out,
 * which must hold n + BLOBCIPHER_TAG_LEN bytes (in and out may be equal). */
int blobcipher_seal(struct blobcipher *bc, uint64_t index, int last,
		    const uint8_t *in, size_t n, uint8_t *out, struct err *e);
/* Open chunk `index` of n stored bytes (ciphertext and tag) into out, which
 * must hold n - BLOBCIPHER_TAG_LEN bytes (in and out may be equal). On
 * failure out is wiped: unauthenticated plaintext never escapes. */
int blobcipher_open(struct blobcipher *bc, uint64_t index, int last,
		    const uint8_t *in, size_t n, uint8_t *out, struct err *e);

/* Layout arithmetic shared by writers and readers. */
/* Number of chunks a blob of plain bytes has (at least 1). */
uint64_t blobcipher_chunks(uint64_t plain);
/* Stored size of a blob of plain bytes (plain <= BLOBCIPHER_MAX_PLAIN). */
uint64_t blobcipher_stored_size(uint64_t plain);
/* Byte offset of chunk index in the stored blob. */
uint64_t blobcipher_chunk_offset(uint64_t index);
/* From a stored size, the plaintext size and chunk count. Fails (-1) when no
 * blob written by blobcipher has that size, e.g. after a mid-chunk cut. */
int blobcipher_layout(uint64_t stored, uint64_t *plain, uint64_t *chunks);

#endif
