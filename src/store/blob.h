/* blob.h — the encrypted blob store (filesystem backend: blob_fs.c; an
 * S3-compatible backend later implements the same calls).
 *
 * A blob is named by a random id and encrypted with its own data key in
 * 64 KiB chunks (crypto/blobcipher.h): writing and reading stream in constant
 * memory, and any byte range decrypts without the rest. Writing goes to a
 * temporary file that blob_commit() fsyncs and renames into place; only
 * after that may the caller commit the database row that references it.
 * A crash before the rename leaves a temp file, after it an unreferenced
 * blob: blob_sweep() removes both once they are older than a given age. */
#ifndef AKTE_STORE_BLOB_H
#define AKTE_STORE_BLOB_H

#include "core/err.h"

#include <stdint.h>
#include <sys/types.h>

#define BLOB_ID_LEN 26  /* lowercase base32 of 128 random bits */

struct blob_store;
struct blob_writer;
struct blob_reader;

/* Opens DIR (creating it 0700 if needed). The caller owns the store. */
struct blob_store *blob_store_open(const char *dir, struct err *e);
void blob_store_close(struct blob_store *bs);

/* Start a new blob; id_out receives its id. key is copied. */
struct blob_writer *blob_create(struct blob_store *bs, const uint8_t key[32],
				char id_out[BLOB_ID_LEN + 1], struct err *e);
int blob_write(struct blob_writer *w, const void *p, size_t n, struct err *e);
/* Seal the last chunk, fsync, rename into place, free w. */
int blob_commit(struct blob_writer *w, uint64_t *size_out, struct err *e);
/* Drop an unfinished blob and its temp file, free w. */
void blob_abort(struct blob_writer *w);

/* Open for reading; checks the header and that the blob belongs to id
 * (a blob file swapped for another fails here or on first read). */
struct blob_reader *blob_open(struct blob_store *bs, const char *id,
			      const uint8_t key[32], struct err *e);
uint64_t blob_size(const struct blob_reader *r);  /* plaintext bytes */
/* Read up to n plaintext bytes at offset; returns bytes read (0 at end) or
 * -1 when a chunk fails authentication, is missing or truncated. */
ssize_t blob_read_at(struct blob_reader *r, uint64_t off, void *p, size_t n,
		     struct err *e);
void blob_close(struct blob_reader *r);

int blob_remove(struct blob_store *bs, const char *id, struct err *e);

/* Remove temp files and blobs for which is_referenced() says 0, when their
 * mtime is older than min_age_s. Returns the number removed or -1. */
int blob_sweep(struct blob_store *bs,
	       int (*is_referenced)(const char *id, void *ctx), void *ctx,
	       int64_t min_age_s, struct err *e);

#endif
