/* test_blobcipher.c — the chunk format on its own, in memory: layout
 * arithmetic, header checks, and that every binding (key, id, index, last
 * flag, header) is enforced by both ciphers. File-level attacks (cuts,
 * swaps, reordering on disk) are tested through the store, test_blob_fs.c.
 * With AKTE_BENCH=1 it also prints throughput of each cipher. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crypto/blobcipher.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *ID = "abcdefghijklmnopqrstuvwxyz";
static const char *ID2 = "abcdefghijklmnopqrstuvwxy2";
static const enum blobcipher_alg ALGS[] = {BLOBCIPHER_AES256GCM,
					   BLOBCIPHER_XCHACHA20POLY1305};

static void test_layout(void **state)
{
	(void)state;
	const uint64_t C = BLOBCIPHER_CHUNK, T = BLOBCIPHER_TAG_LEN,
		       H = BLOBCIPHER_HEADER_LEN;
	const uint64_t sizes[] = {0, 1, C - 1, C, C + 1, 3 * C + 5, 5 * C,
				  BLOBCIPHER_MAX_PLAIN};
	uint64_t plain, chunks;

	assert_int_equal(blobcipher_chunks(0), 1);
	assert_int_equal(blobcipher_chunks(C), 1);
	assert_int_equal(blobcipher_chunks(C + 1), 2);
	assert_int_equal(blobcipher_stored_size(0), H + T);
	assert_int_equal(blobcipher_chunk_offset(2), H + 2 * (C + T));
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		uint64_t s = blobcipher_stored_size(sizes[i]);
		assert_int_equal(blobcipher_layout(s, &plain, &chunks), 0);
		assert_int_equal(plain, sizes[i]);
		assert_int_equal(chunks, blobcipher_chunks(sizes[i]));
	}
	/* Exhaustive around the first boundaries: every stored size maps to
	 * exactly the plaintext size that produces it, or to none. */
	for (uint64_t p = 0; p < 3 * C + 3; p++) {
		uint64_t s = blobcipher_stored_size(p);
		assert_int_equal(blobcipher_layout(s, &plain, &chunks), 0);
		assert_int_equal(plain, p);
	}
	for (uint64_t s = 0; s < H + 3 * (C + T) + 40; s++) {
		if (blobcipher_layout(s, &plain, &chunks) == 0)
			assert_int_equal(blobcipher_stored_size(plain), s);
	}
	/* Too short, a torn tag, an empty chunk after full ones. */
	assert_int_equal(blobcipher_layout(0, &plain, &chunks), -1);
	assert_int_equal(blobcipher_layout(H, &plain, &chunks), -1);
	assert_int_equal(blobcipher_layout(H + T - 1, &plain, &chunks), -1);
	assert_int_equal(blobcipher_layout(H + (C + T) + 5, &plain, &chunks),
			 -1);
	assert_int_equal(blobcipher_layout(H + (C + T) + T, &plain, &chunks),
			 -1);
	assert_int_equal(blobcipher_layout(
				 blobcipher_stored_size(BLOBCIPHER_MAX_PLAIN) + 1,
				 &plain, &chunks),
			 -1);
	assert_int_equal(blobcipher_layout(UINT64_MAX, &plain, &chunks), -1);
}

/* Seal three chunks (full, full, short last) with alg and check that each
 * opens only with exactly the right key, id, index, flag and header. */
static void check_alg(enum blobcipher_alg alg)
{
	static uint8_t plain[3][BLOBCIPHER_CHUNK];
	static uint8_t ct[3][BLOBCIPHER_CHUNK_CT];
	static uint8_t back[BLOBCIPHER_CHUNK_CT];
	const size_t len[3] = {BLOBCIPHER_CHUNK, BLOBCIPHER_CHUNK, 777};
	uint8_t key[32], key2[32], hdr[BLOBCIPHER_HEADER_LEN],
		bad[BLOBCIPHER_HEADER_LEN];
	struct err e = {0};

	randombytes_buf(key, sizeof key);
	randombytes_buf(key2, sizeof key2);
	randombytes_buf(plain, sizeof plain);
	blobcipher_force(alg);
	struct blobcipher *s = blobcipher_seal_new(key, ID, hdr, &e);
	assert_non_null(s);
	assert_int_equal(blobcipher_alg(s), alg);
	assert_int_equal(hdr[9], alg);
	for (int i = 0; i < 3; i++)
		assert_int_equal(blobcipher_seal(s, (uint64_t)i, i == 2,
						 plain[i], len[i], ct[i], &e),
				 0);
	/* A sealing context does not open, and chunks are bounded. */
	assert_int_equal(blobcipher_open(s, 0, 0, ct[0], BLOBCIPHER_CHUNK_CT,
					 back, &e), -1);
	assert_int_equal(blobcipher_seal(s, 3, 1, plain[0],
					 BLOBCIPHER_CHUNK + 1, back, &e), -1);
	blobcipher_free(s);
	blobcipher_force(BLOBCIPHER_AUTO);

	/* Reading does not depend on the forced choice: the header says. */
	blobcipher_force(alg == BLOBCIPHER_AES256GCM
				 ? BLOBCIPHER_XCHACHA20POLY1305
				 : BLOBCIPHER_AES256GCM);
	struct blobcipher *o = blobcipher_open_new(key, ID, hdr, &e);
	blobcipher_force(BLOBCIPHER_AUTO);
	assert_non_null(o);
	assert_int_equal(blobcipher_alg(o), alg);
	for (int i = 0; i < 3; i++) {
		size_t n = len[i] + BLOBCIPHER_TAG_LEN;
		assert_int_equal(blobcipher_open(o, (uint64_t)i, i == 2, ct[i],
						 n, back, &e), 0);
		assert_memory_equal(back, plain[i], len[i]);
	}
	/* Wrong index (reordering), wrong flag (cut), flipped bits. */
	memset(back, 0xaa, sizeof back);
	assert_int_equal(blobcipher_open(o, 1, 0, ct[0], BLOBCIPHER_CHUNK_CT,
					 back, &e), -1);
	assert_string_equal(e.key, "blob_integrity");
	/* The unauthenticated plaintext was wiped. */
	for (size_t i = 0; i < BLOBCIPHER_CHUNK; i++)
		assert_int_equal(back[i], 0);
	assert_int_equal(blobcipher_open(o, 1, 1, ct[1], BLOBCIPHER_CHUNK_CT,
					 back, &e), -1);
	assert_int_equal(blobcipher_open(o, 2, 0, ct[2],
					 len[2] + BLOBCIPHER_TAG_LEN, back, &e),
			 -1);
	ct[0][100] ^= 1;
	assert_int_equal(blobcipher_open(o, 0, 0, ct[0], BLOBCIPHER_CHUNK_CT,
					 back, &e), -1);
	ct[0][100] ^= 1;
	ct[0][BLOBCIPHER_CHUNK_CT - 1] ^= 1; /* in the tag */
	assert_int_equal(blobcipher_open(o, 0, 0, ct[0], BLOBCIPHER_CHUNK_CT,
					 back, &e), -1);
	ct[0][BLOBCIPHER_CHUNK_CT - 1] ^= 1;
	/* Too short to hold a tag. */
	assert_int_equal(blobcipher_open(o, 0, 0, ct[0], 15, back, &e), -1);
	/* In place works too. */
	assert_int_equal(blobcipher_open(o, 2, 1, ct[2],
					 len[2] + BLOBCIPHER_TAG_LEN, ct[2], &e),
			 0);
	assert_memory_equal(ct[2], plain[2], len[2]);
	blobcipher_free(o);

	/* Another key, another id, an altered header: nothing opens. */
	struct blobcipher *x = blobcipher_open_new(key2, ID, hdr, &e);
	assert_non_null(x);
	assert_int_equal(blobcipher_open(x, 0, 0, ct[0], BLOBCIPHER_CHUNK_CT,
					 back, &e), -1);
	blobcipher_free(x);
	x = blobcipher_open_new(key, ID2, hdr, &e);
	assert_non_null(x);
	assert_int_equal(blobcipher_open(x, 0, 0, ct[0], BLOBCIPHER_CHUNK_CT,
					 back, &e), -1);
	blobcipher_free(x);
	for (size_t i = BLOBCIPHER_HEADER_LEN - 16; i < BLOBCIPHER_HEADER_LEN;
	     i++) {
		memcpy(bad, hdr, sizeof bad);
		bad[i] ^= 0x10;
		x = blobcipher_open_new(key, ID, bad, &e);
		assert_non_null(x);
		assert_int_equal(blobcipher_open(x, 0, 0, ct[0],
						 BLOBCIPHER_CHUNK_CT, back, &e),
				 -1);
		blobcipher_free(x);
	}
}

static void test_aes_roundtrip(void **state)
{
	(void)state;
	check_alg(BLOBCIPHER_AES256GCM);
}

static void test_xchacha_roundtrip(void **state)
{
	(void)state;
	check_alg(BLOBCIPHER_XCHACHA20POLY1305);
}

static void test_empty_chunk(void **state)
{
	(void)state;
	uint8_t key[32], hdr[BLOBCIPHER_HEADER_LEN], ct[BLOBCIPHER_TAG_LEN],
		out[1];
	struct err e = {0};

	randombytes_buf(key, sizeof key);
	for (size_t a = 0; a < 2; a++) {
		blobcipher_force(ALGS[a]);
		struct blobcipher *s = blobcipher_seal_new(key, ID, hdr, &e);
		blobcipher_force(BLOBCIPHER_AUTO);
		assert_non_null(s);
		assert_int_equal(blobcipher_seal(s, 0, 1, NULL, 0, ct, &e), 0);
		blobcipher_free(s);
		struct blobcipher *o = blobcipher_open_new(key, ID, hdr, &e);
		assert_non_null(o);
		assert_int_equal(blobcipher_open(o, 0, 1, ct, sizeof ct, out,
						 &e), 0);
		assert_int_equal(blobcipher_open(o, 0, 0, ct, sizeof ct, out,
						 &e), -1);
		blobcipher_free(o);
	}
}

static void test_header_checks(void **state)
{
	(void)state;
	uint8_t key[32], hdr[BLOBCIPHER_HEADER_LEN], bad[BLOBCIPHER_HEADER_LEN];
	struct err e = {0};
	char longid[BLOBCIPHER_ID_MAX + 2];

	randombytes_buf(key, sizeof key);
	struct blobcipher *s = blobcipher_seal_new(key, ID, hdr, &e);
	assert_non_null(s);
	blobcipher_free(s);
	assert_memory_equal(hdr, "akteblob", 8);
	assert_int_equal(hdr[8], 1);

	memcpy(bad, hdr, sizeof bad);
	bad[0] = 'A';
	assert_null(blobcipher_open_new(key, ID, bad, &e));
	memcpy(bad, hdr, sizeof bad);
	bad[8] = 2;
	assert_null(blobcipher_open_new(key, ID, bad, &e));
	memcpy(bad, hdr, sizeof bad);
	bad[9] = 0;
	assert_null(blobcipher_open_new(key, ID, bad, &e));
	bad[9] = 3;
	assert_null(blobcipher_open_new(key, ID, bad, &e));
	memcpy(bad, hdr, sizeof bad);
	bad[12] = 1;
	assert_null(blobcipher_open_new(key, ID, bad, &e));
	assert_string_equal(e.key, "blob_integrity");

	/* Ids must be present and bounded. */
	assert_null(blobcipher_open_new(key, "", hdr, &e));
	memset(longid, 'a', sizeof longid - 1);
	longid[sizeof longid - 1] = '\0';
	assert_null(blobcipher_open_new(key, longid, hdr, &e));
	/* Two blobs get different nonce prefixes. */
	uint8_t hdr2[BLOBCIPHER_HEADER_LEN];
	s = blobcipher_seal_new(key, ID, hdr2, &e);
	assert_non_null(s);
	blobcipher_free(s);
	assert_memory_not_equal(hdr + 16, hdr2 + 16, 16);
}

static void test_preferred(void **state)
{
	(void)state;
	enum blobcipher_alg a = blobcipher_preferred();
	assert_true(a == BLOBCIPHER_AES256GCM ||
		    a == BLOBCIPHER_XCHACHA20POLY1305);
	blobcipher_force(BLOBCIPHER_XCHACHA20POLY1305);
	assert_int_equal(blobcipher_preferred(), BLOBCIPHER_XCHACHA20POLY1305);
	blobcipher_force(BLOBCIPHER_AUTO);
	assert_int_equal(blobcipher_preferred(), a);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Not a test: prints MB/s of sealing and opening 64 KiB chunks. */
static void bench(void)
{
	const int rounds = 16384; /* 1 GiB */
	uint8_t key[32], hdr[BLOBCIPHER_HEADER_LEN];
	uint8_t *buf = malloc(BLOBCIPHER_CHUNK_CT);
	struct err e = {0};

	if (!buf)
		return;
	randombytes_buf(key, sizeof key);
	randombytes_buf(buf, BLOBCIPHER_CHUNK);
	for (size_t a = 0; a < 2; a++) {
		blobcipher_force(ALGS[a]);
		struct blobcipher *s = blobcipher_seal_new(key, ID, hdr, &e);
		blobcipher_force(BLOBCIPHER_AUTO);
		struct blobcipher *o = blobcipher_open_new(key, ID, hdr, &e);
		double t0 = now_s();
		for (int i = 0; i < rounds; i++)
			blobcipher_seal(s, 0, 0, buf, BLOBCIPHER_CHUNK, buf, &e);
		double t1 = now_s();
		/* Seal once more so there is something valid to open. */
		for (int i = 0; i < rounds; i++) {
			blobcipher_seal(s, 0, 0, buf, BLOBCIPHER_CHUNK, buf, &e);
			if (blobcipher_open(o, 0, 0, buf, BLOBCIPHER_CHUNK_CT,
					    buf, &e) != 0)
				fprintf(stderr, "bench: open failed\n");
		}
		double t2 = now_s();
		double mb = (double)rounds * BLOBCIPHER_CHUNK / 1e6;
		double seal = mb / (t1 - t0);
		/* the second loop seals and opens; subtract the sealing */
		double open = mb / ((t2 - t1) - (t1 - t0));
		fprintf(stderr, "%s: seal %.0f MB/s, open %.0f MB/s\n",
			ALGS[a] == BLOBCIPHER_AES256GCM ? "AES-256-GCM (EVP)"
							: "XChaCha20-Poly1305",
			seal, open);
		blobcipher_free(s);
		blobcipher_free(o);
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_aes_roundtrip),
		cmocka_unit_test(test_xchacha_roundtrip),
		cmocka_unit_test(test_empty_chunk),
		cmocka_unit_test(test_header_checks),
		cmocka_unit_test(test_preferred),
	};
	if (sodium_init() < 0)
		return 1;
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	const char *b = getenv("AKTE_BENCH");
	if (rc == 0 && b && strcmp(b, "1") == 0)
		bench();
	return rc;
}
