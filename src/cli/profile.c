/* profile.c — opening, creating and saving sealed profiles: the local
 * password, the JSON inside the seal, and the struct profile in guarded
 * memory. Files are profile_fs.c's business, the format seal.c's. */
#include "cli/profile.h"

#include "cli/profile_fs.h"
#include "cli/prompt.h"
#include "crypto/token.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int profile_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > PROFILE_NAME_MAX || name[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

static int profile_check_name(const char *name, struct err *e)
{
	if (!profile_name_ok(name))
		return err_set(e, ERR_INVALID, "bad_profile_name",
			       "a profile name is 1 to %d letters, digits, "
			       "'.', '_' or '-', not starting with '.'",
			       PROFILE_NAME_MAX);
	return 0;
}

int profile_exists(const char *name, struct err *e)
{
	char path[PATH_MAX];
	if (profile_check_name(name, e) < 0 ||
	    profile_fs_path(name, path, sizeof path, 0, e) < 0)
		return -1;
	struct buf b;
	buf_init(&b, SEAL_MAX_FILE);
	struct err tmp;
	int rc = profile_fs_read(path, &b, &tmp);
	buf_free(&b);
	if (rc == 0)
		return 1;
	if (!strcmp(tmp.key, "no_profile"))
		return 0;
	if (e)
		*e = tmp;
	return -1;
}

static struct profile *profile_alloc(const char *name)
{
	struct profile *p = sodium_malloc(sizeof *p);
	if (!p)
		return NULL;
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", name);
	return p;
}

void profile_close(struct profile *p)
{
	if (p)
		sodium_free(p); /* wipes before it unmaps */
}

/* The local password into pw (PROMPT_MAX bytes of guarded memory). When
 * `confirm`, it is a new one: asked twice and held to a minimum length. */
static int profile_password(const char *name, int confirm, char *pw,
			    struct err *e)
{
	const char *env = getenv(PROFILE_PASSWORD_ENV);
	if (env && env[0]) {
		if (strlen(env) >= PROMPT_MAX)
			return err_set(e, ERR_INVALID, "bad_password",
				       "%s is too long", PROFILE_PASSWORD_ENV);
		memcpy(pw, env, strlen(env) + 1);
	} else {
		char q[160];
		snprintf(q, sizeof q, confirm ?
			 "New local password for profile %s: " :
			 "Local password for profile %s: ", name);
		if (prompt_ask(q, 1, pw, PROMPT_MAX, e) < 0)
			return -1;
		if (confirm) {
			char *again = sodium_malloc(PROMPT_MAX);
			if (!again)
				return err_set(e, ERR_INTERNAL, NULL,
					       "out of memory");
			int rc = prompt_ask("Repeat the local password: ", 1,
					    again, PROMPT_MAX, e);
			size_t n = strlen(pw);
			int same = rc == 0 && strlen(again) == n &&
				   sodium_memcmp(pw, again, n) == 0;
			sodium_free(again);
			if (rc < 0)
				return -1;
			if (!same)
				return err_set(e, ERR_INVALID, "mismatch",
					       "the two local passwords differ");
		}
	}
	if (confirm && strlen(pw) < PROFILE_PASSWORD_MIN)
		return err_set(e, ERR_INVALID, "bad_password",
			       "a local password needs at least %d characters",
			       PROFILE_PASSWORD_MIN);
	if (!pw[0])
		return err_set(e, ERR_INVALID, "bad_password",
			       "no local password given");
	return 0;
}

static int profile_derive(struct profile *p, int confirm, struct err *e)
{
	char *pw = sodium_malloc(PROMPT_MAX);
	if (!pw)
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	int rc = profile_password(p->name, confirm, pw, e);
	if (rc == 0)
		rc = seal_derive(pw, strlen(pw), p->salt, p->key, e);
	sodium_free(pw);
	return rc;
}

/* Copy one optional string member into dst, refusing what does not fit. */
static int profile_take(json_t *doc, const char *key, char *dst, size_t n,
			struct err *e)
{
	json_t *v = json_object_get(doc, key);
	if (!v || json_typeof(v) == JSON_NULL)
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= n ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return err_set(e, ERR_MALFORMED, "bad_profile",
			       "the profile's %s is not valid", key);
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int profile_from_json(struct profile *p, const unsigned char *plain,
			     size_t len, struct err *e)
{
	json_error_t jerr;
	json_t *doc = json_loadb((const char *)plain, len,
				 JSON_REJECT_DUPLICATES, &jerr);
	int rc = -1;
	if (!json_is_object(doc)) {
		err_set(e, ERR_MALFORMED, "bad_profile",
			"the profile's contents are damaged");
		goto out;
	}
	if (profile_take(doc, "server", p->server, sizeof p->server, e) < 0 ||
	    profile_take(doc, "login", p->login, sizeof p->login, e) < 0 ||
	    profile_take(doc, "device", p->device, sizeof p->device, e) < 0 ||
	    profile_take(doc, "token", p->token, sizeof p->token, e) < 0 ||
	    profile_take(doc, "expires", p->expires, sizeof p->expires, e) < 0)
		goto out;
	if (!p->device[0]) {
		err_set(e, ERR_MALFORMED, "bad_profile",
			"the profile has no device id");
		goto out;
	}
	rc = 0;
out:
	json_decref(doc); /* jalloc wipes the strings it held */
	return rc;
}

struct profile *profile_open(const char *name, struct err *e)
{
	char path[PATH_MAX];
	struct profile *p = NULL;
	unsigned char *plain = NULL;
	size_t plain_len = 0;
	struct buf file;
	buf_init(&file, SEAL_MAX_FILE);
	if (profile_check_name(name, e) < 0 ||
	    profile_fs_path(name, path, sizeof path, 0, e) < 0)
		goto fail;
	if (profile_fs_read(path, &file, e) < 0) {
		if (e && !strcmp(e->key, "no_profile"))
			err_set(e, ERR_NOT_FOUND, "no_profile",
				"there is no profile %s; run akte login to "
				"make it", name);
		goto fail;
	}
	p = profile_alloc(name);
	if (!p) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		goto fail;
	}
	const unsigned char *img = (const unsigned char *)file.data;
	if (seal_header(img, file.len, p->salt, e) < 0 ||
	    profile_derive(p, 0, e) < 0)
		goto fail;
	if (seal_open(p->key, p->name, img, file.len, &plain, &plain_len,
		      e) < 0) {
		if (e && !strcmp(e->key, "wrong_password"))
			err_set(e, ERR_UNAUTHENTICATED, "wrong_password",
				"wrong local password for profile %s (or its "
				"file was changed)", name);
		goto fail;
	}
	if (profile_from_json(p, plain, plain_len, e) < 0)
		goto fail;
	sodium_free(plain);
	buf_free(&file);
	return p;
fail:
	if (plain)
		sodium_free(plain);
	profile_close(p);
	buf_free(&file);
	return NULL;
}

struct profile *profile_create(const char *name, struct err *e)
{
	int exists = profile_exists(name, e);
	if (exists < 0)
		return NULL;
	if (exists) {
		err_set(e, ERR_CONFLICT, "profile_exists",
			"the profile %s exists already", name);
		return NULL;
	}
	struct profile *p = profile_alloc(name);
	if (!p) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	randombytes_buf(p->salt, sizeof p->salt);
	/* The device id says "this installation" to the server, which asks
	 * by email to confirm a device it has not seen. */
	char id[TOKEN_ID_LEN + 1];
	token_id(id);
	snprintf(p->device, sizeof p->device, "%s", id);
	if (profile_derive(p, 1, e) < 0 || profile_save(p, e) < 0) {
		profile_close(p);
		return NULL;
	}
	return p;
}

static int profile_put(json_t *doc, const char *key, const char *value)
{
	if (!value[0])
		return 0;
	return json_object_set_new(doc, key, json_string(value));
}

int profile_save(const struct profile *p, struct err *e)
{
	char path[PATH_MAX];
	int rc = -1;
	unsigned char *plain = NULL;
	struct buf img;
	buf_init(&img, SEAL_MAX_FILE);
	json_t *doc = json_pack("{s:i}", "version", 1);
	if (!doc || profile_put(doc, "server", p->server) < 0 ||
	    profile_put(doc, "login", p->login) < 0 ||
	    profile_put(doc, "device", p->device) < 0 ||
	    profile_put(doc, "token", p->token) < 0 ||
	    profile_put(doc, "expires", p->expires) < 0) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		goto out;
	}
	/* Render into guarded memory: this text holds the token. */
	size_t n = json_dumpb(doc, NULL, 0, JSON_COMPACT);
	if (n == 0 || !(plain = sodium_malloc(n))) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		goto out;
	}
	if (json_dumpb(doc, (char *)plain, n, JSON_COMPACT) != n) {
		err_set(e, ERR_INTERNAL, NULL, "cannot render the profile");
		goto out;
	}
	if (profile_fs_path(p->name, path, sizeof path, 1, e) < 0 ||
	    seal_pack(p->key, p->salt, p->name, plain, n, &img, e) < 0 ||
	    profile_fs_write(path, img.data, img.len, e) < 0)
		goto out;
	rc = 0;
out:
	if (plain)
		sodium_free(plain);
	json_decref(doc);
	buf_free(&img);
	return rc;
}
