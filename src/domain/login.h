/* login.h — password + TOTP login with throttling and device checks. */
#ifndef AKTE_DOMAIN_LOGIN_H
#define AKTE_DOMAIN_LOGIN_H

#include "core/config.h"
#include "domain/session.h"
#include "store/sql.h"

struct login_input {
	const char *login;
	const char *password;
	const char *totp;
	const char *device;        /* the client's own device id */
	const char *device_label;  /* e.g. from the User-Agent; shown in mails */
	const char *client_addr;
};

/* 0 with a new session; else 401 "login_failed" (the same for an unknown
 * login, a wrong password and a wrong code), 429 "locked", or 403
 * "device_unconfirmed" after a mail was queued. */
int login_attempt(struct sql *db, const struct config *cfg, const struct login_input *in,
		  struct session_new *out, struct err *e);

#endif
