/* account.h — provider organisations and staff accounts (admin work), and
 * reading an account for /me. Patients are in patient.h. */
#ifndef AKTE_DOMAIN_ACCOUNT_H
#define AKTE_DOMAIN_ACCOUNT_H

#include "core/config.h"
#include "crypto/token.h"
#include "crypto/totp.h"
#include "domain/actor.h"
#include "store/sql.h"

#include <jansson.h>

struct org_input {
	const char *kind;          /* practice|hospital|pharmacy|imaging|insurer */
	const char *name;
	const char *telematik_id;  /* optional */
	const char *address;       /* optional */
};

int org_create(struct sql *db, const struct actor *a, const struct org_input *in,
	       char id_out[TOKEN_ID_LEN + 1], struct err *e);
/* Search by name or Telematik-ID (q may be NULL or ""); returns
 * {"items": [...], "next_cursor": null}. Caller owns the result. */
json_t *org_search(struct sql *db, const struct actor *a, const char *q, int limit,
		   struct err *e);

struct user_input {
	const char *role;     /* admin|operator|provider */
	const char *login;    /* an email address */
	const char *org_id;   /* required for provider (and allowed for operator) */
	const char *password;
};

struct user_created {
	char id[TOKEN_ID_LEN + 1];
	char totp_secret[TOTP_SECRET_B32_LEN + 1];
};

int user_create(struct sql *db, const struct actor *a, const struct user_input *in,
		struct user_created *out, struct err *e);

/* The account, its organisation and the records it may open, as /me shows
 * them. Caller owns the result. */
json_t *account_describe(struct sql *db, const struct actor *a, struct err *e);

/* Seal a fresh TOTP secret for account_id; fills the base32 form. The
 * sealed bytes (TOTP_SECRET_LEN + KEYS_SEAL_OVERHEAD) go to sealed. */
void account_totp_new(const char *account_id, uint8_t *sealed,
		      char b32[TOTP_SECRET_B32_LEN + 1]);
/* Open a sealed TOTP secret. */
int account_totp_open(const char *account_id, const void *sealed, size_t n,
		      uint8_t secret[TOTP_SECRET_LEN], struct err *e);

#endif
