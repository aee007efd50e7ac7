/* testdir.h — removing a unit test's temporary directory tree; shared by
 * every test that makes one (mkdtemp) so none carries its own copy. */
#ifndef AKTE_TESTS_TESTDIR_H
#define AKTE_TESTS_TESTDIR_H

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

static int testdir_rm_entry(const char *path, const struct stat *st, int flag,
			    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Everything under dir and dir itself; symbolic links are not followed. */
static inline void testdir_remove(const char *dir)
{
	nftw(dir, testdir_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
