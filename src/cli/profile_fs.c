/* profile_fs.c — the profile directory and its files, see profile_fs.h.
 * Listing and removing live here too: they never open a profile. */
#include "cli/profile_fs.h"

#include "cli/profile.h"
#include "cli/seal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* $XDG_CONFIG_HOME when absolute (the XDG spec says to ignore relative
 * ones), else $HOME/.config, else the passwd entry's home. */
static int profile_fs_config_home(char *out, size_t n, struct err *e)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	int w;
	if (xdg && xdg[0] == '/') {
		w = snprintf(out, n, "%s", xdg);
	} else {
		const char *home = getenv("HOME");
		if (!home || home[0] != '/') {
			struct passwd *pw = getpwuid(getuid());
			home = pw ? pw->pw_dir : NULL;
		}
		if (!home)
			return err_set(e, ERR_INTERNAL, "no_home",
				       "cannot find the home directory; "
				       "set XDG_CONFIG_HOME");
		w = snprintf(out, n, "%s/.config", home);
	}
	if (w < 0 || (size_t)w >= n)
		return err_set(e, ERR_INVALID, "path_too_long",
			       "the configuration path is too long");
	return 0;
}

/* mkdir -p with mode 0700 for every component made here. */
static int profile_fs_mkdirs(char *path, struct err *e)
{
	for (char *s = path + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		int rc = mkdir(path, 0700);
		int saved = errno;
		*s = c;
		if (rc < 0 && saved != EEXIST) {
			char shown[PATH_MAX];
			snprintf(shown, sizeof shown, "%.*s",
				 (int)(s - path), path);
			return err_set(e, ERR_INTERNAL, "profile_dir",
				       "cannot create %s: %s", shown,
				       strerror(saved));
		}
		if (c == '\0')
			return 0;
	}
}

int profile_fs_dir(char *out, size_t n, int create, struct err *e)
{
	char home[PATH_MAX];
	if (profile_fs_config_home(home, sizeof home, e) < 0)
		return -1;
	int w = snprintf(out, n, "%s/akte", home);
	if (w < 0 || (size_t)w >= n)
		return err_set(e, ERR_INVALID, "path_too_long",
			       "the configuration path is too long");
	if (!create)
		return 0;
	if (profile_fs_mkdirs(out, e) < 0)
		return -1;
	struct stat st;
	if (lstat(out, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(e, ERR_INTERNAL, "profile_dir",
			       "%s is not a directory", out);
	if (st.st_uid != geteuid())
		return err_set(e, ERR_FORBIDDEN, "profile_dir",
			       "%s belongs to another user", out);
	/* Other users must not even learn the profile names. */
	if ((st.st_mode & 077) && chmod(out, 0700) < 0)
		return err_set(e, ERR_INTERNAL, "profile_dir",
			       "cannot restrict %s to its owner: %s", out,
			       strerror(errno));
	return 0;
}

int profile_fs_path(const char *name, char *path, size_t n, int create,
		    struct err *e)
{
	char dir[PATH_MAX];
	if (profile_fs_dir(dir, sizeof dir, create, e) < 0)
		return -1;
	int w = snprintf(path, n, "%s/%s%s", dir, name, PROFILE_FS_SUFFIX);
	if (w < 0 || (size_t)w >= n)
		return err_set(e, ERR_INVALID, "path_too_long",
			       "the profile path is too long");
	return 0;
}

int profile_fs_read(const char *path, struct buf *b, struct err *e)
{
	int rc = -1;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return err_set(e, ERR_NOT_FOUND, "no_profile",
				       "there is no such profile");
		return err_set(e, ERR_INTERNAL, "profile_read",
			       "cannot open %s: %s", path, strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err_set(e, ERR_INTERNAL, "profile_read",
			"%s is not a regular file", path);
		goto out;
	}
	if (st.st_size > SEAL_MAX_FILE) {
		err_set(e, ERR_MALFORMED, "bad_profile",
			"%s is too large for a profile", path);
		goto out;
	}
	/* An older copy or another tool may have loosened it. */
	if ((st.st_mode & 077) && fchmod(fd, 0600) < 0) {
		err_set(e, ERR_INTERNAL, "profile_read",
			"cannot restrict %s to its owner: %s", path,
			strerror(errno));
		goto out;
	}
	char chunk[4096];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_set(e, ERR_INTERNAL, "profile_read",
				"cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		if (buf_append(b, chunk, (size_t)r) < 0) {
			err_set(e, ERR_MALFORMED, "bad_profile",
				"%s is too large for a profile", path);
			goto out;
		}
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

static int profile_fs_write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int profile_fs_write(const char *path, const void *data, size_t len,
		     struct err *e)
{
	char tmp[PATH_MAX];
	int fd = -1, rc = -1;
	int w = snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path);
	if (w < 0 || (size_t)w >= sizeof tmp)
		return err_set(e, ERR_INVALID, "path_too_long",
			       "the profile path is too long");
	fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
	if (fd < 0)
		return err_set(e, ERR_INTERNAL, "profile_write",
			       "cannot create a file next to %s: %s", path,
			       strerror(errno));
	if (fchmod(fd, 0600) < 0 || profile_fs_write_all(fd, data, len) < 0 ||
	    fsync(fd) < 0) {
		err_set(e, ERR_INTERNAL, "profile_write",
			"cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_set(e, ERR_INTERNAL, "profile_write",
			"cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		err_set(e, ERR_INTERNAL, "profile_write",
			"cannot replace %s: %s", path, strerror(errno));
		goto out;
	}
	tmp[0] = '\0'; /* renamed: nothing left to remove */
	/* The rename is durable only once the directory is synced. */
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd); /* best effort: the file is already in place */
			close(dfd);
		}
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp[0])
		unlink(tmp);
	return rc;
}

static int profile_fs_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

json_t *profile_list(struct err *e)
{
	char dir[PATH_MAX];
	if (profile_fs_dir(dir, sizeof dir, 0, e) < 0)
		return NULL;
	json_t *names = json_array();
	if (!names) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return names; /* no profile made yet */
		err_set(e, ERR_INTERNAL, "profile_dir", "cannot read %s: %s",
			dir, strerror(errno));
		json_decref(names);
		return NULL;
	}
	char **found = NULL;
	size_t count = 0, cap = 0;
	struct dirent *de;
	const size_t sfx = strlen(PROFILE_FS_SUFFIX);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len <= sfx || len - sfx > PROFILE_NAME_MAX ||
		    strcmp(de->d_name + len - sfx, PROFILE_FS_SUFFIX) != 0)
			continue;
		char name[PROFILE_NAME_MAX + 1];
		memcpy(name, de->d_name, len - sfx);
		name[len - sfx] = '\0';
		if (!profile_name_ok(name))
			continue;
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			char **nf = realloc(found, ncap * sizeof *nf);
			if (!nf)
				break;
			found = nf;
			cap = ncap;
		}
		found[count] = strdup(name);
		if (found[count])
			count++;
	}
	closedir(d);
	if (count)
		qsort(found, count, sizeof *found, profile_fs_cmp);
	for (size_t i = 0; i < count; i++) {
		json_array_append_new(names, json_string(found[i]));
		free(found[i]);
	}
	free(found);
	return names;
}

int profile_remove(const char *name, struct err *e)
{
	char path[PATH_MAX];
	if (profile_fs_path(name, path, sizeof path, 0, e) < 0)
		return -1;
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return err_set(e, ERR_NOT_FOUND, "no_profile",
				       "there is no profile %s", name);
		return err_set(e, ERR_INTERNAL, "profile_remove",
			       "cannot remove %s: %s", path, strerror(errno));
	}
	return 0;
}
