/* test_blob_fs.c — the filesystem blob store on a temporary directory:
 * round trips at the chunk boundaries under both ciphers, random-range
 * reads, and every way a stored blob can be damaged or misplaced (bit flips,
 * cuts, reordered chunks, a file swapped for another blob's, a wrong key),
 * ids that try to escape the tree, and the sweep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crypto/blobcipher.h"
#include "store/blob.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../testdir.h"

#define C BLOBCIPHER_CHUNK
#define CT BLOBCIPHER_CHUNK_CT
#define H BLOBCIPHER_HEADER_LEN

struct fixture {
	char dir[1024]; /* short enough that every path built from it fits */
	struct blob_store *bs;
	uint8_t key[32];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	const char *tmp = getenv("TMPDIR");
	struct err e = {0};

	if (!f || sodium_init() < 0)
		return -1;
	snprintf(f->dir, sizeof f->dir, "%s/akte-blob-XXXXXX",
		 tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	/* The store creates its directory itself. */
	strncat(f->dir, "/blobs", sizeof f->dir - strlen(f->dir) - 1);
	f->bs = blob_store_open(f->dir, &e);
	if (!f->bs)
		return -1;
	randombytes_buf(f->key, sizeof f->key);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	blob_store_close(f->bs);
	blobcipher_force(BLOBCIPHER_AUTO);
	*strrchr(f->dir, '/') = '\0';
	testdir_remove(f->dir);
	free(f);
	return 0;
}

/* Deterministic test data, so a failure can be reproduced. */
static uint8_t *make_data(size_t n, uint32_t seed)
{
	uint8_t s[randombytes_SEEDBYTES] = {0};
	uint8_t *p = malloc(n ? n : 1);
	assert_non_null(p);
	memcpy(s, &seed, sizeof seed);
	randombytes_buf_deterministic(p, n, s);
	return p;
}

static void path_of(const struct fixture *f, const char *id, char *out)
{
	snprintf(out, PATH_MAX, "%s/%.2s/%s", f->dir, id, id);
}

/* Write data in pieces of `step` bytes (0: all at once) and commit. */
static void put(struct fixture *f, const uint8_t *data, size_t n, size_t step,
		char id[BLOB_ID_LEN + 1])
{
	struct err e = {0};
	uint64_t size = 12345;
	struct blob_writer *w = blob_create(f->bs, f->key, id, &e);
	assert_non_null(w);
	if (step == 0)
		step = n ? n : 1;
	for (size_t o = 0; o < n; o += step) {
		size_t k = n - o < step ? n - o : step;
		assert_int_equal(blob_write(w, data + o, k, &e), 0);
	}
	assert_int_equal(blob_commit(w, &size, &e), 0);
	assert_int_equal(size, n);
}

static void check_all(struct fixture *f, const char *id, const uint8_t *data,
		      size_t n)
{
	struct err e = {0};
	struct blob_reader *r = blob_open(f->bs, id, f->key, &e);
	assert_non_null(r);
	assert_int_equal(blob_size(r), n);
	uint8_t *back = malloc(n + 1);
	assert_non_null(back);
	assert_int_equal(blob_read_at(r, 0, back, n + 1, &e), (ssize_t)n);
	assert_memory_equal(back, data, n);
	assert_int_equal(blob_read_at(r, n, back, 1, &e), 0);
	assert_int_equal(blob_read_at(r, n + 100, back, 1, &e), 0);
	free(back);
	blob_close(r);
}

static void roundtrips(struct fixture *f, enum blobcipher_alg alg)
{
	const size_t sizes[] = {0, 1, C - 1, C, C + 1, 3 * C + 5,
				5 * 1024 * 1024 + 3};
	const size_t steps[] = {0, 1000, C, 3 * C + 1};
	char id[BLOB_ID_LEN + 1];
	struct stat st;
	char path[PATH_MAX];

	blobcipher_force(alg);
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		size_t n = sizes[i];
		uint8_t *data = make_data(n, (uint32_t)i + 1);
		for (size_t s = 0; s < sizeof steps / sizeof *steps; s++) {
			put(f, data, n, steps[s], id);
			path_of(f, id, path);
			assert_int_equal(stat(path, &st), 0);
			assert_int_equal(st.st_mode & 0777, 0600);
			assert_int_equal((uint64_t)st.st_size,
					 blobcipher_stored_size(n));
			/* The header names the cipher it was written with. */
			FILE *fp = fopen(path, "rb");
			assert_non_null(fp);
			fseek(fp, 9, SEEK_SET);
			assert_int_equal(fgetc(fp), alg);
			fclose(fp);
			/* Reading never depends on the forced choice. */
			blobcipher_force(BLOBCIPHER_AUTO);
			check_all(f, id, data, n);
			blobcipher_force(alg);
		}
		free(data);
	}
}

static void test_roundtrip_aes(void **state)
{
	roundtrips(*state, BLOBCIPHER_AES256GCM);
}

static void test_roundtrip_xchacha(void **state)
{
	roundtrips(*state, BLOBCIPHER_XCHACHA20POLY1305);
}

static void test_random_ranges(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	const size_t n = 7 * C + 1234;
	uint8_t *data = make_data(n, 99);
	uint8_t *back = malloc(3 * C + 10);
	char id[BLOB_ID_LEN + 1];
	uint32_t x = 2463534242u; /* xorshift32, fixed seed */

	assert_non_null(back);
	put(f, data, n, 4321, id);
	struct blob_reader *r = blob_open(f->bs, id, f->key, &e);
	assert_non_null(r);
	for (int i = 0; i < 2000; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		uint64_t off = x % (n + 10);
		size_t len;
		switch (i % 4) {
		case 0: /* straddle a boundary */
			off = (off / C) * C + C - (x % 17);
			len = 1 + x % 64;
			break;
		case 1: /* whole chunks, aligned */
			off = (off / C) * C;
			len = C * (1 + x % 2);
			break;
		default:
			len = x % (3 * C + 10);
			break;
		}
		ssize_t want = off >= n ? 0
					: (ssize_t)(len < n - off ? len : n - off);
		ssize_t got = blob_read_at(r, off, back, len, &e);
		assert_int_equal(got, want);
		if (got > 0)
			assert_memory_equal(back, data + off, (size_t)got);
	}
	blob_close(r);
	free(back);
	free(data);
}

/* Flip one bit of byte `at` in the stored file of id. */
static void flip_byte(struct fixture *f, const char *id, off_t at)
{
	char path[PATH_MAX];
	uint8_t b;
	path_of(f, id, path);
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, at), 1);
	b ^= 0x04;
	assert_int_equal(pwrite(fd, &b, 1, at), 1);
	close(fd);
}

static void test_tamper(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	const size_t n = 3 * C + 5;
	uint8_t *data = make_data(n, 7);
	uint8_t buf[64];
	char id[BLOB_ID_LEN + 1];
	const off_t header_bytes[] = {0, 8, 9, 11, 20, H - 1};

	/* In the header: refused at open. */
	for (size_t i = 0; i < sizeof header_bytes / sizeof *header_bytes;
	     i++) {
		put(f, data, n, 0, id);
		flip_byte(f, id, header_bytes[i]);
		assert_null(blob_open(f->bs, id, f->key, &e));
		assert_string_equal(e.key, "blob_integrity");
	}

	/* In chunk 1's ciphertext: chunk 0 still reads, chunk 1 does not. */
	put(f, data, n, 0, id);
	flip_byte(f, id, (off_t)blobcipher_chunk_offset(1) + 500);
	struct blob_reader *r = blob_open(f->bs, id, f->key, &e);
	assert_non_null(r);
	assert_int_equal(blob_read_at(r, 10, buf, sizeof buf, &e), 64);
	assert_memory_equal(buf, data + 10, 64);
	assert_int_equal(blob_read_at(r, C + 10, buf, sizeof buf, &e), -1);
	assert_string_equal(e.key, "blob_integrity");
	/* A range that starts in a good chunk and runs into the bad one. */
	assert_int_equal(blob_read_at(r, C - 10, buf, sizeof buf, &e), -1);
	/* Whole-chunk reads decrypt into the caller's buffer: on failure it
	 * must not hold unauthenticated plaintext. */
	uint8_t *big = malloc(C);
	assert_non_null(big);
	memset(big, 0x5a, C);
	assert_int_equal(blob_read_at(r, C, big, C, &e), -1);
	for (size_t i = 0; i < C; i++)
		assert_true(big[i] == 0 || big[i] == 0x5a);
	free(big);
	blob_close(r);

	/* In chunk 0's tag. */
	put(f, data, n, 0, id);
	flip_byte(f, id, (off_t)blobcipher_chunk_offset(1) - 1);
	r = blob_open(f->bs, id, f->key, &e);
	assert_non_null(r);
	assert_int_equal(blob_read_at(r, 0, buf, sizeof buf, &e), -1);
	blob_close(r);

	/* In the last chunk (tag or data): refused at open. */
	put(f, data, n, 0, id);
	flip_byte(f, id, (off_t)blobcipher_stored_size(n) - 1);
	assert_null(blob_open(f->bs, id, f->key, &e));
	put(f, data, n, 0, id);
	flip_byte(f, id, (off_t)blobcipher_chunk_offset(3));
	assert_null(blob_open(f->bs, id, f->key, &e));

	/* The empty blob is protected too. */
	put(f, data, 0, 0, id);
	flip_byte(f, id, H + 3);
	assert_null(blob_open(f->bs, id, f->key, &e));
	free(data);
}

static void cut(struct fixture *f, const char *id, off_t len)
{
	char path[PATH_MAX];
	path_of(f, id, path);
	assert_int_equal(truncate(path, len), 0);
}

static void test_truncation(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	const size_t n = 3 * C + 5;
	uint8_t *data = make_data(n, 8);
	char id[BLOB_ID_LEN + 1];

	/* Dropping the last chunk leaves a well-formed 3-chunk file whose
	 * final chunk was not sealed as last. */
	put(f, data, n, 0, id);
	cut(f, id, (off_t)blobcipher_chunk_offset(3));
	assert_null(blob_open(f->bs, id, f->key, &e));
	assert_string_equal(e.key, "blob_integrity");
	put(f, data, n, 0, id);
	cut(f, id, (off_t)blobcipher_chunk_offset(1));
	assert_null(blob_open(f->bs, id, f->key, &e));
	/* Mid-chunk, down to the header, and below it. */
	const off_t cuts[] = {(off_t)blobcipher_chunk_offset(2) + 100,
			      (off_t)blobcipher_chunk_offset(3) + 3, H + 16, H,
			      5, 0};
	for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
		put(f, data, n, 0, id);
		cut(f, id, cuts[i]);
		assert_null(blob_open(f->bs, id, f->key, &e));
	}
	/* A blob of exactly one full chunk cut to nothing but a tag. */
	put(f, data, C, 0, id);
	cut(f, id, H + 16);
	assert_null(blob_open(f->bs, id, f->key, &e));
	/* Bytes appended: also refused. */
	put(f, data, n, 0, id);
	char path[PATH_MAX];
	path_of(f, id, path);
	FILE *fp = fopen(path, "ab");
	assert_non_null(fp);
	fputc(0, fp);
	fclose(fp);
	assert_null(blob_open(f->bs, id, f->key, &e));
	free(data);
}

static void test_reorder(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	const size_t n = 3 * C + 5;
	uint8_t *data = make_data(n, 9);
	uint8_t *c0 = malloc(CT), *c1 = malloc(CT), buf[16];
	char id[BLOB_ID_LEN + 1], path[PATH_MAX];

	assert_non_null(c0);
	assert_non_null(c1);
	put(f, data, n, 0, id);
	path_of(f, id, path);
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, c0, CT, (off_t)blobcipher_chunk_offset(0)),
			 CT);
	assert_int_equal(pread(fd, c1, CT, (off_t)blobcipher_chunk_offset(1)),
			 CT);
	assert_int_equal(pwrite(fd, c1, CT, (off_t)blobcipher_chunk_offset(0)),
			 CT);
	assert_int_equal(pwrite(fd, c0, CT, (off_t)blobcipher_chunk_offset(1)),
			 CT);
	close(fd);
	struct blob_reader *r = blob_open(f->bs, id, f->key, &e);
	assert_non_null(r); /* the last chunk is intact */
	assert_int_equal(blob_read_at(r, 0, buf, sizeof buf, &e), -1);
	assert_int_equal(blob_read_at(r, C, buf, sizeof buf, &e), -1);
	assert_int_equal(blob_read_at(r, 2 * C, buf, sizeof buf, &e), 16);
	blob_close(r);

	/* A chunk duplicated in place of another. */
	put(f, data, n, 0, id);
	path_of(f, id, path);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, c0, CT, (off_t)blobcipher_chunk_offset(0)),
			 CT);
	assert_int_equal(pwrite(fd, c0, CT, (off_t)blobcipher_chunk_offset(2)),
			 CT);
	close(fd);
	r = blob_open(f->bs, id, f->key, &e);
	assert_non_null(r);
	assert_int_equal(blob_read_at(r, 0, buf, sizeof buf, &e), 16);
	assert_int_equal(blob_read_at(r, 2 * C, buf, sizeof buf, &e), -1);
	blob_close(r);
	free(c0);
	free(c1);
	free(data);
}

static void copy_file(const char *from, const char *to)
{
	char cmd[2 * PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
}

static void test_swap_and_wrong_key(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	uint8_t *a = make_data(C + 10, 10), *b = make_data(C + 10, 11);
	char ida[BLOB_ID_LEN + 1], idb[BLOB_ID_LEN + 1];
	char pa[PATH_MAX], pb[PATH_MAX];

	/* Same key for both, so only the id binding can tell them apart. */
	put(f, a, C + 10, 0, ida);
	put(f, b, C + 10, 0, idb);
	assert_string_not_equal(ida, idb);
	path_of(f, ida, pa);
	path_of(f, idb, pb);
	copy_file(pa, pb);
	assert_null(blob_open(f->bs, idb, f->key, &e));
	assert_string_equal(e.key, "blob_integrity");
	check_all(f, ida, a, C + 10);

	uint8_t other[32];
	randombytes_buf(other, sizeof other);
	assert_null(blob_open(f->bs, ida, other, &e));
	assert_string_equal(e.key, "blob_integrity");
	free(a);
	free(b);
}

static void test_bad_ids(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	const char *bad[] = {
		"",
		"..",
		"../../../../../../etc/passwd",
		"ab/cdefghijklmnopqrstuvwxyz",
		"ab/../cdefghijklmnopqrstuv",
		"..abcdefghijklmnopqrstuvwx",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ",
		"abcdefghijklmnopqrstuvwxy0",
		"abcdefghijklmnopqrstuvwxy1",
		"abcdefghijklmnopqrstuvwxy8",
		"abcdefghijklmnopqrstuvwxyz2", /* 27 */
		"abcdefghijklmnopqrstuvwxy",   /* 25 */
		"abcdefghijklmnopqrstuvwxy ",
		"abcdefghijklmnopqrstuvwxy\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_null(blob_open(f->bs, bad[i], f->key, &e));
		assert_int_equal(e.code, ERR_INVALID);
		assert_int_equal(blob_remove(f->bs, bad[i], &e), -1);
		assert_int_equal(e.code, ERR_INVALID);
	}
	assert_null(blob_open(f->bs, NULL, f->key, &e));
	/* Well formed but absent. */
	assert_null(blob_open(f->bs, "abcdefghijklmnopqrstuvwxyz", f->key, &e));
	assert_int_equal(e.code, ERR_NOT_FOUND);
	assert_int_equal(blob_remove(f->bs, "abcdefghijklmnopqrstuvwxyz", &e),
			 -1);
	assert_int_equal(e.code, ERR_NOT_FOUND);

	/* Generated ids are well formed, and remove works on them. */
	char id[BLOB_ID_LEN + 1];
	uint8_t x = 1;
	put(f, &x, 1, 0, id);
	assert_int_equal(strlen(id), BLOB_ID_LEN);
	assert_int_equal(strspn(id, "abcdefghijklmnopqrstuvwxyz234567"),
			 BLOB_ID_LEN);
	assert_int_equal(blob_remove(f->bs, id, &e), 0);
	assert_null(blob_open(f->bs, id, f->key, &e));
	assert_int_equal(e.code, ERR_NOT_FOUND);
}

static int count_files(const char *dir)
{
	char cmd[PATH_MAX + 32];
	snprintf(cmd, sizeof cmd, "find '%s' -type f | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static void test_abort(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	char id[BLOB_ID_LEN + 1];
	uint8_t *data = make_data(2 * C, 12);

	struct blob_writer *w = blob_create(f->bs, f->key, id, &e);
	assert_non_null(w);
	assert_int_equal(blob_write(w, data, 2 * C, &e), 0);
	assert_int_equal(count_files(f->dir), 1);
	blob_abort(w);
	assert_int_equal(count_files(f->dir), 0);
	assert_null(blob_open(f->bs, id, f->key, &e));
	assert_int_equal(e.code, ERR_NOT_FOUND);
	free(data);
}

struct refs {
	const char *keep;
	int calls;
};

static int is_ref(const char *id, void *ctx)
{
	struct refs *r = ctx;
	r->calls++;
	return strcmp(id, r->keep) == 0;
}

static int is_ref_fails(const char *id, void *ctx)
{
	(void)id;
	(void)ctx;
	return -1;
}

static void age(const char *path, int64_t seconds)
{
	struct timespec ts[2];
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= seconds;
	ts[1] = ts[0];
	assert_int_equal(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW),
			 0);
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
}

static void test_sweep(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	char keep[BLOB_ID_LEN + 1], drop[BLOB_ID_LEN + 1],
		fresh[BLOB_ID_LEN + 1];
	char p[PATH_MAX];
	uint8_t x = 42;

	put(f, &x, 1, 0, keep);
	put(f, &x, 1, 0, drop);
	put(f, &x, 1, 0, fresh);
	path_of(f, keep, p);
	age(p, 7200);
	path_of(f, drop, p);
	age(p, 7200);
	/* A crashed writer's temp file, a live one, and things that are not
	 * ours: a stray file, a non-id in a fan-out directory. */
	snprintf(p, sizeof p, "%s/tmp/crashed.part", f->dir);
	touch(p);
	age(p, 7200);
	snprintf(p, sizeof p, "%s/tmp/live.part", f->dir);
	touch(p);
	snprintf(p, sizeof p, "%s/tmp/notes.txt", f->dir);
	touch(p);
	age(p, 7200);
	snprintf(p, sizeof p, "%s/%.2s/README", f->dir, keep);
	touch(p);
	age(p, 7200);

	/* If the database cannot answer, no blob goes; temp files need no
	 * answer and are swept first. */
	assert_int_equal(blob_sweep(f->bs, is_ref_fails, NULL, 3600, &e), -1);
	assert_int_equal(e.code, ERR_UNAVAILABLE);
	path_of(f, drop, p);
	assert_int_equal(access(p, F_OK), 0);
	snprintf(p, sizeof p, "%s/tmp/crashed.part", f->dir);
	assert_int_equal(access(p, F_OK), -1);
	touch(p);
	age(p, 7200);

	struct refs refs = {keep, 0};
	assert_int_equal(blob_sweep(f->bs, is_ref, &refs, 3600, &e), 2);
	assert_int_equal(refs.calls, 2); /* fresh ones are not even asked */
	check_all(f, keep, &x, 1);
	check_all(f, fresh, &x, 1);
	assert_null(blob_open(f->bs, drop, f->key, &e));
	assert_int_equal(e.code, ERR_NOT_FOUND);
	snprintf(p, sizeof p, "%s/tmp/crashed.part", f->dir);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof p, "%s/tmp/live.part", f->dir);
	assert_int_equal(access(p, F_OK), 0);
	snprintf(p, sizeof p, "%s/tmp/notes.txt", f->dir);
	assert_int_equal(access(p, F_OK), 0);
	snprintf(p, sizeof p, "%s/%.2s/README", f->dir, keep);
	assert_int_equal(access(p, F_OK), 0);

	/* Nothing left to do: a second sweep removes nothing. */
	assert_int_equal(blob_sweep(f->bs, is_ref, &refs, 3600, &e), 0);
	/* With no minimum age, the fresh ones go too. */
	assert_int_equal(blob_sweep(f->bs, is_ref, &refs, 0, &e), 2);
	assert_null(blob_open(f->bs, fresh, f->key, &e));
	check_all(f, keep, &x, 1);
}

static void test_reopen_store(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	char id[BLOB_ID_LEN + 1];
	uint8_t *data = make_data(C + 1, 13);

	put(f, data, C + 1, 0, id);
	blob_store_close(f->bs);
	f->bs = blob_store_open(f->dir, &e);
	assert_non_null(f->bs);
	check_all(f, id, data, C + 1);
	struct stat st;
	assert_int_equal(stat(f->dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	free(data);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_roundtrip_aes),
		T(test_roundtrip_xchacha),
		T(test_random_ranges),
		T(test_tamper),
		T(test_truncation),
		T(test_reorder),
		T(test_swap_and_wrong_key),
		T(test_bad_ids),
		T(test_abort),
		T(test_sweep),
		T(test_reopen_store),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
