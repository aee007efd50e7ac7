/* blob_fs.c — the blob store on a local filesystem (blob.h).
 *
 * Layout under the store directory DIR:
 *   DIR/ab/<id>           committed blobs, fanned out by the id's first two
 *                         characters so no directory grows past ~1/1024 of
 *                         the store;
 *   DIR/tmp/<rand>.part   blobs being written.
 * Every path is made relative to an fd of DIR (openat and friends), from ids
 * that are checked to be exactly 26 characters of [a-z2-7]: no id can name
 * anything outside the tree, whatever a caller passes.
 *
 * Durability follows DESIGN.md, "Storage": a writer appends sealed chunks
 * to its temp file; commit seals the last chunk, fsyncs the file, renames it
 * into place and fsyncs the directory, and only then may the caller commit
 * the row that names it. A reader holds one decrypted chunk and one stored
 * chunk whatever the blob's size, and decrypts only the chunks a range
 * touches. The chunk format itself is crypto/blobcipher.h. */
#include "store/blob.h"

#include "crypto/blobcipher.h"
#include "store/blob_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BLOB_NO_CHUNK UINT64_MAX

const char blob_b32[] = "abcdefghijklmnopqrstuvwxyz234567";

struct blob_writer {
	struct blob_store *bs;
	struct blobcipher *bc;
	int fd;
	int failed; /* a write failed: only blob_abort is left */
	char id[BLOB_ID_LEN + 1];
	char tmp[sizeof BLOB_TMP_DIR "/" + BLOB_ID_LEN +
		 sizeof BLOB_PART_SUFFIX];
	uint64_t index; /* of the chunk being filled */
	uint64_t plain; /* plaintext bytes accepted so far */
	size_t fill;    /* bytes in buf */
	uint8_t *buf;   /* BLOBCIPHER_CHUNK plaintext */
	uint8_t *ct;    /* BLOBCIPHER_CHUNK_CT sealed */
};

struct blob_reader {
	struct blobcipher *bc;
	int fd;
	uint64_t size;   /* plaintext bytes */
	uint64_t chunks;
	uint64_t cached; /* chunk held in plain, or BLOB_NO_CHUNK */
	uint8_t *plain;  /* BLOBCIPHER_CHUNK */
	uint8_t *ct;     /* BLOBCIPHER_CHUNK_CT */
};

/* 128 random bits as 26 base32 characters, most significant bits first;
 * the last character carries the final 3 bits and two zero bits. */
static void blob_new_id(char out[BLOB_ID_LEN + 1])
{
	uint8_t r[16];
	unsigned acc = 0, bits = 0;
	size_t o = 0;

	randombytes_buf(r, sizeof r);
	for (size_t i = 0; i < sizeof r; i++) {
		acc = (acc << 8) | r[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = blob_b32[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		out[o++] = blob_b32[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

/* The one gate between an id from outside and a path. */
int blob_id_ok(const char *id)
{
	if (!id || strnlen(id, BLOB_ID_LEN + 1) != BLOB_ID_LEN)
		return 0;
	for (size_t i = 0; i < BLOB_ID_LEN; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7')))
			return 0;
	}
	return 1;
}

/* "ab/<id>" for a checked id. */
static void blob_rel_path(const char *id, char out[3 + BLOB_ID_LEN + 1])
{
	out[0] = id[0];
	out[1] = id[1];
	out[2] = '/';
	memcpy(out + 3, id, BLOB_ID_LEN + 1);
}

int blob_io_err(struct err *e, const char *what)
{
	return err_set(e, ERR_INTERNAL, "blob_io", "blob store: %s: %s", what,
		       strerror(errno));
}

static int blob_write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* 0, or -1 with errno; a short file is EIO-like truncation (ENODATA). */
static int blob_pread_all(int fd, uint8_t *p, size_t n, uint64_t off)
{
	while (n > 0) {
		if (off > (uint64_t)INT64_MAX) {
			errno = EOVERFLOW;
			return -1;
		}
		ssize_t r = pread(fd, p, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = ENODATA;
			return -1;
		}
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static int blob_fsync_at(int dirfd, const char *rel)
{
	int fd = openat(dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

struct blob_store *blob_store_open(const char *dir, struct err *e)
{
	struct blob_store *bs = NULL;
	int fd = -1;

	if (sodium_init() < 0) {
		err_set(e, ERR_INTERNAL, NULL, "libsodium failed to start");
		goto fail;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		blob_io_err(e, "cannot create the store directory");
		goto fail;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		blob_io_err(e, "cannot open the store directory");
		goto fail;
	}
	if (mkdirat(fd, BLOB_TMP_DIR, 0700) != 0 && errno != EEXIST) {
		blob_io_err(e, "cannot create tmp/");
		goto fail;
	}
	bs = calloc(1, sizeof *bs);
	if (!bs) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		goto fail;
	}
	bs->dirfd = fd;
	return bs;
fail:
	if (fd >= 0)
		close(fd);
	return NULL;
}

void blob_store_close(struct blob_store *bs)
{
	if (!bs)
		return;
	close(bs->dirfd);
	free(bs);
}

/* ---- writing ---- */

static void blob_writer_free(struct blob_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	blobcipher_free(w->bc);
	if (w->buf)
		sodium_memzero(w->buf, BLOBCIPHER_CHUNK);
	free(w->buf);
	free(w->ct);
	free(w);
}

struct blob_writer *blob_create(struct blob_store *bs, const uint8_t key[32],
				char id_out[BLOB_ID_LEN + 1], struct err *e)
{
	uint8_t header[BLOBCIPHER_HEADER_LEN];
	char rnd[BLOB_ID_LEN + 1];
	struct blob_writer *w = calloc(1, sizeof *w);

	if (!w) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	w->bs = bs;
	w->fd = -1;
	w->buf = malloc(BLOBCIPHER_CHUNK);
	w->ct = malloc(BLOBCIPHER_CHUNK_CT);
	if (!w->buf || !w->ct) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		goto fail;
	}
	blob_new_id(w->id);
	/* The temp name is random too, not the id: a stale temp file then
	 * never reveals which blob it would have become. */
	blob_new_id(rnd);
	memcpy(w->tmp, BLOB_TMP_DIR "/", sizeof BLOB_TMP_DIR);
	memcpy(w->tmp + sizeof BLOB_TMP_DIR, rnd, BLOB_ID_LEN);
	memcpy(w->tmp + sizeof BLOB_TMP_DIR + BLOB_ID_LEN, BLOB_PART_SUFFIX,
	       sizeof BLOB_PART_SUFFIX);

	w->bc = blobcipher_seal_new(key, w->id, header, e);
	if (!w->bc)
		goto fail;
	w->fd = openat(bs->dirfd, w->tmp,
		       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		       0600);
	if (w->fd < 0) {
		blob_io_err(e, "cannot create a temp file");
		goto fail;
	}
	if (blob_write_all(w->fd, header, sizeof header) != 0) {
		blob_io_err(e, "cannot write");
		blob_abort(w);
		return NULL;
	}
	memcpy(id_out, w->id, BLOB_ID_LEN + 1);
	return w;
fail:
	blob_writer_free(w);
	return NULL;
}

/* Seal n bytes at src as the current chunk and append it. */
static int blob_put_chunk(struct blob_writer *w, const uint8_t *src, size_t n,
			  int last, struct err *e)
{
	if (blobcipher_seal(w->bc, w->index, last, src, n, w->ct, e) != 0)
		return -1;
	if (blob_write_all(w->fd, w->ct, n + BLOBCIPHER_TAG_LEN) != 0)
		return blob_io_err(e, "cannot write");
	w->index++;
	return 0;
}

int blob_write(struct blob_writer *w, const void *p, size_t n, struct err *e)
{
	const uint8_t *src = p;

	if (w->failed)
		return err_set(e, ERR_INTERNAL, NULL, "blob writer has failed");
	if (n > BLOBCIPHER_MAX_PLAIN - w->plain) {
		w->failed = 1;
		return err_set(e, ERR_TOO_LARGE, NULL, "blob too large");
	}
	while (n > 0) {
		/* A full buffer is sealed only once more data arrives: until
		 * then it may still be the last chunk. */
		if (w->fill == BLOBCIPHER_CHUNK) {
			if (blob_put_chunk(w, w->buf, w->fill, 0, e) != 0)
				goto fail;
			w->fill = 0;
		}
		/* Whole chunks that are surely not last skip the copy. */
		if (w->fill == 0 && n > BLOBCIPHER_CHUNK) {
			if (blob_put_chunk(w, src, BLOBCIPHER_CHUNK, 0, e) != 0)
				goto fail;
			src += BLOBCIPHER_CHUNK;
			n -= BLOBCIPHER_CHUNK;
			w->plain += BLOBCIPHER_CHUNK;
			continue;
		}
		size_t take = BLOBCIPHER_CHUNK - w->fill;
		if (take > n)
			take = n;
		memcpy(w->buf + w->fill, src, take);
		w->fill += take;
		w->plain += take;
		src += take;
		n -= take;
	}
	return 0;
fail:
	w->failed = 1;
	return -1;
}

int blob_commit(struct blob_writer *w, uint64_t *size_out, struct err *e)
{
	struct blob_store *bs = w->bs;
	char rel[3 + BLOB_ID_LEN + 1];
	char fan[3] = {w->id[0], w->id[1], '\0'};
	int rc = -1, renamed = 0;

	if (w->failed) {
		err_set(e, ERR_INTERNAL, NULL, "blob writer has failed");
		goto out;
	}
	if (blob_put_chunk(w, w->buf, w->fill, 1, e) != 0)
		goto out;
	if (fsync(w->fd) != 0) {
		blob_io_err(e, "cannot fsync");
		goto out;
	}
	int fd = w->fd;
	w->fd = -1;
	if (close(fd) != 0) {
		blob_io_err(e, "cannot close");
		goto out;
	}
	if (mkdirat(bs->dirfd, fan, 0700) == 0) {
		/* A new fan-out directory is itself an entry of DIR. */
		if (fsync(bs->dirfd) != 0) {
			blob_io_err(e, "cannot fsync the store directory");
			goto out;
		}
	} else if (errno != EEXIST) {
		blob_io_err(e, "cannot create a fan-out directory");
		goto out;
	}
	blob_rel_path(w->id, rel);
	if (renameat(bs->dirfd, w->tmp, bs->dirfd, rel) != 0) {
		blob_io_err(e, "cannot rename into place");
		goto out;
	}
	renamed = 1;
	/* If this fails the blob may or may not survive a crash; the caller
	 * must not reference it, and the sweep removes it in time. */
	if (blob_fsync_at(bs->dirfd, fan) != 0) {
		blob_io_err(e, "cannot fsync a fan-out directory");
		goto out;
	}
	if (size_out)
		*size_out = w->plain;
	rc = 0;
out:
	if (!renamed)
		unlinkat(bs->dirfd, w->tmp, 0); /* best effort: sweep follows */
	blob_writer_free(w);
	return rc;
}

void blob_abort(struct blob_writer *w)
{
	if (!w)
		return;
	/* Best effort: a temp file left behind is the sweep's to remove. */
	unlinkat(w->bs->dirfd, w->tmp, 0);
	blob_writer_free(w);
}

/* ---- reading ---- */

static size_t blob_chunk_plain_len(const struct blob_reader *r, uint64_t i)
{
	if (i + 1 < r->chunks)
		return BLOBCIPHER_CHUNK;
	return (size_t)(r->size - (r->chunks - 1) * BLOBCIPHER_CHUNK);
}

/* Read and authenticate chunk i into dst (blob_chunk_plain_len bytes). */
static int blob_load_chunk(struct blob_reader *r, uint64_t i, uint8_t *dst,
			   struct err *e)
{
	size_t n = blob_chunk_plain_len(r, i) + BLOBCIPHER_TAG_LEN;

	if (blob_pread_all(r->fd, r->ct, n, blobcipher_chunk_offset(i)) != 0) {
		if (errno == ENODATA)
			return err_set(e, ERR_INTERNAL, "blob_integrity",
				       "blob was truncated");
		return blob_io_err(e, "cannot read");
	}
	return blobcipher_open(r->bc, i, i + 1 == r->chunks, r->ct, n, dst, e);
}

void blob_close(struct blob_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	blobcipher_free(r->bc);
	if (r->plain)
		sodium_memzero(r->plain, BLOBCIPHER_CHUNK);
	free(r->plain);
	free(r->ct);
	free(r);
}

struct blob_reader *blob_open(struct blob_store *bs, const char *id,
			      const uint8_t key[32], struct err *e)
{
	uint8_t header[BLOBCIPHER_HEADER_LEN];
	char rel[3 + BLOB_ID_LEN + 1];
	struct blob_reader *r = NULL;
	struct stat st;

	if (!blob_id_ok(id)) {
		err_field(e, "id", "malformed blob id");
		return NULL;
	}
	r = calloc(1, sizeof *r);
	if (!r) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	r->fd = -1;
	r->cached = BLOB_NO_CHUNK;
	r->plain = malloc(BLOBCIPHER_CHUNK);
	r->ct = malloc(BLOBCIPHER_CHUNK_CT);
	if (!r->plain || !r->ct) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		goto fail;
	}
	blob_rel_path(id, rel);
	r->fd = openat(bs->dirfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (r->fd < 0) {
		if (errno == ENOENT)
			err_set(e, ERR_NOT_FOUND, NULL, "no such blob");
		else
			blob_io_err(e, "cannot open");
		goto fail;
	}
	if (fstat(r->fd, &st) != 0) {
		blob_io_err(e, "cannot stat");
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 0 ||
	    blobcipher_layout((uint64_t)st.st_size, &r->size, &r->chunks)) {
		err_set(e, ERR_INTERNAL, "blob_integrity",
			"blob size does not fit the chunk layout (cut?)");
		goto fail;
	}
	if (blob_pread_all(r->fd, header, sizeof header, 0) != 0) {
		blob_io_err(e, "cannot read the header");
		goto fail;
	}
	r->bc = blobcipher_open_new(key, id, header, e);
	if (!r->bc)
		goto fail;
	/* The size came from the file length; the last chunk, sealed with the
	 * last flag, is what proves it. Checking it now also makes a wrong
	 * key, a swapped file or a cut blob fail at open, not mid-download. */
	if (blob_load_chunk(r, r->chunks - 1, r->plain, e) != 0)
		goto fail;
	r->cached = r->chunks - 1;
	return r;
fail:
	blob_close(r);
	return NULL;
}

uint64_t blob_size(const struct blob_reader *r)
{
	return r->size;
}

ssize_t blob_read_at(struct blob_reader *r, uint64_t off, void *p, size_t n,
		     struct err *e)
{
	uint8_t *dst = p;
	size_t done = 0;

	if (off >= r->size)
		return 0;
	if (n > SSIZE_MAX)
		n = SSIZE_MAX;
	if (n > r->size - off)
		n = (size_t)(r->size - off);
	while (done < n) {
		uint64_t pos = off + done;
		uint64_t i = pos / BLOBCIPHER_CHUNK;
		size_t in = (size_t)(pos % BLOBCIPHER_CHUNK);
		size_t clen = blob_chunk_plain_len(r, i);
		size_t take = clen - in;
		if (take > n - done)
			take = n - done;

		if (i != r->cached && in == 0 && take == clen) {
			/* The caller wants the whole chunk: decrypt straight
			 * into its buffer and save a copy. */
			if (blob_load_chunk(r, i, dst + done, e) != 0)
				return -1;
		} else {
			if (i != r->cached) {
				r->cached = BLOB_NO_CHUNK;
				if (blob_load_chunk(r, i, r->plain, e) != 0)
					return -1;
				r->cached = i;
			}
			memcpy(dst + done, r->plain + in, take);
		}
		done += take;
	}
	return (ssize_t)done;
}

int blob_remove(struct blob_store *bs, const char *id, struct err *e)
{
	char rel[3 + BLOB_ID_LEN + 1];

	if (!blob_id_ok(id))
		return err_field(e, "id", "malformed blob id");
	blob_rel_path(id, rel);
	if (unlinkat(bs->dirfd, rel, 0) != 0) {
		if (errno == ENOENT)
			return err_set(e, ERR_NOT_FOUND, NULL, "no such blob");
		return blob_io_err(e, "cannot remove");
	}
	return 0;
}
