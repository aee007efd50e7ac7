/* password.c — Argon2id password hashes and the rules for new passwords
 * (see password.h).
 *
 * Rules follow NIST SP 800-63B and the BSI's advice rather than composition
 * rules: a minimum length counted in characters (so "Müllerstraße" is as long
 * as it looks), a maximum length in bytes (Argon2 takes any length, but an
 * unbounded one is a cheap way to make us hash megabytes), and a list of
 * passwords known to be common, from data/common-passwords.txt.
 *
 * The list is loaded once at start-up and only read afterwards, so checks
 * from several threads need no lock; password_rules_load itself must not run
 * concurrently with checks. The dummy hash used for unknown logins is made
 * once, with the same parameters as real hashes, so that a login for an
 * account that does not exist costs the same time as one that does. */
#include "crypto/password.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PASSWORD_LIST_MAX_BYTES (16u << 20) /* the file as a whole */
#define PASSWORD_LIST_MAX_ENTRIES 1000000u

_Static_assert(PASSWORD_HASH_LEN == crypto_pwhash_STRBYTES,
	       "PASSWORD_HASH_LEN must match libsodium");

/* Sorted, ASCII-lower-cased entries; read-only once loaded. */
static char **password_common;
static size_t password_ncommon;

static pthread_once_t password_dummy_once = PTHREAD_ONCE_INIT;
static char password_dummy[crypto_pwhash_STRBYTES];

static void password_dummy_make(void)
{
	unsigned char pw[32];

	/* A random password nobody knows: verifying against it always fails,
	 * but only after the full Argon2id computation. */
	randombytes_buf(pw, sizeof pw);
	if (crypto_pwhash_str(password_dummy, (const char *)pw, sizeof pw,
			      crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		password_dummy[0] = '\0';
	sodium_memzero(pw, sizeof pw);
}

static void password_lower_ascii(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
}

static int password_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void password_list_free(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

int password_rules_load(const char *rules_dir, struct err *e)
{
	char path[4096];
	FILE *f = NULL;
	char *line = NULL;
	size_t linecap = 0, total = 0, n = 0, cap = 0;
	char **list = NULL;
	ssize_t len;
	int rc = -1;

	if (sodium_init() < 0)
		return err_set(e, ERR_INTERNAL, NULL, "libsodium failed to start");
	if (!rules_dir)
		return err_set(e, ERR_INTERNAL, NULL, "no rules directory");
	int w = snprintf(path, sizeof path, "%s/common-passwords.txt", rules_dir);
	if (w < 0 || (size_t)w >= sizeof path)
		return err_set(e, ERR_INTERNAL, NULL, "rules path too long");
	f = fopen(path, "r");
	if (!f) {
		err_set(e, ERR_INTERNAL, NULL, "cannot open %s", path);
		goto out;
	}
	/* Check the size first: getline would otherwise grow to the length
	 * of the longest line, however long, before we could count it. */
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uintmax_t)st.st_size > PASSWORD_LIST_MAX_BYTES) {
		err_set(e, ERR_INTERNAL, NULL,
			"%s is not a regular file of at most %u bytes", path,
			PASSWORD_LIST_MAX_BYTES);
		goto out;
	}
	while ((len = getline(&line, &linecap, f)) >= 0) {
		if (__builtin_add_overflow(total, (size_t)len, &total) ||
		    total > PASSWORD_LIST_MAX_BYTES) {
			err_set(e, ERR_INTERNAL, NULL, "%s is too large", path);
			goto out;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if ((size_t)len > PASSWORD_MAX_BYTES)
			continue; /* could never be chosen anyway */
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			if (ncap > PASSWORD_LIST_MAX_ENTRIES) {
				err_set(e, ERR_INTERNAL, NULL,
					"%s has too many entries", path);
				goto out;
			}
			char **p = realloc(list, ncap * sizeof *list);
			if (!p) {
				err_set(e, ERR_INTERNAL, NULL, "out of memory");
				goto out;
			}
			list = p;
			cap = ncap;
		}
		list[n] = strndup(line, (size_t)len);
		if (!list[n]) {
			err_set(e, ERR_INTERNAL, NULL, "out of memory");
			goto out;
		}
		password_lower_ascii(list[n], (size_t)len);
		n++;
	}
	if (ferror(f)) {
		err_set(e, ERR_INTERNAL, NULL, "cannot read %s", path);
		goto out;
	}
	if (n > 0)
		qsort(list, n, sizeof *list, password_cmp);

	password_list_free(password_common, password_ncommon);
	password_common = list;
	password_ncommon = n;
	list = NULL;
	n = 0;
	/* Pay for the dummy hash now rather than on the first unknown login. */
	pthread_once(&password_dummy_once, password_dummy_make);
	rc = 0;
out:
	password_list_free(list, n);
	free(line);
	if (f)
		fclose(f);
	return rc;
}

/* Counts the code points of s[0..n), or returns -1 when it is not valid
 * UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past
 * U+10FFFF), which a password typed into a browser always is. */
static long password_utf8_chars(const unsigned char *s, size_t n)
{
	long count = 0;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k;
		uint32_t cp, min;

		if (c < 0x80) {
			i++;
			count++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			k = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return -1;
		}
		if (n - i - 1 < k)
			return -1;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		i += k + 1;
		count++;
	}
	return count;
}

static int password_is_common(const char *pw, size_t n)
{
	char low[PASSWORD_MAX_BYTES + 1];
	const char *key = low;
	int found;

	if (password_ncommon == 0 || n > PASSWORD_MAX_BYTES)
		return 0;
	memcpy(low, pw, n);
	low[n] = '\0';
	password_lower_ascii(low, n);
	found = bsearch(&key, password_common, password_ncommon,
			sizeof *password_common, password_cmp) != NULL;
	sodium_memzero(low, n);
	return found;
}

int password_check_new(const char *pw, struct err *e)
{
	size_t n;
	long chars;

	if (!pw)
		return err_field(e, "password", "is missing");
	n = strnlen(pw, PASSWORD_MAX_BYTES + 1);
	if (n > PASSWORD_MAX_BYTES)
		return err_field(e, "password", "must be at most %d bytes long",
				 PASSWORD_MAX_BYTES);
	chars = password_utf8_chars((const unsigned char *)pw, n);
	if (chars < 0)
		return err_field(e, "password", "is not valid UTF-8");
	if (chars < PASSWORD_MIN_CHARS)
		return err_field(e, "password",
				 "must have at least %d characters",
				 PASSWORD_MIN_CHARS);
	if (password_is_common(pw, n))
		return err_field(e, "password",
				 "is one of the most common passwords; choose another");
	return 0;
}

int password_hash(const char *pw, char out[PASSWORD_HASH_LEN], struct err *e)
{
	size_t n;

	if (!pw)
		return err_field(e, "password", "is missing");
	n = strnlen(pw, PASSWORD_MAX_BYTES + 1);
	if (n > PASSWORD_MAX_BYTES)
		return err_field(e, "password", "must be at most %d bytes long",
				 PASSWORD_MAX_BYTES);
	if (crypto_pwhash_str(out, pw, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return err_set(e, ERR_INTERNAL, NULL,
			       "password hashing failed (out of memory?)");
	return 0;
}

int password_verify(const char *hash, const char *pw)
{
	size_t n;

	if (!hash || !pw)
		return 0;
	/* A stored hash that is not terminated within its size is corrupt. */
	if (strnlen(hash, PASSWORD_HASH_LEN) == PASSWORD_HASH_LEN)
		return 0;
	n = strnlen(pw, PASSWORD_MAX_BYTES + 1);
	if (n > PASSWORD_MAX_BYTES)
		return 0;
	return crypto_pwhash_str_verify(hash, pw, n) == 0;
}

int password_verify_dummy(const char *pw)
{
	size_t n;
	int r;

	pthread_once(&password_dummy_once, password_dummy_make);
	if (!pw)
		pw = "";
	/* password_verify refuses an over-long password without hashing;
	 * do the same so the two paths still look alike. */
	n = strnlen(pw, PASSWORD_MAX_BYTES + 1);
	if (n > PASSWORD_MAX_BYTES)
		return 0;
	if (password_dummy[0]) {
		/* The result is meaningless by construction: only the work
		 * matters, so it is deliberately dropped. */
		r = crypto_pwhash_str_verify(password_dummy, pw, n);
	} else {
		/* No dummy (hashing failed when it was made): spend the same
		 * work on a fresh hash instead. */
		char tmp[crypto_pwhash_STRBYTES];
		r = crypto_pwhash_str(tmp, pw, n,
				      crypto_pwhash_OPSLIMIT_INTERACTIVE,
				      crypto_pwhash_MEMLIMIT_INTERACTIVE);
		sodium_memzero(tmp, sizeof tmp);
	}
	(void)r;
	return 0;
}
