/* profile_fs.h — where profile files live and how they are read and
 * replaced; no cryptography here (see seal.h) and no JSON (see profile.c). */
#ifndef AKTE_CLI_PROFILE_FS_H
#define AKTE_CLI_PROFILE_FS_H

#include "core/buf.h"
#include "core/err.h"

#include <stddef.h>

#define PROFILE_FS_SUFFIX ".profile"

/* The profile directory into out. With `create`, make it (and missing
 * parents) 0700 and tighten it to 0700 when it is looser. */
int profile_fs_dir(char *out, size_t n, int create, struct err *e);

/* DIR/NAME.profile into path; the name must already be checked. */
int profile_fs_path(const char *name, char *path, size_t n, int create,
		    struct err *e);

/* The whole file into b (at most SEAL_MAX_FILE bytes). Symbolic links are
 * refused. -1 with e->key "no_profile" when there is no such file. */
int profile_fs_read(const char *path, struct buf *b, struct err *e);

/* Replace path with data: a 0600 temporary file in the same directory,
 * fsync, rename, fsync of the directory. */
int profile_fs_write(const char *path, const void *data, size_t len,
		     struct err *e);

#endif
