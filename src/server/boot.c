/* boot.c — see boot.h. */
#include "server/boot.h"

#include "crypto/keys.h"
#include "crypto/password.h"
#include "domain/kvnr.h"

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int make_dir(const char *base, const char *sub, struct err *e)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s%s%s", base, sub[0] ? "/" : "", sub) >= (int)sizeof path)
		return err_set(e, ERR_INTERNAL, "data_dir", "data directory path too long");
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_set(e, ERR_INTERNAL, "data_dir", "cannot create %s: %s", path,
			       strerror(errno));
	return 0;
}

struct sql *boot_open(const struct config *cfg, struct err *e)
{
	if (!cfg->data[0]) {
		err_set(e, ERR_INVALID, "config", "no data directory: use --data DIR or AKTE_DATA");
		return NULL;
	}
	if (sodium_init() < 0) {
		err_set(e, ERR_INTERNAL, NULL, "libsodium failed to initialise");
		return NULL;
	}
	if (make_dir(cfg->data, "", e) < 0 || make_dir(cfg->data, "blobs", e) < 0 ||
	    make_dir(cfg->data, "spool", e) < 0 || keys_init(cfg->data, e) < 0 ||
	    password_rules_load(cfg->rules, e) < 0 || kvnr_rules_load(cfg->rules, e) < 0)
		return NULL;
	sql_thread_setup(cfg->data);
	return sql_open(cfg->data, e);
}

void boot_close(struct sql *db)
{
	sql_close(db);
	keys_shutdown();
}
