/* blob_priv.h — what the filesystem blob store's files share (blob_fs.c
 * writes and reads, blob_sweep.c removes leftovers); not for use outside
 * src/store/blob_*.c. */
#ifndef AKTE_STORE_BLOB_PRIV_H
#define AKTE_STORE_BLOB_PRIV_H

#include "store/blob.h"

#define BLOB_TMP_DIR "tmp"
#define BLOB_PART_SUFFIX ".part"

/* The id alphabet: lowercase RFC 4648 base32. */
extern const char blob_b32[];

struct blob_store {
	int dirfd; /* the store directory; every path is relative to it */
};

/* Exactly BLOB_ID_LEN characters of blob_b32: an id can never be a path. */
int blob_id_ok(const char *id);
/* ERR_INTERNAL naming what failed and errno's text; returns -1. */
int blob_io_err(struct err *e, const char *what);

#endif
