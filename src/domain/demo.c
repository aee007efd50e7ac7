/* demo.c — see demo.h. The TOTP secrets are fixed so that a person can set
 * up an authenticator app once and keep using it across restarts; they are
 * sealed like any other secret. */
#include "domain/demo.h"

#include "core/clock.h"
#include "crypto/keys.h"
#include "crypto/password.h"
#include "crypto/token.h"
#include "crypto/totp.h"
#include "domain/account.h"

#include <sodium.h>
#include <string.h>

struct demo_account {
	const char *role, *login, *password, *totp_b32;
};

static const struct demo_account demo_accounts[] = {
	{"operator", "operator@demo.akte.example", "Demo-Geschaeftsstelle-2026", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"},
	{"provider", "praxis@demo.akte.example", "Demo-Praxis-Weber-2026", "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"},
	{"patient", "patient@demo.akte.example", "Demo-Patientin-2026", "MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK"},
};

/* RFC 4648 base32 without padding -> bytes; n is the expected length. */
static int b32_decode(const char *s, uint8_t *out, size_t n)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint32_t acc = 0;
	int bits = 0;
	size_t k = 0;
	for (; *s; s++) {
		const char *p = strchr(alpha, *s);
		if (!p)
			return -1;
		acc = (acc << 5) | (uint32_t)(p - alpha);
		bits += 5;
		if (bits >= 8) {
			if (k >= n)
				return -1;
			out[k++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	return k == n ? 0 : -1;
}

static int demo_exists(struct sql *db, struct err *e)
{
	struct sql_stmt *st = sql_query(db, e, "SELECT 1 FROM accounts WHERE login = ?", "t",
					demo_accounts[0].login);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	sql_finalize(st);
	return rc < 0 ? -1 : rc == SQL_ROW;
}

static int demo_insert_account(struct sql *db, const struct demo_account *d, const char *org,
			       char id[TOKEN_ID_LEN + 1], struct err *e)
{
	uint8_t secret[TOTP_SECRET_LEN], sealed[TOTP_SECRET_LEN + KEYS_SEAL_OVERHEAD];
	char hash[PASSWORD_HASH_LEN];
	token_id(id);
	if (b32_decode(d->totp_b32, secret, sizeof secret) < 0 ||
	    password_hash(d->password, hash, e) < 0)
		return err_set(e, ERR_INTERNAL, NULL, "demo data is broken");
	keys_seal(secret, sizeof secret, id, sealed);
	sodium_memzero(secret, sizeof secret);
	return sql_run(db, e,
		       "INSERT INTO accounts (id, role, login, org_id, password_hash, totp_sealed,"
		       " status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'active', ?)",
		       "tttttbi", id, d->role, d->login, org, hash, sealed, sizeof sealed,
		       clock_now()) < 0 ? -1 : 0;
}

static int demo_create(struct sql *db, struct err *e)
{
	char insurer[TOKEN_ID_LEN + 1], practice[TOKEN_ID_LEN + 1], ids[3][TOKEN_ID_LEN + 1];
	char record[TOKEN_ID_LEN + 1], device[TOKEN_ID_LEN + 1];
	uint8_t key[KEYS_KEY_LEN], wrapped[KEYS_WRAPPED_LEN], dev_hash[KEYS_HASH_LEN];
	int64_t now = clock_now();
	token_id(insurer);
	token_id(practice);
	token_id(record);
	token_id(device);
	keys_random(key);
	keys_wrap(NULL, key, record, wrapped);
	sodium_memzero(key, sizeof key);
	keys_lookup_hash("device", DEMO_CLI_DEVICE, strlen(DEMO_CLI_DEVICE), dev_hash);
	if (sql_begin(db, e) < 0)
		return -1;
	if (sql_run(db, e, "INSERT INTO orgs (id, kind, name, created_at) VALUES (?, 'insurer',"
			   " 'Demo Krankenkasse, Geschäftsstelle Mitte', ?)", "ti", insurer, now) < 0 ||
	    sql_run(db, e, "INSERT INTO orgs (id, kind, name, telematik_id, address, created_at)"
			   " VALUES (?, 'practice', 'Praxis Dr. Weber', '1-2-DEMO-WEBER',"
			   " 'Hauptstraße 1, 10115 Berlin', ?)", "ti", practice, now) < 0 ||
	    demo_insert_account(db, &demo_accounts[0], insurer, ids[0], e) < 0 ||
	    demo_insert_account(db, &demo_accounts[1], practice, ids[1], e) < 0 ||
	    demo_insert_account(db, &demo_accounts[2], NULL, ids[2], e) < 0 ||
	    sql_run(db, e, "INSERT INTO patients (account_id, name, birth_date, sex, kvnr, email)"
			   " VALUES (?, 'Erika Mustermann', '1964-08-12', 'female', 'X110411206', ?)",
		    "tt", ids[2], demo_accounts[2].login) < 0 ||
	    sql_run(db, e, "INSERT INTO records (id, patient_id, wrapped_key, created_at)"
			   " VALUES (?, ?, ?, ?)", "ttbi", record, ids[2], wrapped, sizeof wrapped,
		    now) < 0 ||
	    sql_run(db, e, "INSERT INTO devices (id, account_id, client_hash, label, confirmed_at,"
			   " created_at) VALUES (?, ?, ?, 'akte CLI (demo)', ?, ?)",
		    "ttbii", device, ids[2], dev_hash, sizeof dev_hash, now, now) < 0 ||
	    sql_commit(db, e) < 0) {
		sql_rollback(db);
		return -1;
	}
	return 0;
}

int demo_seed(struct sql *db, const struct config *cfg, FILE *out, struct err *e)
{
	int have = demo_exists(db, e);
	if (have < 0 || (!have && demo_create(db, e) < 0))
		return -1;
	fprintf(out, "\nakte demo on %s — public passwords, for trying akte only:\n\n",
		cfg->public_url);
	for (size_t i = 0; i < sizeof demo_accounts / sizeof demo_accounts[0]; i++)
		fprintf(out, "  %-9s %-28s password %-28s TOTP secret %s\n", demo_accounts[i].role,
			demo_accounts[i].login, demo_accounts[i].password, demo_accounts[i].totp_b32);
	fprintf(out,
		"\n  A TOTP code:   oathtool --totp -b SECRET\n"
		"  CLI login:     build/akte --server %s login --device %s\n"
		"                 (that device is confirmed for the demo patient; other devices\n"
		"                 get a confirmation mail in %s/spool/mail/ unless AKTE_SMTP_URL is set)\n\n",
		cfg->public_url, DEMO_CLI_DEVICE, cfg->data);
	fflush(out);
	return 0;
}
