/* keys.h — the key hierarchy: the server master key (KEK) and what it wraps.
 *
 * The master key is 32 random bytes in DATA/keys/master.key (mode 0600,
 * created on first start), held in sodium_malloc'd, mlocked memory for the
 * life of the process. From it:
 *   - record keys and per-blob data keys are wrapped (XChaCha20-Poly1305,
 *     the associated data binds a wrapped key to its owner's id, so a wrapped
 *     key copied to another row does not open);
 *   - small secrets (TOTP seeds) are sealed the same way;
 *   - lookup hashes of codes and tokens are keyed BLAKE2b under a subkey per
 *     purpose, so a database dump alone cannot test guesses.
 * keys_init() must run once before any other call; the functions are then
 * safe to call from any thread. */
#ifndef AKTE_CRYPTO_KEYS_H
#define AKTE_CRYPTO_KEYS_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

#define KEYS_KEY_LEN 32
#define KEYS_WRAPPED_LEN (24 + 32 + 16)  /* nonce + key + tag */
#define KEYS_SEAL_OVERHEAD (24 + 16)     /* nonce + tag */
#define KEYS_HASH_LEN 32

/* Load DATA/keys/master.key, creating DATA/keys (0700) and the key (0600)
 * when absent. Refuses a key file with wrong size or group/other access. */
int keys_init(const char *data_dir, struct err *e);
/* Wipe and free the master key (at exit). */
void keys_shutdown(void);

/* Fresh random key into caller-provided memory (use keys_secret_alloc). */
void keys_random(uint8_t key[KEYS_KEY_LEN]);

/* Guarded memory for keys: sodium_malloc + mlock; free wipes. */
uint8_t *keys_secret_alloc(void);
void keys_secret_free(uint8_t *key);

/* Wrap key under kek (NULL kek = the master key); ad binds it to an owner
 * (e.g. the record id). */
int keys_wrap(const uint8_t *kek, const uint8_t key[KEYS_KEY_LEN],
	      const char *ad, uint8_t out[KEYS_WRAPPED_LEN]);
int keys_unwrap(const uint8_t *kek, const uint8_t in[KEYS_WRAPPED_LEN],
		const char *ad, uint8_t key[KEYS_KEY_LEN], struct err *e);

/* Seal a small secret (at most 4 KiB) under the master key.
 * out must hold n + KEYS_SEAL_OVERHEAD bytes. */
int keys_seal(const void *plain, size_t n, const char *ad, uint8_t *out);
/* out must hold n - KEYS_SEAL_OVERHEAD bytes; fails on tampering. */
int keys_open(const uint8_t *sealed, size_t n, const char *ad, void *out,
	      struct err *e);

/* Keyed lookup hash of data under the subkey for purpose
 * (e.g. "session", "activation", "device"). */
void keys_lookup_hash(const char *purpose, const void *data, size_t n,
		      uint8_t out[KEYS_HASH_LEN]);

#endif
