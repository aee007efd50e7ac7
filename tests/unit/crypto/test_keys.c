/* test_keys.c — the master key file and what the master key does.
 *
 * Each test runs on its own fresh data directory and leaves the module
 * shut down, since keys_init may run only once per process at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crypto/keys.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../testdir.h"

struct fixture {
	char dir[1024]; /* short enough that every path built from it fits */
	char keyfile[PATH_MAX];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	const char *tmp = getenv("TMPDIR");
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "%s/akte-keys-XXXXXX",
		 tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->keyfile, sizeof f->keyfile, "%s/keys/master.key", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	keys_shutdown();
	testdir_remove(f->dir);
	free(f);
	return 0;
}

static void read_keyfile(const char *path, uint8_t out[KEYS_KEY_LEN])
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(out, 1, KEYS_KEY_LEN, fp), KEYS_KEY_LEN);
	assert_int_equal(fgetc(fp), EOF);
	fclose(fp);
}

static void test_master_created_and_reloaded(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	struct stat st;
	uint8_t before[KEYS_KEY_LEN], after[KEYS_KEY_LEN];
	uint8_t wrapped[KEYS_WRAPPED_LEN], got[KEYS_KEY_LEN];
	uint8_t h1[KEYS_HASH_LEN], h2[KEYS_HASH_LEN];
	uint8_t *k = keys_secret_alloc();

	assert_non_null(k);
	assert_int_equal(keys_init(f->dir, &e), 0);
	char kdir[PATH_MAX];
	snprintf(kdir, sizeof kdir, "%s/keys", f->dir);
	assert_int_equal(stat(kdir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(f->keyfile, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, KEYS_KEY_LEN);
	read_keyfile(f->keyfile, before);

	keys_random(k);
	assert_int_equal(keys_wrap(NULL, k, "rec-1", wrapped), 0);
	keys_lookup_hash("session", "abc", 3, h1);
	/* A second init without shutdown is a bug and is refused. */
	assert_int_equal(keys_init(f->dir, &e), -1);
	keys_shutdown();

	/* Reload: the same file, the same key, no temp files left. */
	assert_int_equal(keys_init(f->dir, &e), 0);
	read_keyfile(f->keyfile, after);
	assert_memory_equal(before, after, KEYS_KEY_LEN);
	assert_int_equal(keys_unwrap(NULL, wrapped, "rec-1", got, &e), 0);
	assert_memory_equal(got, k, KEYS_KEY_LEN);
	keys_lookup_hash("session", "abc", 3, h2);
	assert_memory_equal(h1, h2, KEYS_HASH_LEN);
	int entries = 0;
	FILE *ls;
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "ls -A '%s'", kdir);
	ls = popen(cmd, "r");
	assert_non_null(ls);
	char line[256];
	while (fgets(line, sizeof line, ls))
		entries++;
	pclose(ls);
	assert_int_equal(entries, 1);
	keys_secret_free(k);
}

static void test_bad_mode_refused(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};

	assert_int_equal(keys_init(f->dir, &e), 0);
	keys_shutdown();
	assert_int_equal(chmod(f->keyfile, 0640), 0);
	assert_int_equal(keys_init(f->dir, &e), -1);
	assert_string_equal(e.key, "master_key");
	assert_int_equal(chmod(f->keyfile, 0604), 0);
	assert_int_equal(keys_init(f->dir, &e), -1);
	assert_int_equal(chmod(f->keyfile, 0600), 0);
	assert_int_equal(keys_init(f->dir, &e), 0);
}

static void test_bad_size_refused(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};

	assert_int_equal(keys_init(f->dir, &e), 0);
	keys_shutdown();
	FILE *fp = fopen(f->keyfile, "ab");
	assert_non_null(fp);
	fputc('x', fp);
	fclose(fp);
	assert_int_equal(keys_init(f->dir, &e), -1);
	assert_int_equal(truncate(f->keyfile, 16), 0);
	assert_int_equal(keys_init(f->dir, &e), -1);
}

static void test_open_dir_refused(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	char kdir[PATH_MAX];

	snprintf(kdir, sizeof kdir, "%s/keys", f->dir);
	assert_int_equal(mkdir(kdir, 0700), 0);
	assert_int_equal(chmod(kdir, 0750), 0);
	assert_int_equal(keys_init(f->dir, &e), -1);
	assert_int_equal(access(f->keyfile, F_OK), -1); /* nothing written */
}

static void test_symlinked_key_refused(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	char kdir[PATH_MAX], target[PATH_MAX];

	snprintf(kdir, sizeof kdir, "%s/keys", f->dir);
	snprintf(target, sizeof target, "%s/elsewhere", f->dir);
	assert_int_equal(mkdir(kdir, 0700), 0);
	int fd = open(target, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789abcdef0123456789abcdef", 32),
			 32);
	close(fd);
	assert_int_equal(symlink(target, f->keyfile), 0);
	assert_int_equal(keys_init(f->dir, &e), -1);
}

static void test_wrap(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	uint8_t *k = keys_secret_alloc(), *kek = keys_secret_alloc();
	uint8_t *got = keys_secret_alloc();
	uint8_t w[KEYS_WRAPPED_LEN], w2[KEYS_WRAPPED_LEN];

	assert_non_null(k);
	assert_non_null(kek);
	assert_non_null(got);
	/* Before init the master key is missing: wrapping under it fails. */
	keys_random(k);
	assert_int_equal(keys_wrap(NULL, k, "r", w), -1);
	assert_int_equal(keys_init(f->dir, &e), 0);

	assert_int_equal(keys_wrap(NULL, k, "record-1", w), 0);
	assert_int_equal(keys_wrap(NULL, k, "record-1", w2), 0);
	assert_memory_not_equal(w, w2, KEYS_WRAPPED_LEN); /* fresh nonce */
	assert_int_equal(keys_unwrap(NULL, w, "record-1", got, &e), 0);
	assert_memory_equal(got, k, KEYS_KEY_LEN);

	/* The owner binds: the wrapped key copied to another row fails. */
	assert_int_equal(keys_unwrap(NULL, w, "record-2", got, &e), -1);
	assert_string_equal(e.key, "key_integrity");
	assert_int_equal(keys_unwrap(NULL, w, "", got, &e), -1);
	assert_int_equal(keys_unwrap(NULL, w, NULL, got, &e), -1);

	/* Tampering anywhere fails. */
	for (size_t i = 0; i < KEYS_WRAPPED_LEN; i += 7) {
		memcpy(w2, w, sizeof w2);
		w2[i] ^= 0x01;
		assert_int_equal(keys_unwrap(NULL, w2, "record-1", got, &e),
				 -1);
	}

	/* Under an explicit KEK (a record key wrapping a data key). */
	keys_random(kek);
	assert_int_equal(keys_wrap(kek, k, "blob-x", w), 0);
	assert_int_equal(keys_unwrap(kek, w, "blob-x", got, &e), 0);
	assert_memory_equal(got, k, KEYS_KEY_LEN);
	assert_int_equal(keys_unwrap(NULL, w, "blob-x", got, &e), -1);

	/* A wrapped key is not a sealed secret and vice versa. */
	uint8_t s[KEYS_KEY_LEN + KEYS_SEAL_OVERHEAD];
	assert_int_equal(keys_seal(k, KEYS_KEY_LEN, "record-1", s), 0);
	assert_int_equal(keys_unwrap(NULL, s, "record-1", got, &e), -1);
	assert_int_equal(keys_wrap(NULL, k, "record-1", w), 0);
	assert_int_equal(keys_open(w, sizeof w, "record-1", got, &e), -1);

	/* ad longer than the limit is refused, not truncated. */
	char longad[400];
	memset(longad, 'a', sizeof longad - 1);
	longad[sizeof longad - 1] = '\0';
	assert_int_equal(keys_wrap(NULL, k, longad, w), -1);

	keys_secret_free(k);
	keys_secret_free(kek);
	keys_secret_free(got);
}

static void test_seal(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	static uint8_t plain[4097], sealed[4097 + KEYS_SEAL_OVERHEAD],
		back[4097];
	const size_t sizes[] = {0, 1, 20, 4096};

	assert_int_equal(keys_init(f->dir, &e), 0);
	for (size_t i = 0; i < sizeof plain; i++)
		plain[i] = (uint8_t)(i * 31 + 7);
	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
		size_t n = sizes[s];
		assert_int_equal(keys_seal(plain, n, "totp:acc1", sealed), 0);
		memset(back, 0, sizeof back);
		assert_int_equal(keys_open(sealed, n + KEYS_SEAL_OVERHEAD,
					   "totp:acc1", back, &e), 0);
		assert_memory_equal(back, plain, n);
		assert_int_equal(keys_open(sealed, n + KEYS_SEAL_OVERHEAD,
					   "totp:acc2", back, &e), -1);
		sealed[n + KEYS_SEAL_OVERHEAD - 1] ^= 0x80;
		assert_int_equal(keys_open(sealed, n + KEYS_SEAL_OVERHEAD,
					   "totp:acc1", back, &e), -1);
	}
	assert_int_equal(keys_seal(plain, 4097, "x", sealed), -1);
	assert_int_equal(keys_open(sealed, KEYS_SEAL_OVERHEAD - 1, "x", back,
				   &e), -1);
	assert_int_equal(keys_open(sealed, sizeof sealed, "x", back, &e), -1);
}

static void test_lookup_hash(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	uint8_t a[KEYS_HASH_LEN], b[KEYS_HASH_LEN], c[KEYS_HASH_LEN];
	uint8_t d[KEYS_HASH_LEN], z[KEYS_HASH_LEN];

	assert_int_equal(keys_init(f->dir, &e), 0);
	keys_lookup_hash("session", "token", 5, a);
	keys_lookup_hash("session", "token", 5, b);
	assert_memory_equal(a, b, KEYS_HASH_LEN);
	keys_lookup_hash("activation", "token", 5, c);
	assert_memory_not_equal(a, c, KEYS_HASH_LEN);
	keys_lookup_hash("session", "tokeN", 5, d);
	assert_memory_not_equal(a, d, KEYS_HASH_LEN);
	keys_lookup_hash("session", NULL, 0, z);
	assert_memory_not_equal(a, z, KEYS_HASH_LEN);

	/* Another server (another master key) hashes differently: a dump
	 * without the key file cannot test guesses. */
	keys_shutdown();
	assert_int_equal(unlink(f->keyfile), 0);
	assert_int_equal(keys_init(f->dir, &e), 0);
	keys_lookup_hash("session", "token", 5, b);
	assert_memory_not_equal(a, b, KEYS_HASH_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_master_created_and_reloaded,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_mode_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_size_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_dir_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_symlinked_key_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_hash, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
