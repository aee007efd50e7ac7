/* boot.c — see boot.h. */
#include "server/boot.h"

#include "crypto/keys.h"
#include "crypto/password.h"
#include "domain/category.h"
#include "domain/document.h"
#include "domain/grant.h"
#include "store/blob.h"
#include "domain/kvnr.h"

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The blob store of this process, open from boot_open to boot_close. */
static struct blob_store *boot_blobs;

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
	    password_rules_load(cfg->rules, e) < 0 || kvnr_rules_load(cfg->rules, e) < 0 ||
	    category_rules_load(cfg->rules, e) < 0 || grant_rules_load(cfg->rules, e) < 0)
		return NULL;
	char blobs[PATH_MAX];
	snprintf(blobs, sizeof blobs, "%s/blobs", cfg->data);
	boot_blobs = blob_store_open(blobs, e);
	if (!boot_blobs)
		return NULL;
	document_init(boot_blobs);
	sql_thread_setup(cfg->data);
	return sql_open(cfg->data, e);
}

void boot_close(struct sql *db)
{
	sql_close(db);
	blob_store_close(boot_blobs);
	boot_blobs = NULL;
	keys_shutdown();
}
