/* cmd_login.c — `akte login` and `akte logout`: getting a session token
 * into the sealed profile and getting it out again.
 *
 * Login sends the profile's device id. The server confirms unknown devices
 * by email before it hands out a token, so the first login on a machine
 * ends with "open the link, then log in again" — which is why the profile
 * (and its device id) is saved before the server is asked, not after. */
#include "cli/cli.h"
#include "cli/http.h"
#include "cli/out.h"
#include "cli/profile.h"
#include "cli/prompt.h"
#include "cli/session.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The credentials asked for a login, in guarded memory. */
struct login_creds {
	char login[PROFILE_LOGIN_MAX];
	char password[PROMPT_MAX];
	char totp[16];
};

/* Open the profile, or make it on the first login. */
static struct profile *login_profile(const struct cli *c, int *created,
				     struct err *e)
{
	int exists = profile_exists(c->profile, e);
	if (exists < 0)
		return NULL;
	*created = !exists;
	return exists ? profile_open(c->profile, e) :
			profile_create(c->profile, e);
}

/* Bind the profile to the server and device of this login. */
static int login_bind(const struct cli *c, struct profile *p, struct err *e)
{
	if (c->device) {
		size_t n = strlen(c->device);
		for (size_t i = 0; i < n; i++)
			if (!isgraph((unsigned char)c->device[i]))
				n = 0;
		if (n == 0 || n >= sizeof p->device)
			return err_set(e, ERR_INVALID, "bad_device",
				       "a device id is 1 to %zu printable "
				       "characters", sizeof p->device - 1);
		memcpy(p->device, c->device, n + 1);
	}
	const char *server = session_server(c, p);
	if (strlen(server) >= sizeof p->server)
		return err_set(e, ERR_INVALID, "bad_server_url",
			       "the server URL is too long");
	if (strcmp(server, p->server) != 0) {
		/* A token is only good at the server that issued it. */
		sodium_memzero(p->token, sizeof p->token);
		sodium_memzero(p->expires, sizeof p->expires);
		memmove(p->server, server, strlen(server) + 1);
	}
	return profile_save(p, e);
}

static int login_ask(const struct profile *p, struct login_creds *cr,
		     struct err *e)
{
	char q[PROFILE_LOGIN_MAX + 32];
	if (p->login[0])
		snprintf(q, sizeof q, "Login (email) [%s]: ", p->login);
	else
		snprintf(q, sizeof q, "Login (email): ");
	if (prompt_ask(q, 0, cr->login, sizeof cr->login, e) < 0)
		return -1;
	if (!cr->login[0])
		memcpy(cr->login, p->login, sizeof cr->login);
	if (!cr->login[0])
		return err_field(e, "login", "no login given");
	if (prompt_ask("Password: ", 1, cr->password, sizeof cr->password,
		       e) < 0 ||
	    prompt_ask("Code shown by your authenticator app: ", 0, cr->totp,
		       sizeof cr->totp, e) < 0)
		return -1;
	/* "123 456" is how apps show it; the server wants the digits. */
	size_t n = 0;
	for (size_t i = 0; cr->totp[i]; i++)
		if (cr->totp[i] != ' ')
			cr->totp[n++] = cr->totp[i];
	cr->totp[n] = '\0';
	return 0;
}

/* Keep what the 200 answer gave: the token and its end. */
static int login_accept(struct profile *p, const struct login_creds *cr,
			json_t *body, struct err *e)
{
	json_t *tok = json_object_get(body, "token");
	json_t *exp = json_object_get(body, "expires");
	if (!json_is_string(tok) || json_string_length(tok) == 0 ||
	    json_string_length(tok) >= sizeof p->token)
		return err_set(e, ERR_INTERNAL, "bad_response",
			       "the server's answer has no valid token");
	memcpy(p->token, json_string_value(tok), json_string_length(tok) + 1);
	p->expires[0] = '\0';
	if (json_is_string(exp) && json_string_length(exp) < sizeof p->expires)
		memcpy(p->expires, json_string_value(exp),
		       json_string_length(exp) + 1);
	memcpy(p->login, cr->login, sizeof p->login);
	return profile_save(p, e);
}

/* The refusals a person meets at login, each with what to do next. */
static void login_refused(const struct cli *c, const struct http_resp *r,
			  struct err *e)
{
	http_resp_err(r, e);
	if (r->status == 403 && !strcmp(e->key, "device_unconfirmed")) {
		char again[PROFILE_NAME_MAX + 32] = "akte login";
		if (strcmp(c->profile, CLI_DEFAULT_PROFILE) != 0)
			snprintf(again, sizeof again, "akte --profile %s login",
				 c->profile);
		err_set(e, ERR_FORBIDDEN, "device_unconfirmed",
			"this device is new to your account: a confirmation "
			"email was sent to you. Open its link, then run %s "
			"again.", again);
	} else if (r->status == 401) {
		out_reword(e, "login, password or code wrong");
	} else if (r->status == 429) {
		int s = e->retry_after;
		if (s > 0)
			out_reword(e, "too many failed logins: locked; try "
				   "again in %d minute%s", (s + 59) / 60,
				   (s + 59) / 60 == 1 ? "" : "s");
		else
			out_reword(e, "too many failed logins: locked; try "
				   "again later");
	}
}

int cmd_login(struct cli *c)
{
	if (c->argc != 0)
		return out_usage(c, "login takes no arguments");
	struct err e;
	struct http_resp r = {0};
	struct login_creds *cr = NULL;
	struct profile *p = NULL;
	int created = 0, rc;
	err_clear(&e);

	if (!(p = login_profile(c, &created, &e)) || login_bind(c, p, &e) < 0)
		goto fail;
	if (!(cr = sodium_malloc(sizeof *cr))) {
		err_set(&e, ERR_INTERNAL, NULL, "out of memory");
		goto fail;
	}
	memset(cr, 0, sizeof *cr);
	if (login_ask(p, cr, &e) < 0)
		goto fail;
	json_t *req = json_pack("{s:s, s:s, s:s, s:s}", "login", cr->login,
				"password", cr->password, "totp", cr->totp,
				"device", p->device);
	sodium_memzero(cr->password, sizeof cr->password);
	int hrc = req ? http_call(p->server, "POST", "/api/v1/auth/login",
				  NULL, req, &r, &e) :
			err_set(&e, ERR_INTERNAL, NULL, "out of memory");
	json_decref(req);
	if (hrc < 0)
		goto fail;
	if (r.status < 200 || r.status >= 300) {
		/* Remember the login even when refused: the next attempt
		 * (after confirming the device) offers it as the default. */
		memcpy(p->login, cr->login, sizeof p->login);
		struct err ignored;
		profile_save(p, &ignored);
		login_refused(c, &r, &e);
		goto fail;
	}
	if (login_accept(p, cr, r.body, &e) < 0)
		goto fail;
	if (!c->json)
		printf("Logged in as %s%s%s (profile %s).\n", p->login,
		       p->expires[0] ? "; the session ends at the latest at " :
				       "",
		       p->expires, p->name);
	rc = out_ok(c, json_pack("{s:s, s:s, s:s, s:s, s:b}", "login",
				 p->login, "profile", p->name, "server",
				 p->server, "expires", p->expires,
				 "profile_created", created));
	goto out;
fail:
	rc = out_fail(c, &e);
out:
	http_resp_free(&r);
	if (cr)
		sodium_free(cr);
	profile_close(p);
	return rc;
}

int cmd_logout(struct cli *c)
{
	if (c->argc != 0)
		return out_usage(c, "logout takes no arguments");
	struct err e, local;
	struct http_resp r = {0};
	err_clear(&e);
	err_clear(&local);
	struct profile *p = session_open(c, &e);
	if (!p) {
		/* Logged out already: the state asked for holds. */
		if (!strcmp(e.key, "not_logged_in")) {
			if (!c->json)
				printf("You are not logged in (profile %s).\n",
				       c->profile);
			return out_ok(c, json_pack("{s:b, s:b}", "logged_out",
						   1, "was_logged_in", 0));
		}
		return out_fail(c, &e);
	}
	int hrc = http_call(session_server(c, p), "POST",
			    "/api/v1/auth/logout", p->token, NULL, &r, &e);
	/* Forget the token whatever the server said: the person asked to be
	 * logged out here, and a 401 means the session was over anyway. */
	int saved = session_forget(p, &local);
	int rc;
	if (hrc < 0) {
		char msg[sizeof e.msg];
		memcpy(msg, e.msg, sizeof msg);
		out_reword(&e, "the token was forgotten here, but the server "
			   "could not be told: %s", msg);
		rc = out_fail(c, &e);
	} else if (r.status != 401 && (r.status < 200 || r.status >= 300)) {
		http_resp_err(&r, &e);
		rc = out_fail(c, &e);
	} else if (saved < 0) {
		rc = out_fail(c, &local);
	} else {
		if (!c->json)
			printf("Logged out (profile %s).\n", p->name);
		rc = out_ok(c, json_pack("{s:b, s:b}", "logged_out", 1,
					 "was_logged_in", 1));
	}
	http_resp_free(&r);
	profile_close(p);
	return rc;
}
