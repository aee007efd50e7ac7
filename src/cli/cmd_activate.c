/* cmd_activate.c — `akte activate CODE`: turn the activation letter an
 * insurer's office printed into a working account.
 *
 * Two steps, as the server has them: the code and a new password give a
 * TOTP secret; the person puts it into an authenticator app (QR code or the
 * secret typed) and proves it with the first code, which finishes the
 * activation. A wrong first code may be retried a few times, because
 * mistyping it is the common failure, not an attack. */
#include "cli/cli.h"
#include "cli/http.h"
#include "cli/out.h"
#include "cli/profile.h"
#include "cli/prompt.h"
#include "cli/session.h"
#include "qr/qr.h"

#include <ctype.h>
#include <string.h>

#define ACTIVATE_TOTP_TRIES 3
#define ACTIVATE_SECRET_MAX 128
#define ACTIVATE_URI_MAX 2048

/* The new account password, asked twice, into pw (PROMPT_MAX, guarded). */
static int activate_password(char *pw, struct err *e)
{
	int rc = -1;
	char *again = sodium_malloc(PROMPT_MAX);
	if (!again)
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	if (prompt_ask("New password for your account: ", 1, pw, PROMPT_MAX,
		       e) < 0 ||
	    prompt_ask("Repeat the password: ", 1, again, PROMPT_MAX, e) < 0)
		goto out;
	size_t n = strlen(pw);
	if (!n) {
		err_set(e, ERR_INVALID, "bad_password", "no password given");
		goto out;
	}
	if (strlen(again) != n || sodium_memcmp(pw, again, n) != 0) {
		err_set(e, ERR_INVALID, "mismatch",
			"the two passwords differ");
		goto out;
	}
	rc = 0;
out:
	sodium_free(again);
	return rc;
}

/* Why the first step was refused, in words that say what to do. */
static void activate_refused(const struct http_resp *r, struct err *e)
{
	http_resp_err(r, e);
	const char *msg = http_resp_message(r);
	if (r->status == 422 && !strcmp(e->field, "password"))
		out_reword(e, "the server refused this password: %s",
			   msg ? msg : "too short or too common");
	else if ((r->status == 404 || r->status == 410) && !msg)
		out_reword(e, "this activation code is unknown, used or "
			   "expired; ask the office for a new letter");
}

/* The secret in groups of four, as authenticator apps ask it typed. */
static void activate_show_secret(FILE *to, const char *secret)
{
	fputs("Or type this key into the app: ", to);
	for (size_t i = 0; secret[i]; i++) {
		if (i && i % 4 == 0)
			fputc(' ', to);
		fputc(secret[i], to);
	}
	fputc('\n', to);
}

static void activate_show(const struct cli *c, const char *uri,
			  const char *secret)
{
	FILE *to = out_human(c);
	struct buf qr;
	struct err e;
	buf_init(&qr, 1 << 20);
	fputs("Scan this QR code with your authenticator app:\n\n", to);
	if (qr_text(uri, 0, &qr, &e) == 0)
		fputs(qr.data, to);
	else
		fprintf(to, "(no QR code: %s)\n", e.msg);
	fputc('\n', to);
	activate_show_secret(to, secret);
	fputc('\n', to);
	fflush(to);
	buf_free(&qr);
}

/* A TOTP code as typed: six digits, spaces allowed ("123 456"). */
static int activate_read_totp(const char *question, char out[7],
			      struct err *e)
{
	char line[64];
	if (prompt_ask(question, 0, line, sizeof line, e) < 0)
		return -1;
	size_t n = 0;
	for (size_t i = 0; line[i]; i++) {
		if (line[i] == ' ' || line[i] == '-')
			continue;
		if (!isdigit((unsigned char)line[i]) || n == 6)
			return err_field(e, "totp",
					 "a code is six digits");
		out[n++] = line[i];
	}
	out[n] = '\0';
	if (n != 6)
		return err_field(e, "totp", "a code is six digits");
	return 0;
}

/* Second step; tries again on a wrong code while tries and input last. */
static int activate_confirm(const char *server, const char *code,
			    struct http_resp *r, struct err *e)
{
	for (int attempt = 1;; attempt++) {
		char totp[7];
		if (activate_read_totp("Code shown by the app: ", totp, e) ==
		    0) {
			json_t *req = json_pack("{s:s, s:s}", "code", code,
						"totp", totp);
			int rc = req ? http_call(server, "POST",
						 "/api/v1/activate/confirm",
						 NULL, req, r, e) :
				       err_set(e, ERR_INTERNAL, NULL,
					       "out of memory");
			json_decref(req);
			if (rc < 0)
				return -1;
			if (r->status >= 200 && r->status < 300)
				return 0;
			http_resp_err(r, e);
			if (r->status != 422 && r->status != 401)
				return -1;
			http_resp_free(r);
		} else if (!strcmp(e->key, "input")) {
			return -1; /* the input ended: nobody to ask again */
		}
		if (attempt == ACTIVATE_TOTP_TRIES)
			return -1;
		fprintf(stderr, "akte: %s; try again with the next code\n",
			e->msg);
	}
}

/* Copy a string member of the answer, refusing what is missing or long. */
static int activate_take(json_t *body, const char *key, char *dst, size_t n,
			 struct err *e)
{
	json_t *v = json_object_get(body, key);
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= n)
		return err_set(e, ERR_INTERNAL, "bad_response",
			       "the server's answer has no valid %s", key);
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

int cmd_activate(struct cli *c)
{
	if (c->argc != 1)
		return out_usage(c, c->argc ? "activate takes one code" :
				 "activate needs the code from the letter");
	const char *code = c->argv[0];
	struct err e;
	struct http_resp r = {0};
	struct profile *p = NULL;
	char *pw = NULL, *secret = NULL, *uri = NULL;
	int rc = CLI_FAIL;
	err_clear(&e);

	/* A profile is opened only to learn its server; activation itself
	 * needs none, and makes none. */
	if (!c->server) {
		int exists = profile_exists(c->profile, &e);
		if (exists < 0 ||
		    (exists && !(p = profile_open(c->profile, &e))))
			goto fail;
	}
	const char *server = session_server(c, p);
	pw = sodium_malloc(PROMPT_MAX);
	secret = sodium_malloc(ACTIVATE_SECRET_MAX);
	uri = sodium_malloc(ACTIVATE_URI_MAX);
	if (!pw || !secret || !uri) {
		err_set(&e, ERR_INTERNAL, NULL, "out of memory");
		goto fail;
	}
	if (activate_password(pw, &e) < 0)
		goto fail;
	json_t *req = json_pack("{s:s, s:s}", "code", code, "password", pw);
	sodium_memzero(pw, PROMPT_MAX);
	int hrc = req ? http_call(server, "POST", "/api/v1/activate", NULL,
				  req, &r, &e) :
			err_set(&e, ERR_INTERNAL, NULL, "out of memory");
	json_decref(req);
	if (hrc < 0)
		goto fail;
	if (r.status < 200 || r.status >= 300) {
		activate_refused(&r, &e);
		goto fail;
	}
	if (activate_take(r.body, "totp_secret", secret, ACTIVATE_SECRET_MAX,
			  &e) < 0 ||
	    activate_take(r.body, "otpauth_uri", uri, ACTIVATE_URI_MAX,
			  &e) < 0)
		goto fail;
	http_resp_free(&r);
	activate_show(c, uri, secret);
	if (activate_confirm(server, code, &r, &e) < 0)
		goto fail;

	json_t *login = json_object_get(r.body, "login");
	if (!c->json) {
		printf("Your account is active.");
		if (json_is_string(login))
			printf(" Your login is %s.", json_string_value(login));
		printf(" Next: akte login\n");
	}
	/* The secret goes into the JSON answer: a script that activates
	 * an account has to make codes for its logins later. */
	json_t *out = json_pack("{s:b, s:s, s:s}", "activated", 1,
				"totp_secret", secret, "otpauth_uri", uri);
	if (out && json_is_string(login))
		json_object_set(out, "login", login);
	rc = out_ok(c, out);
	goto out;
fail:
	rc = out_fail(c, &e);
out:
	http_resp_free(&r);
	if (pw)
		sodium_free(pw);
	if (secret)
		sodium_free(secret);
	if (uri)
		sodium_free(uri);
	profile_close(p);
	return rc;
}
