/* migrate.c — the numbered schema migrations, run at start-up in order.
 *
 * Each migration is applied once, in its own transaction, and recorded in
 * schema_migrations. The SQL is portable between SQLite and PostgreSQL:
 * ids are TEXT, times are INTEGER Unix seconds, bytes are BLOB (bytea in
 * PostgreSQL, mapped by its backend). Never edit a released migration;
 * add the next one. */
#include "store/migrate.h"

#include "core/clock.h"

#include <stdio.h>

static const char *const migrations[] = {
	/* 1: accounts, organisations, patients, records, activation, devices,
	 * sessions, login throttling, outbox, blobs. */
	"CREATE TABLE orgs ("
	"  id TEXT PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  telematik_id TEXT UNIQUE,"
	"  address TEXT,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE accounts ("
	"  id TEXT PRIMARY KEY,"
	"  role TEXT NOT NULL CHECK (role IN ('admin','operator','provider','patient')),"
	"  login TEXT NOT NULL UNIQUE,"
	"  org_id TEXT REFERENCES orgs(id),"
	"  password_hash TEXT,"
	"  totp_sealed BLOB,"
	"  totp_last_step INTEGER NOT NULL DEFAULT 0,"
	"  status TEXT NOT NULL CHECK (status IN ('pending','active','disabled')),"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE patients ("
	"  account_id TEXT PRIMARY KEY REFERENCES accounts(id),"
	"  name TEXT NOT NULL,"
	"  birth_date TEXT NOT NULL,"
	"  sex TEXT NOT NULL,"
	"  kvnr TEXT NOT NULL UNIQUE,"
	"  email TEXT NOT NULL,"
	"  phone TEXT,"
	"  created_by TEXT REFERENCES accounts(id));"
	"CREATE TABLE records ("
	"  id TEXT PRIMARY KEY,"
	"  patient_id TEXT NOT NULL UNIQUE REFERENCES accounts(id),"
	"  wrapped_key BLOB NOT NULL,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE activation_codes ("
	"  code_hash BLOB PRIMARY KEY,"
	"  account_id TEXT NOT NULL REFERENCES accounts(id),"
	"  totp_sealed BLOB,"
	"  password_hash TEXT,"
	"  expires_at INTEGER NOT NULL,"
	"  used_at INTEGER,"
	"  revoked_at INTEGER,"
	"  created_at INTEGER NOT NULL);"
	"CREATE INDEX activation_codes_account ON activation_codes(account_id);"
	"CREATE TABLE devices ("
	"  id TEXT PRIMARY KEY,"
	"  account_id TEXT NOT NULL REFERENCES accounts(id),"
	"  client_hash BLOB NOT NULL,"
	"  label TEXT NOT NULL,"
	"  confirmed_at INTEGER,"
	"  created_at INTEGER NOT NULL,"
	"  last_seen_at INTEGER,"
	"  UNIQUE (account_id, client_hash));"
	"CREATE TABLE device_confirmations ("
	"  token_hash BLOB PRIMARY KEY,"
	"  device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
	"  expires_at INTEGER NOT NULL,"
	"  used_at INTEGER);"
	"CREATE TABLE sessions ("
	"  token_hash BLOB PRIMARY KEY,"
	"  id TEXT NOT NULL UNIQUE,"
	"  account_id TEXT NOT NULL REFERENCES accounts(id),"
	"  device_id TEXT REFERENCES devices(id) ON DELETE CASCADE,"
	"  csrf_hash BLOB NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  last_seen_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  ended_at INTEGER);"
	"CREATE INDEX sessions_account ON sessions(account_id);"
	"CREATE TABLE login_failures ("
	"  scope TEXT NOT NULL,"
	"  at INTEGER NOT NULL);"
	"CREATE INDEX login_failures_scope ON login_failures(scope, at);"
	"CREATE TABLE login_locks ("
	"  scope TEXT PRIMARY KEY,"
	"  until_at INTEGER NOT NULL);"
	"CREATE TABLE outbox ("
	"  id TEXT PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  recipient TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  body TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('queued','sent','failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_at INTEGER NOT NULL,"
	"  lease_until INTEGER,"
	"  last_error TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  sent_at INTEGER);"
	"CREATE INDEX outbox_due ON outbox(status, next_at);"
	"CREATE TABLE blobs ("
	"  id TEXT PRIMARY KEY,"
	"  wrapped_key BLOB NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL);",

	/* 2: the patient record: documents, grants, representations, and the
	 * audit log as a hash chain per record. blobs gains the record whose
	 * key wraps its data key. */
	"ALTER TABLE blobs ADD COLUMN record_id TEXT REFERENCES records(id);"
	"CREATE TABLE documents ("
	"  id TEXT PRIMARY KEY,"
	"  record_id TEXT NOT NULL REFERENCES records(id),"
	"  blob_id TEXT NOT NULL UNIQUE REFERENCES blobs(id),"
	"  title TEXT NOT NULL,"
	"  category TEXT NOT NULL,"
	"  doc_date TEXT,"
	"  content_type TEXT NOT NULL,"
	"  filename TEXT,"
	"  size INTEGER NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  hidden INTEGER NOT NULL DEFAULT 0,"
	"  author_account_id TEXT NOT NULL REFERENCES accounts(id),"
	"  author_capacity TEXT NOT NULL,"
	"  author_org_id TEXT REFERENCES orgs(id),"
	"  created_at INTEGER NOT NULL);"
	"CREATE INDEX documents_record ON documents(record_id, created_at, id);"
	"CREATE TABLE grants ("
	"  id TEXT PRIMARY KEY,"
	"  record_id TEXT NOT NULL REFERENCES records(id),"
	"  org_id TEXT NOT NULL REFERENCES orgs(id),"
	"  categories TEXT,"
	"  created_by TEXT NOT NULL REFERENCES accounts(id),"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  revoked_at INTEGER,"
	"  revoked_by TEXT REFERENCES accounts(id));"
	"CREATE INDEX grants_record ON grants(record_id, expires_at);"
	"CREATE INDEX grants_org ON grants(org_id, expires_at);"
	"CREATE TABLE representations ("
	"  id TEXT PRIMARY KEY,"
	"  record_id TEXT NOT NULL REFERENCES records(id),"
	"  account_id TEXT NOT NULL REFERENCES accounts(id),"
	"  status TEXT NOT NULL CHECK (status IN ('pending','active','ended')),"
	"  created_by TEXT NOT NULL REFERENCES accounts(id),"
	"  created_at INTEGER NOT NULL,"
	"  accepted_at INTEGER,"
	"  ended_at INTEGER,"
	"  ended_by TEXT REFERENCES accounts(id));"
	"CREATE INDEX representations_record ON representations(record_id, status);"
	"CREATE INDEX representations_account ON representations(account_id, status);"
	"CREATE TABLE audit ("
	"  record_id TEXT NOT NULL REFERENCES records(id),"
	"  seq INTEGER NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  actor_id TEXT,"
	"  actor_role TEXT NOT NULL,"
	"  actor_name TEXT NOT NULL,"
	"  actor_org TEXT,"
	"  capacity TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  object_type TEXT NOT NULL,"
	"  object_id TEXT,"
	"  object_label TEXT,"
	"  outcome TEXT NOT NULL,"
	"  client_addr TEXT,"
	"  prev_hash BLOB NOT NULL,"
	"  hash BLOB NOT NULL,"
	"  PRIMARY KEY (record_id, seq));"
	"CREATE TABLE audit_anchor ("
	"  record_id TEXT PRIMARY KEY REFERENCES records(id),"
	"  seq INTEGER NOT NULL,"
	"  hash BLOB NOT NULL);",

	/* 3: the seal of each audit chain's newest entry, so that removing
	 * the newest entries is detected too (see domain/audit.c). */
	"CREATE TABLE audit_seal ("
	"  record_id TEXT PRIMARY KEY REFERENCES records(id),"
	"  seq INTEGER NOT NULL,"
	"  mac BLOB NOT NULL);",
};

#define MIGRATIONS_N ((int)(sizeof migrations / sizeof migrations[0]))

int migrate_latest(void)
{
	return MIGRATIONS_N;
}

int migrate_run(struct sql *db, struct err *e)
{
	if (sql_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			 " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)", e) < 0)
		return -1;
	for (int v = 1; v <= MIGRATIONS_N; v++) {
		if (sql_begin(db, e) < 0)
			return -1;
		struct sql_stmt *st = sql_prepare(db,
			"SELECT 1 FROM schema_migrations WHERE version = ?", e);
		if (!st)
			goto fail;
		sql_bind_int(st, 1, v);
		int have = sql_step(st, e);
		sql_finalize(st);
		if (have < 0)
			goto fail;
		if (have == SQL_DONE) {
			if (sql_exec(db, migrations[v - 1], e) < 0 ||
			    sql_run(db, e, "INSERT INTO schema_migrations (version, applied_at)"
				    " VALUES (?, ?)", "ii", (int64_t)v, clock_now()) < 0)
				goto fail;
		}
		if (sql_commit(db, e) < 0)
			goto fail;
	}
	return 0;
fail:
	sql_rollback(db);
	return -1;
}
