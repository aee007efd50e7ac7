/* patient.h — patient accounts created by an operator after an identity
 * check in person, and their activation: a single-use code on a printed
 * letter, a password of the patient's choice and a TOTP second factor. */
#ifndef AKTE_DOMAIN_PATIENT_H
#define AKTE_DOMAIN_PATIENT_H

#include "core/config.h"
#include "crypto/token.h"
#include "crypto/totp.h"
#include "domain/actor.h"
#include "store/sql.h"

#include <jansson.h>
#include <stdint.h>

struct patient_input {
	const char *name;
	const char *birth_date;  /* YYYY-MM-DD */
	const char *sex;         /* female|male|diverse|unknown */
	const char *kvnr;
	const char *email;
	const char *phone;       /* optional */
};

struct activation_code {
	char code[TOKEN_CODE_LEN + 1];  /* grouped for typing */
	int64_t expires;
};

int patient_create(struct sql *db, const struct config *cfg, const struct actor *a,
		   const struct patient_input *in, char id_out[TOKEN_ID_LEN + 1],
		   struct activation_code *code, struct err *e);
/* A new code for a patient not yet active; the old one stops working. */
int patient_reissue(struct sql *db, const struct config *cfg, const struct actor *a,
		    const char *patient_id, struct activation_code *code, struct err *e);
/* The letter's contents for a code the operator holds: {name, birth_date,
 * login, code, expires}. 404 unless code is the patient's current one.
 * Caller owns the result. */
json_t *patient_letter(struct sql *db, const struct actor *a, const char *patient_id,
		       const char *code, struct err *e);

struct activation_secret {
	char totp_secret[TOTP_SECRET_B32_LEN + 1];
	char *otpauth_uri;  /* malloc'd; free with activation_secret_clear */
};

/* Step 1: the code and a new password; returns the TOTP secret to enrol. */
int activation_start(struct sql *db, const struct config *cfg, const char *code,
		     const char *password, struct activation_secret *out, struct err *e);
/* Step 2: the first TOTP code; the account becomes active, the code used. */
int activation_confirm(struct sql *db, const struct config *cfg, const char *code,
		       const char *totp, struct err *e);
void activation_secret_clear(struct activation_secret *s);

#endif
