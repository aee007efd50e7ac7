/* blob_sweep.c — removing what no row references: temporary files of
 * uploads that never finished, and committed blobs whose row was never
 * written (a crash between rename and commit) or was deleted (a crash
 * between the row's deletion and the file's). See blob.h, blob_sweep(). */
#include "store/blob_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int blob_is_fan(const char *name)
{
	return strlen(name) == 2 && strchr(blob_b32, name[0]) &&
	       strchr(blob_b32, name[1]);
}

static int blob_is_part(const char *name)
{
	size_t len = strlen(name), sl = sizeof BLOB_PART_SUFFIX - 1;
	return len > sl && memcmp(name + len - sl, BLOB_PART_SUFFIX, sl) == 0;
}

/* Whether entry name of dfd is a regular file last changed at or before
 * cutoff. A file that vanished meanwhile is simply not old. */
static int blob_is_old(int dfd, const char *name, time_t cutoff)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return 0;
	return S_ISREG(st.st_mode) && st.st_mtime <= cutoff;
}

/* Open directory rel of dirfd for reading entries. */
static DIR *blob_opendir(int dirfd, const char *rel)
{
	int fd = openat(dirfd, rel,
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

/* Temp files are rewritten (mtime bumped) on every chunk, so only a
 * writer stalled for min_age, or one that died, loses its file. */
static int blob_sweep_tmp(struct blob_store *bs, time_t cutoff, int *removed,
			  struct err *e)
{
	DIR *d = blob_opendir(bs->dirfd, BLOB_TMP_DIR);
	struct dirent *de;

	if (!d)
		return blob_io_err(e, "cannot open tmp/");
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (!blob_is_part(de->d_name) ||
		    !blob_is_old(dirfd(d), de->d_name, cutoff))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			(*removed)++;
		else if (errno != ENOENT)
			break;
	}
	int rc = errno ? blob_io_err(e, "cannot sweep tmp/") : 0;
	closedir(d);
	return rc;
}

static int blob_sweep_fan(struct blob_store *bs, const char *fan,
			  int (*is_referenced)(const char *id, void *ctx),
			  void *ctx, time_t cutoff, int *removed,
			  struct err *e)
{
	DIR *d = blob_opendir(bs->dirfd, fan);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return blob_io_err(e, "cannot open a fan-out directory");
	while ((errno = 0, de = readdir(d)) != NULL) {
		const char *id = de->d_name;
		/* Anything that is not a blob of this directory is not ours
		 * to judge: leave it for a person to look at. */
		if (!blob_id_ok(id) || id[0] != fan[0] || id[1] != fan[1] ||
		    !blob_is_old(dirfd(d), id, cutoff))
			continue;
		int ref = is_referenced(id, ctx);
		if (ref < 0) {
			/* The database could not answer: keep everything. */
			rc = err_set(e, ERR_UNAVAILABLE, NULL,
				     "blob sweep: reference check failed");
			goto out;
		}
		if (ref)
			continue;
		if (unlinkat(dirfd(d), id, 0) == 0)
			(*removed)++;
		else if (errno != ENOENT)
			break;
	}
	if (errno)
		rc = blob_io_err(e, "cannot sweep");
out:
	closedir(d);
	return rc;
}

int blob_sweep(struct blob_store *bs,
	       int (*is_referenced)(const char *id, void *ctx), void *ctx,
	       int64_t min_age_s, struct err *e)
{
	int removed = 0;
	time_t now = time(NULL);
	time_t cutoff;
	DIR *d = NULL;
	struct dirent *de;

	if (min_age_s < 0)
		min_age_s = 0;
	if (__builtin_sub_overflow(now, min_age_s, &cutoff))
		return err_set(e, ERR_INTERNAL, NULL, "sweep age out of range");
	if (blob_sweep_tmp(bs, cutoff, &removed, e) != 0)
		return -1;
	d = blob_opendir(bs->dirfd, ".");
	if (!d)
		return blob_io_err(e, "cannot open the store directory");
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (!blob_is_fan(de->d_name))
			continue;
		char fan[3] = {de->d_name[0], de->d_name[1], '\0'};
		if (blob_sweep_fan(bs, fan, is_referenced, ctx, cutoff,
				   &removed, e) != 0) {
			closedir(d);
			return -1;
		}
		errno = 0;
	}
	int rc = errno ? blob_io_err(e, "cannot sweep") : removed;
	closedir(d);
	return rc;
}
