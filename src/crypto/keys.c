/* keys.c — the master key file, key wrapping, sealing and lookup hashes.
 *
 * The master key is loaded once by keys_init() into guarded memory that is
 * then made read-only; after that every function only reads it, so they are
 * safe from any thread without a lock. Creating the key file must be atomic
 * and must never replace an existing key (that would make every record key
 * unreadable), so it is written to a temporary name, fsynced, and linked to
 * its final name: link() fails rather than overwrite, which rename() would
 * not.
 *
 * Wrapping and sealing are both XChaCha20-Poly1305 with a random 192-bit
 * nonce (safe to draw at random for any number of messages). Their
 * associated data is a domain label and the caller's ad, so a sealed
 * 32-byte secret can never be unwrapped as a key, nor the reverse. */
#include "crypto/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYS_NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define KEYS_SEAL_MAX 4096
/* Owner ids and purposes are short identifiers from our own code; a longer
 * ad is a bug, refused rather than truncated. */
#define KEYS_AD_MAX 256

static uint8_t *keys_master; /* read-only after keys_init */

uint8_t *keys_secret_alloc(void)
{
	/* sodium_malloc puts the key between guard pages, excludes it from
	 * core dumps and mlocks it (sodium_mlock, best effort: under a small
	 * RLIMIT_MEMLOCK it carries on unlocked rather than fail, and so do
	 * we, since refusing to start would only teach operators to raise
	 * limits blindly). sodium_malloc aborts before sodium_init, which
	 * callers may not have run yet; after the first call it is cheap. */
	if (sodium_init() < 0)
		return NULL;
	return sodium_malloc(KEYS_KEY_LEN);
}

void keys_secret_free(uint8_t *key)
{
	sodium_free(key); /* wipes before freeing; NULL is fine */
}

void keys_random(uint8_t key[KEYS_KEY_LEN])
{
	randombytes_buf(key, KEYS_KEY_LEN);
}

static int keys_write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int keys_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

/* DATA/keys must exist, be a real directory and admit only its owner. */
static int keys_check_dir(const char *dir, struct err *e)
{
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return err_set(e, ERR_INTERNAL, "master_key",
			       "cannot create %s: %s", dir, strerror(errno));
	if (lstat(dir, &st) != 0)
		return err_set(e, ERR_INTERNAL, "master_key", "cannot stat %s: %s",
			       dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ERR_INTERNAL, "master_key",
			       "%s is not a directory", dir);
	if (st.st_mode & 077)
		return err_set(e, ERR_INTERNAL, "master_key",
			       "%s is open to group or others (chmod 700)", dir);
	return 0;
}

/* Write a fresh key under a temporary name and link it into place. If
 * another process won the race, its key stands and ours is dropped. */
static int keys_create(const char *dir, const char *path, struct err *e)
{
	char tmp[PATH_MAX];
	uint8_t rnd[8];
	char hex[2 * sizeof rnd + 1];
	uint8_t *key = NULL;
	int fd = -1, made = 0, rc = -1;

	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
	int len = snprintf(tmp, sizeof tmp, "%s/master.key.%s.tmp", dir, hex);
	if (len < 0 || (size_t)len >= sizeof tmp) {
		err_set(e, ERR_INTERNAL, "master_key", "data path too long");
		goto out;
	}
	key = keys_secret_alloc();
	if (!key) {
		err_set(e, ERR_INTERNAL, NULL, "out of secure memory");
		goto out;
	}
	keys_random(key);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		err_set(e, ERR_INTERNAL, "master_key", "cannot create %s: %s",
			tmp, strerror(errno));
		goto out;
	}
	made = 1;
	/* The umask may have taken bits away; the file must be exactly 0600
	 * for keys_load to accept it. */
	if (fchmod(fd, 0600) != 0 || keys_write_all(fd, key, KEYS_KEY_LEN) ||
	    fsync(fd) != 0) {
		err_set(e, ERR_INTERNAL, "master_key", "cannot write %s: %s",
			tmp, strerror(errno));
		goto out;
	}
	int cfd = fd;
	fd = -1;
	if (close(cfd) != 0) {
		err_set(e, ERR_INTERNAL, "master_key", "cannot write %s: %s",
			tmp, strerror(errno));
		goto out;
	}
	if (link(tmp, path) != 0 && errno != EEXIST) {
		err_set(e, ERR_INTERNAL, "master_key", "cannot link %s: %s",
			path, strerror(errno));
		goto out;
	}
	if (keys_fsync_dir(dir) != 0) {
		err_set(e, ERR_INTERNAL, "master_key", "cannot fsync %s: %s",
			dir, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (made && unlink(tmp) != 0 && errno != ENOENT && rc == 0)
		rc = err_set(e, ERR_INTERNAL, "master_key",
			     "cannot remove %s: %s", tmp, strerror(errno));
	keys_secret_free(key);
	return rc;
}

/* Read exactly KEYS_KEY_LEN bytes from a key file that only its owner may
 * read, into guarded memory. */
static int keys_load(int fd, const char *path, uint8_t *key, struct err *e)
{
	struct stat st;
	size_t got = 0;

	if (fstat(fd, &st) != 0)
		return err_set(e, ERR_INTERNAL, "master_key", "cannot stat %s: %s",
			       path, strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_size != KEYS_KEY_LEN)
		return err_set(e, ERR_INTERNAL, "master_key",
			       "%s is not a %d-byte file", path, KEYS_KEY_LEN);
	if (st.st_mode & 077)
		return err_set(e, ERR_INTERNAL, "master_key",
			       "%s is open to group or others (chmod 600)",
			       path);
	while (got < KEYS_KEY_LEN) {
		ssize_t r = read(fd, key + got, KEYS_KEY_LEN - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return err_set(e, ERR_INTERNAL, "master_key",
				       "cannot read %s", path);
		got += (size_t)r;
	}
	return 0;
}

int keys_init(const char *data_dir, struct err *e)
{
	char dir[PATH_MAX], path[PATH_MAX];
	uint8_t *key = NULL;
	int fd = -1, rc = -1;

	if (keys_master)
		return err_set(e, ERR_INTERNAL, NULL, "keys_init called twice");
	if (sodium_init() < 0)
		return err_set(e, ERR_INTERNAL, NULL, "libsodium failed to start");
	int n1 = snprintf(dir, sizeof dir, "%s/keys", data_dir);
	int n2 = snprintf(path, sizeof path, "%s/keys/master.key", data_dir);
	if (n1 < 0 || n2 < 0 || (size_t)n2 >= sizeof path)
		return err_set(e, ERR_INTERNAL, "master_key", "data path too long");
	if (keys_check_dir(dir, e) != 0)
		goto out;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (keys_create(dir, path, e) != 0)
			goto out;
		/* Load what is now on disk, through the same checks, so the
		 * key in use is always the one that survives a restart. */
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		err_set(e, ERR_INTERNAL, "master_key", "cannot open %s: %s",
			path, strerror(errno));
		goto out;
	}
	key = keys_secret_alloc();
	if (!key) {
		err_set(e, ERR_INTERNAL, NULL, "out of secure memory");
		goto out;
	}
	if (keys_load(fd, path, key, e) != 0)
		goto out;
	/* From here on a stray write through this pointer faults. */
	if (sodium_mprotect_readonly(key) != 0) {
		err_set(e, ERR_INTERNAL, NULL, "cannot protect the master key");
		goto out;
	}
	keys_master = key;
	key = NULL;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	keys_secret_free(key);
	return rc;
}

void keys_shutdown(void)
{
	keys_secret_free(keys_master);
	keys_master = NULL;
}

/* label NUL ad: the NUL keeps ("wrap", "x") and ("wrapx", "") apart. */
static int keys_ad(const char *label, const char *ad, uint8_t *buf,
		   size_t *len)
{
	size_t ll = strlen(label) + 1;
	size_t al = ad ? strnlen(ad, KEYS_AD_MAX + 1) : 0;

	if (al > KEYS_AD_MAX)
		return -1;
	memcpy(buf, label, ll);
	if (al)
		memcpy(buf + ll, ad, al);
	*len = ll + al;
	return 0;
}

#define KEYS_AD_BUF (KEYS_AD_MAX + 16)

static int keys_aead_seal(const uint8_t *k, const char *label,
			  const char *ad, const void *m, size_t n,
			  uint8_t *out)
{
	uint8_t adb[KEYS_AD_BUF];
	size_t adl;

	if (!k || keys_ad(label, ad, adb, &adl) != 0)
		return -1;
	randombytes_buf(out, KEYS_NONCE_LEN);
	return crypto_aead_xchacha20poly1305_ietf_encrypt(
		       out + KEYS_NONCE_LEN, NULL, m, n, adb, adl, NULL, out,
		       k) == 0 ? 0 : -1;
}

static int keys_aead_open(const uint8_t *k, const char *label,
			  const char *ad, const uint8_t *in, size_t n,
			  void *out, struct err *e)
{
	uint8_t adb[KEYS_AD_BUF];
	size_t adl;

	if (!k)
		return err_set(e, ERR_INTERNAL, NULL, "keys not initialised");
	if (keys_ad(label, ad, adb, &adl) != 0)
		return err_set(e, ERR_INTERNAL, NULL, "associated data too long");
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    out, NULL, NULL, in + KEYS_NONCE_LEN, n - KEYS_NONCE_LEN,
		    adb, adl, in, k) != 0)
		return err_set(e, ERR_INTERNAL, "key_integrity",
			       "wrapped secret does not open: wrong key, "
			       "wrong owner or damaged");
	return 0;
}

int keys_wrap(const uint8_t *kek, const uint8_t key[KEYS_KEY_LEN],
	      const char *ad, uint8_t out[KEYS_WRAPPED_LEN])
{
	return keys_aead_seal(kek ? kek : keys_master, "akte-wrap", ad, key,
			      KEYS_KEY_LEN, out);
}

int keys_unwrap(const uint8_t *kek, const uint8_t in[KEYS_WRAPPED_LEN],
		const char *ad, uint8_t key[KEYS_KEY_LEN], struct err *e)
{
	return keys_aead_open(kek ? kek : keys_master, "akte-wrap", ad, in,
			      KEYS_WRAPPED_LEN, key, e);
}

int keys_seal(const void *plain, size_t n, const char *ad, uint8_t *out)
{
	if (n > KEYS_SEAL_MAX)
		return -1;
	return keys_aead_seal(keys_master, "akte-seal", ad, plain, n, out);
}

int keys_open(const uint8_t *sealed, size_t n, const char *ad, void *out,
	      struct err *e)
{
	if (n < KEYS_SEAL_OVERHEAD || n - KEYS_SEAL_OVERHEAD > KEYS_SEAL_MAX)
		return err_set(e, ERR_INTERNAL, "key_integrity",
			       "sealed secret has a bad length");
	return keys_aead_open(keys_master, "akte-seal", ad, sealed, n, out, e);
}

void keys_lookup_hash(const char *purpose, const void *data, size_t n,
		      uint8_t out[KEYS_HASH_LEN])
{
	static const char label[] = "akte lookup v1";
	crypto_generichash_state st;
	uint8_t sub[KEYS_KEY_LEN];

	/* A hash under no key would let a database dump test guesses; there
	 * is no error to return, and going on would silently weaken every
	 * lookup, so calling this before keys_init is a crash. */
	if (!keys_master)
		abort();
	/* The subkey is derived per call: two short BLAKE2b runs cost about
	 * a microsecond, less than a cache and its lock would be worth. */
	if (crypto_generichash_init(&st, keys_master, KEYS_KEY_LEN,
				    sizeof sub) != 0 ||
	    crypto_generichash_update(&st, (const uint8_t *)label,
				      sizeof label) != 0 ||
	    crypto_generichash_update(&st, (const uint8_t *)purpose,
				      strlen(purpose)) != 0 ||
	    crypto_generichash_final(&st, sub, sizeof sub) != 0 ||
	    crypto_generichash(out, KEYS_HASH_LEN, data, n, sub,
			       sizeof sub) != 0)
		abort(); /* only fails on bad lengths, which are constants */
	sodium_memzero(sub, sizeof sub);
	sodium_memzero(&st, sizeof st);
}
