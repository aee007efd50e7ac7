/* profile.h — local profiles: one sealed file per person (or per role) on
 * this machine, holding the server URL, the login, the device id and the
 * session token.
 *
 * Files live in $XDG_CONFIG_HOME/akte/NAME.profile (default ~/.config/akte),
 * the directory 0700, the files 0600, replaced atomically on save. Each is
 * sealed with its own local password (see seal.h), asked without echo when
 * the profile is created (twice) and opened; from stdin lines when stdin is
 * not a terminal; or from AKTE_PROFILE_PASSWORD — for automation only: the
 * environment of a process can be read by the same user and may end up in
 * shell history or CI logs.
 *
 * A struct profile lives in sodium_malloc'd memory (guarded, locked, wiped
 * on profile_close) because it holds the token and the derived key. */
#ifndef AKTE_CLI_PROFILE_H
#define AKTE_CLI_PROFILE_H

#include "cli/seal.h"
#include "core/err.h"

#include <jansson.h>

#define PROFILE_NAME_MAX 64
#define PROFILE_URL_MAX 512
#define PROFILE_LOGIN_MAX 256
#define PROFILE_DEVICE_MAX 64
#define PROFILE_TOKEN_MAX 256
#define PROFILE_TIME_MAX 40
/* Local passwords shorter than this are refused when a profile is made. */
#define PROFILE_PASSWORD_MIN 8
#define PROFILE_PASSWORD_ENV "AKTE_PROFILE_PASSWORD"

struct profile {
	char name[PROFILE_NAME_MAX + 1];
	char server[PROFILE_URL_MAX];   /* "" until a verb binds it */
	char login[PROFILE_LOGIN_MAX];  /* last login used, a default */
	char device[PROFILE_DEVICE_MAX];/* made at creation; sent at login */
	char token[PROFILE_TOKEN_MAX];  /* bearer token, "" when logged out */
	char expires[PROFILE_TIME_MAX]; /* the token's end as the server said */
	unsigned char salt[SEAL_SALT_LEN];
	unsigned char key[SEAL_KEY_LEN];
};

/* Names are file names: 1..64 of [A-Za-z0-9._-], not starting with '.'. */
int profile_name_ok(const char *name);

/* 1 exists, 0 does not, -1 error. Does not ask for a password. */
int profile_exists(const char *name, struct err *e);

/* Ask the local password and open. NULL on error: e->key is "no_profile"
 * when there is none, "wrong_password" when it does not open. */
struct profile *profile_open(const char *name, struct err *e);

/* Ask a new local password (twice), make a salt, key and device id, and
 * write the file. NULL on error. Refuses when the profile exists. */
struct profile *profile_create(const char *name, struct err *e);

/* Seal p and replace its file atomically. */
int profile_save(const struct profile *p, struct err *e);

/* Wipe and free (NULL is fine). */
void profile_close(struct profile *p);

/* Names of all profiles, sorted, as a new JSON array of strings (caller
 * json_decref's); no file is opened. */
json_t *profile_list(struct err *e);

int profile_remove(const char *name, struct err *e);

#endif
