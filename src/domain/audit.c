/* audit.c — see audit.h. The chain, its encoding, and what it can and
 * cannot prove.
 *
 * An entry's hash is keys_lookup_hash("audit", prev_hash || fields), where
 * fields is the canonical encoding of record_id, seq, at, actor_id,
 * actor_role, actor_name, actor_org, capacity, action, object_type,
 * object_id, object_label, outcome, client_addr in that order. Every field
 * carries its length as a u32 big-endian prefix (integers: length 8, then
 * 8 bytes big-endian two's complement; SQL NULL: length 0xffffffff and no
 * bytes), so no two different entries encode alike: a byte cannot move from
 * one field into its neighbour, and NULL never collides with "".
 *
 * Verification recomputes every hash from the bytes stored in the row (not
 * from C strings, so a NUL smuggled into a column changes the hash) and
 * checks that seq runs on without a gap from the anchor and that each
 * prev_hash is the hash of the entry before. That catches a changed column,
 * a removed or inserted middle row, and rows swapped or reordered.
 *
 * The chain alone authenticates only what lies before its last entry, so
 * each append also writes a seal: the newest seq and a keyed MAC over the
 * record id, that seq and its hash (audit_seal). Removing the newest
 * entries leaves the seal pointing past the end, which verify reports; and
 * appends continue numbering after the sealed seq, so the gap stays
 * visible instead of being papered over by the next entry.
 *
 * Known limits:
 *   - someone holding an older copy of the database can put back an old
 *     seal together with the rows it covers (a rollback of the whole log
 *     to an earlier state); only a seal kept outside the database (a
 *     later PKCS#11 token or an external witness) would catch that.
 *   - audit_anchor is not authenticated: someone who removes the oldest
 *     entries and writes the last removed one's seq and hash there makes
 *     it look like a prune. An anchor with no entries left is caught,
 *     since a prune always keeps the newest entry.
 *
 * Appends within one record are serialized by the write transaction
 * (BEGIN IMMEDIATE on SQLite): the head is read and the next entry written
 * under the same lock. On PostgreSQL two concurrent appends would both
 * read the same head; the primary key (record_id, seq) then refuses the
 * second with ERR_CONFLICT rather than forking the chain. */
#include "domain/audit.h"

#include "core/buf.h"
#include "core/clock.h"
#include "crypto/keys.h"

#include <limits.h>
#include <stdio.h>
#include <sodium.h>
#include <string.h>

#define AUDIT_LABEL_MAX 200   /* bytes of object_label (document titles) */
#define AUDIT_NAME_MAX 200    /* bytes of actor_name and actor_org */
#define AUDIT_FIELD_MAX 1024  /* any other text field; they come from code */
#define AUDIT_FILTER_MAX 64   /* bytes of the actor and action filters */
#define AUDIT_PAGE_MAX 200
#define AUDIT_CURSOR_DIGITS 19 /* INT64_MAX has 19 digits */
#define AUDIT_NULL_LEN 0xffffffffu
/* Hash input of one entry; far above anything a row can legitimately hold
 * (14 fields of at most AUDIT_FIELD_MAX bytes), it only bounds what a
 * tampered row makes verification allocate. */
#define AUDIT_ENCODING_MAX (1024 * 1024)

/* The text fields after record_id, seq and at, in encoding order; also the
 * column order of AUDIT_COLS. */
enum audit_field_id {
	F_ACTOR_ID, F_ACTOR_ROLE, F_ACTOR_NAME, F_ACTOR_ORG, F_CAPACITY, F_ACTION,
	F_OBJECT_TYPE, F_OBJECT_ID, F_OBJECT_LABEL, F_OUTCOME, F_CLIENT_ADDR, F_N
};

#define AUDIT_COLS                                                              \
	"actor_id, actor_role, actor_name, actor_org, capacity, action,"        \
	" object_type, object_id, object_label, outcome, client_addr"

/* Bytes of one text field; p == NULL is SQL NULL. */
struct audit_field {
	const char *p;
	size_t n;
};

static const uint8_t audit_zero_hash[KEYS_HASH_LEN];

static int audit_put_len(struct buf *b, uint32_t n)
{
	uint8_t be[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
	return buf_append(b, be, sizeof be);
}

static int audit_put_text(struct buf *b, struct audit_field f)
{
	if (!f.p)
		return audit_put_len(b, AUDIT_NULL_LEN);
	/* AUDIT_ENCODING_MAX keeps every length below the NULL marker. */
	if (f.n >= AUDIT_ENCODING_MAX || audit_put_len(b, (uint32_t)f.n) < 0)
		return -1;
	return f.n ? buf_append(b, f.p, f.n) : 0;
}

static int audit_put_int(struct buf *b, int64_t v)
{
	uint64_t u = (uint64_t)v;
	uint8_t be[8];
	for (int i = 7; i >= 0; i--, u >>= 8)
		be[i] = (uint8_t)u;
	return audit_put_len(b, sizeof be) < 0 ? -1 : buf_append(b, be, sizeof be);
}

/* out = keys_lookup_hash("audit", prev || canonical encoding). */
static int audit_hash(const uint8_t prev[KEYS_HASH_LEN], struct audit_field record_id,
		      int64_t seq, int64_t at, const struct audit_field f[F_N],
		      uint8_t out[KEYS_HASH_LEN], struct err *e)
{
	struct buf b;
	buf_init(&b, AUDIT_ENCODING_MAX);
	int rc = buf_append(&b, prev, KEYS_HASH_LEN) < 0 || audit_put_text(&b, record_id) < 0 ||
		 audit_put_int(&b, seq) < 0 || audit_put_int(&b, at) < 0 ? -1 : 0;
	for (int i = 0; rc == 0 && i < F_N; i++)
		rc = audit_put_text(&b, f[i]);
	if (rc == 0)
		keys_lookup_hash("audit", b.data, b.len, out);
	else
		err_set(e, ERR_INTERNAL, NULL, "audit entry too large to hash");
	buf_free(&b);
	return rc;
}

/* Length of the UTF-8 sequence starting at s (at most n bytes), or 0 when
 * it is not a valid, shortest-form, non-surrogate sequence. */
static size_t audit_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
	if (c < 0x80)
		return c ? 1 : 0;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else
		return 0;
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* Copies at most size - 1 bytes of src (n bytes) into dst as valid UTF-8,
 * NUL-terminated: cut only between characters, and an invalid byte (or a
 * NUL) becomes '?', so what is stored and hashed is also what JSON can
 * carry. Returns the bytes written. */
static size_t audit_utf8_copy(char *dst, size_t size, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0;
	while (i < n) {
		size_t len = audit_utf8_seq(s + i, n - i);
		size_t out = len ? len : 1;
		if (o + out >= size)
			break;
		if (len)
			memcpy(dst + o, s + i, len);
		else
			dst[o] = '?';
		o += out;
		i += len ? len : 1;
	}
	dst[o] = '\0';
	return o;
}

static struct audit_field audit_str(const char *s)
{
	struct audit_field f = {s, s ? strlen(s) : 0};
	return f;
}

/* The display name and organisation of the actor, as they are now: the
 * log keeps what was true at the time of the access, so a renamed
 * practice still shows under its old name in old entries. */
static int audit_actor_names(struct sql *db, const struct actor *a,
			     char name[AUDIT_NAME_MAX + 1], char org[AUDIT_NAME_MAX + 1],
			     int *has_org, struct err *e)
{
	audit_utf8_copy(name, AUDIT_NAME_MAX + 1, a->login, strnlen(a->login, sizeof a->login));
	*has_org = 0;
	if (a->role == ROLE_PATIENT) {
		struct sql_stmt *st = sql_query(db, e, "SELECT name FROM patients WHERE account_id = ?",
						"t", a->account_id);
		if (!st)
			return -1;
		int rc = sql_step(st, e);
		if (rc == SQL_ROW) {
			const char *s = sql_col_text(st, 0);
			audit_utf8_copy(name, AUDIT_NAME_MAX + 1, s, strlen(s));
		}
		sql_finalize(st);
		if (rc < 0)
			return -1;
	}
	if (a->org_id[0]) {
		struct sql_stmt *st = sql_query(db, e, "SELECT name FROM orgs WHERE id = ?", "t",
						a->org_id);
		if (!st)
			return -1;
		int rc = sql_step(st, e);
		if (rc == SQL_ROW) {
			const char *s = sql_col_text(st, 0);
			audit_utf8_copy(org, AUDIT_NAME_MAX + 1, s, strlen(s));
			*has_org = 1;
		}
		sql_finalize(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The record's last seq and hash: its newest entry, else the anchor a
 * prune left, else seq 0 and the zero hash. A stored hash of the wrong
 * size (a tampered row) is zero-padded: verification reports that row
 * anyway, and appending must not stop because of it. */
static int audit_head_rows(struct sql *db, const char *record_id, int64_t *seq,
			   uint8_t hash[KEYS_HASH_LEN], struct err *e);

/* MAC of the seal: keyed BLAKE2b over record id, NUL, seq (big endian)
 * and the entry's hash. */
static void audit_seal_mac(const char *record_id, int64_t seq,
			   const uint8_t hash[KEYS_HASH_LEN], uint8_t out[KEYS_HASH_LEN])
{
	uint8_t msg[TOKEN_ID_LEN + 1 + 8 + KEYS_HASH_LEN];
	size_t n = strnlen(record_id, TOKEN_ID_LEN);
	memcpy(msg, record_id, n);
	msg[n++] = 0;
	for (int i = 7; i >= 0; i--)
		msg[n++] = (uint8_t)((uint64_t)seq >> (8 * i));
	memcpy(msg + n, hash, KEYS_HASH_LEN);
	keys_lookup_hash("audit-seal", msg, n + KEYS_HASH_LEN, out);
}

/* The sealed seq of the record, 0 when none. */
static int audit_sealed_seq(struct sql *db, const char *record_id, int64_t *seq,
			    uint8_t mac[KEYS_HASH_LEN], int *have, struct err *e)
{
	struct sql_stmt *st = sql_query(db, e, "SELECT seq, mac FROM audit_seal WHERE record_id = ?",
					"t", record_id);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	*have = rc == SQL_ROW;
	*seq = 0;
	memset(mac, 0, KEYS_HASH_LEN);
	if (rc == SQL_ROW) {
		size_t n;
		const void *p = sql_col_blob(st, 1, &n);
		*seq = sql_col_int(st, 0);
		if (p && n == KEYS_HASH_LEN)
			memcpy(mac, p, KEYS_HASH_LEN);
	}
	sql_finalize(st);
	return rc < 0 ? -1 : 0;
}

static int audit_head(struct sql *db, const char *record_id, int64_t *seq,
		      uint8_t hash[KEYS_HASH_LEN], struct err *e)
{
	int rc = audit_head_rows(db, record_id, seq, hash, e);
	int64_t sealed;
	uint8_t mac[KEYS_HASH_LEN];
	int have;
	if (rc < 0 || audit_sealed_seq(db, record_id, &sealed, mac, &have, e) < 0)
		return -1;
	/* Newest entries were removed: number on after the sealed seq, so the
	 * gap shows in verify instead of being covered by the next entry. */
	if (have && sealed > *seq)
		*seq = sealed;
	return 0;
}

static int audit_head_rows(struct sql *db, const char *record_id, int64_t *seq,
			   uint8_t hash[KEYS_HASH_LEN], struct err *e)
{
	static const char *const queries[] = {
		"SELECT seq, hash FROM audit WHERE record_id = ? ORDER BY seq DESC LIMIT 1",
		"SELECT seq, hash FROM audit_anchor WHERE record_id = ?",
	};
	*seq = 0;
	memcpy(hash, audit_zero_hash, KEYS_HASH_LEN);
	for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
		struct sql_stmt *st = sql_query(db, e, queries[q], "t", record_id);
		if (!st)
			return -1;
		int rc = sql_step(st, e);
		if (rc == SQL_ROW) {
			size_t n;
			const void *p = sql_col_blob(st, 1, &n);
			*seq = sql_col_int(st, 0);
			if (p)
				memcpy(hash, p, n < KEYS_HASH_LEN ? n : KEYS_HASH_LEN);
		}
		sql_finalize(st);
		if (rc != SQL_DONE)
			return rc < 0 ? -1 : 0;
	}
	return 0;
}

static int audit_field_ok(const char *s)
{
	return !s || strlen(s) <= AUDIT_FIELD_MAX;
}

int audit_append(struct sql *db, const struct audit_entry *en, struct err *e)
{
	if (!en || !en->record_id || !en->action || !en->object_type ||
	    !audit_field_ok(en->record_id) || !audit_field_ok(en->action) ||
	    !audit_field_ok(en->object_type) || !audit_field_ok(en->object_id))
		return err_set(e, ERR_INTERNAL, NULL, "malformed audit entry");

	const struct actor *a = en->actor;
	char name[AUDIT_NAME_MAX + 1] = "akte", org[AUDIT_NAME_MAX + 1] = "";
	char label[AUDIT_LABEL_MAX + 1] = "";
	int has_org = 0;
	/* Looked up before the write lock is taken, to hold it briefly. */
	if (a && audit_actor_names(db, a, name, org, &has_org, e) < 0)
		return -1;
	if (en->object_label)
		audit_utf8_copy(label, sizeof label, en->object_label, strlen(en->object_label));

	struct audit_field f[F_N];
	f[F_ACTOR_ID] = audit_str(a && a->account_id[0] ? a->account_id : NULL);
	f[F_ACTOR_ROLE] = audit_str(a ? actor_role_name(a->role) : "system");
	f[F_ACTOR_NAME] = audit_str(name);
	f[F_ACTOR_ORG] = audit_str(has_org ? org : NULL);
	f[F_CAPACITY] = audit_str(access_capacity_name(en->capacity));
	f[F_ACTION] = audit_str(en->action);
	f[F_OBJECT_TYPE] = audit_str(en->object_type);
	f[F_OBJECT_ID] = audit_str(en->object_id);
	f[F_OBJECT_LABEL] = audit_str(en->object_label ? label : NULL);
	f[F_OUTCOME] = audit_str(en->outcome == AUDIT_ALLOWED ? "allowed" : "refused");
	f[F_CLIENT_ADDR] = audit_str(a && a->client_addr[0] ? a->client_addr : NULL);

	/* Joining the caller's transaction makes the entry commit or roll back
	 * with the change it records. */
	int own = !sql_in_transaction(db);
	if (own && sql_begin(db, e) < 0)
		return -1;
	int rc = -1;
	int64_t seq, at = clock_now();
	uint8_t prev[KEYS_HASH_LEN], hash[KEYS_HASH_LEN];
	if (audit_head(db, en->record_id, &seq, prev, e) < 0)
		goto out;
	if (seq == INT64_MAX) {
		err_set(e, ERR_INTERNAL, NULL, "audit sequence exhausted");
		goto out;
	}
	seq++;
	if (audit_hash(prev, audit_str(en->record_id), seq, at, f, hash, e) < 0)
		goto out;
	if (sql_run(db, e,
		    "INSERT INTO audit (record_id, seq, at, " AUDIT_COLS ", prev_hash, hash)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    "tiitttttttttttbb", en->record_id, seq, at, f[F_ACTOR_ID].p,
		    f[F_ACTOR_ROLE].p, f[F_ACTOR_NAME].p, f[F_ACTOR_ORG].p, f[F_CAPACITY].p,
		    f[F_ACTION].p, f[F_OBJECT_TYPE].p, f[F_OBJECT_ID].p, f[F_OBJECT_LABEL].p,
		    f[F_OUTCOME].p, f[F_CLIENT_ADDR].p, prev, sizeof prev, hash, sizeof hash) < 0)
		goto out;
	uint8_t mac[KEYS_HASH_LEN];
	audit_seal_mac(en->record_id, seq, hash, mac);
	if (sql_run(db, e, "INSERT INTO audit_seal (record_id, seq, mac) VALUES (?, ?, ?)"
			   " ON CONFLICT (record_id) DO UPDATE SET seq = excluded.seq, mac = excluded.mac",
		    "tib", en->record_id, seq, mac, sizeof mac) < 0)
		goto out;
	if (own && sql_commit(db, e) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0 && own)
		sql_rollback(db);
	return rc;
}

/* Cursor: the decimal seq of the last entry of the previous page, exactly
 * as audit_list wrote it (no sign, no leading zero, no spaces). NULL is
 * the first page. */
static int audit_cursor_parse(const char *s, int64_t *out, struct err *e)
{
	*out = INT64_MAX;
	if (!s)
		return 0;
	size_t n = strnlen(s, AUDIT_CURSOR_DIGITS + 1);
	int64_t v = 0;
	if (n == 0 || n > AUDIT_CURSOR_DIGITS || s[0] == '0')
		goto bad;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || __builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, s[i] - '0', &v))
			goto bad;
	}
	*out = v;
	return 0;
bad:
	return err_field(e, "cursor", "cursor is not one this list handed out");
}

/* A filter: NULL or "" is none; else at most AUDIT_FILTER_MAX bytes, and an
 * action only of the characters actions are made of. */
static int audit_filter_ok(const char *s, int is_action, struct err *e)
{
	const char *field = is_action ? "action" : "actor";
	if (!s || !*s)
		return 0;
	size_t n = strnlen(s, AUDIT_FILTER_MAX + 1);
	if (n > AUDIT_FILTER_MAX)
		return err_field(e, field, "%s filter is longer than %d bytes", field,
				 AUDIT_FILTER_MAX);
	for (size_t i = 0; is_action && i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return err_field(e, "action", "action filter holds a character no action has");
	return 0;
}

/* A text column as JSON: null for NULL; a string that is not valid UTF-8
 * (only a tampered row can hold one) is shown repaired and shortened rather
 * than failing the whole page. */
static json_t *audit_json_text(struct sql_stmt *st, int col)
{
	if (sql_col_is_null(st, col))
		return json_null();
	const char *s = sql_col_text(st, col);
	json_t *j = json_string(s);
	if (!j) {
		char fixed[AUDIT_FIELD_MAX + 1];
		audit_utf8_copy(fixed, sizeof fixed, s, strlen(s));
		j = json_string(fixed);
	}
	return j;
}

/* One row of "SELECT seq, at, AUDIT_COLS" as the API shows it. */
static json_t *audit_item(struct sql_stmt *st)
{
	char at[CLOCK_RFC3339_LEN];
	clock_rfc3339(sql_col_int(st, 1), at);
	return json_pack("{s:I,s:s,s:{s:o,s:o,s:o,s:o},s:o,s:o,s:{s:o,s:o,s:o},s:o,s:o}",
		"seq", (json_int_t)sql_col_int(st, 0), "at", at,
		"actor", "id", audit_json_text(st, 2 + F_ACTOR_ID),
		"role", audit_json_text(st, 2 + F_ACTOR_ROLE),
		"name", audit_json_text(st, 2 + F_ACTOR_NAME),
		"org", audit_json_text(st, 2 + F_ACTOR_ORG),
		"capacity", audit_json_text(st, 2 + F_CAPACITY),
		"action", audit_json_text(st, 2 + F_ACTION),
		"object", "type", audit_json_text(st, 2 + F_OBJECT_TYPE),
		"id", audit_json_text(st, 2 + F_OBJECT_ID),
		"label", audit_json_text(st, 2 + F_OBJECT_LABEL),
		"outcome", audit_json_text(st, 2 + F_OUTCOME),
		"client", audit_json_text(st, 2 + F_CLIENT_ADDR));
}

json_t *audit_list(struct sql *db, const char *record_id, const char *actor,
		   const char *action, const char *cursor, int limit, struct err *e)
{
	int64_t before;
	if (!record_id) {
		err_set(e, ERR_INTERNAL, NULL, "no record");
		return NULL;
	}
	if (limit < 1 || limit > AUDIT_PAGE_MAX) {
		err_field(e, "limit", "limit must be a whole number from 1 to %d", AUDIT_PAGE_MAX);
		return NULL;
	}
	if (audit_cursor_parse(cursor, &before, e) < 0 || audit_filter_ok(actor, 0, e) < 0 ||
	    audit_filter_ok(action, 1, e) < 0)
		return NULL;
	int by_actor = actor && *actor, by_action = action && *action;
	size_t action_len = by_action ? strlen(action) : 0;
	int prefix = by_action && action[action_len - 1] == '.';

	/* substr, not LIKE: '_' in a filter must not be a wildcard. Filters are
	 * ASCII, so substr's characters are bytes. */
	char text[512];
	snprintf(text, sizeof text,
		 "SELECT seq, at, " AUDIT_COLS " FROM audit WHERE record_id = ? AND seq < ?%s%s"
		 " ORDER BY seq DESC LIMIT ?",
		 by_actor ? " AND actor_id = ?" : "",
		 !by_action ? "" : prefix ? " AND substr(action, 1, ?) = ?" : " AND action = ?");
	struct sql_stmt *st = sql_prepare(db, text, e);
	if (!st)
		return NULL;
	json_t *out = NULL, *items = json_array();
	int idx = 1, rc = 0;
	rc |= sql_bind_text(st, idx++, record_id);
	rc |= sql_bind_int(st, idx++, before);
	if (by_actor)
		rc |= sql_bind_text(st, idx++, actor);
	if (prefix)
		rc |= sql_bind_int(st, idx++, (int64_t)action_len);
	if (by_action)
		rc |= sql_bind_text(st, idx++, action);
	/* One more than a page, to know whether another page follows. */
	rc |= sql_bind_int(st, idx++, (int64_t)limit + 1);
	if (rc < 0 || !items) {
		err_set(e, ERR_INTERNAL, NULL, "cannot list the audit log");
		goto out;
	}
	int64_t last = 0;
	int n = 0, more = 0;
	while ((rc = sql_step(st, e)) == SQL_ROW) {
		if (n == limit) {
			more = 1;
			break;
		}
		json_t *item = audit_item(st);
		if (!item || json_array_append_new(items, item) < 0) {
			err_set(e, ERR_INTERNAL, NULL, "out of memory");
			goto out;
		}
		last = sql_col_int(st, 0);
		n++;
	}
	if (rc < 0)
		goto out;
	char next[AUDIT_CURSOR_DIGITS + 2];
	snprintf(next, sizeof next, "%lld", (long long)last);
	out = json_pack("{s:O,s:o}", "items", items, "next_cursor",
			more ? json_string(next) : json_null());
	if (!out)
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
out:
	sql_finalize(st);
	json_decref(items);
	return out;
}

/* Whether a stored hash column is exactly h. */
static int audit_hash_is(const void *p, size_t n, const uint8_t h[KEYS_HASH_LEN])
{
	return p && n == KEYS_HASH_LEN && memcmp(p, h, KEYS_HASH_LEN) == 0;
}

/* Whether the row the statement stands on is the next link of the chain:
 * seq follows, prev_hash is the previous link's hash, and its own hash is
 * what its stored bytes hash to. Columns: seq, at, AUDIT_COLS, prev_hash,
 * hash. */
static int audit_link_ok(struct sql_stmt *st, const char *record_id, int64_t expect_seq,
			 const uint8_t prev[KEYS_HASH_LEN], int *ok, struct err *e)
{
	struct audit_field f[F_N];
	size_t pn, hn;
	const void *stored_prev = sql_col_blob(st, 2 + F_N, &pn);
	uint8_t h[KEYS_HASH_LEN];
	*ok = 0;
	if (sql_col_int(st, 0) != expect_seq || !audit_hash_is(stored_prev, pn, prev))
		return 0;
	for (int i = 0; i < F_N; i++) {
		/* A blob read of "" gives NULL, so NULL-ness comes from the type. */
		if (sql_col_is_null(st, 2 + i)) {
			f[i].p = NULL;
			f[i].n = 0;
		} else {
			f[i].p = sql_col_blob(st, 2 + i, &f[i].n);
			if (!f[i].p)
				f[i].p = "";
		}
	}
	if (audit_hash(prev, audit_str(record_id), expect_seq, sql_col_int(st, 1), f, h, e) < 0)
		return -1;
	const void *stored_hash = sql_col_blob(st, 3 + F_N, &hn);
	*ok = audit_hash_is(stored_hash, hn, h);
	return 0;
}

/* The seal must name the last entry that verified (last_seq, its hash
 * last). Sets *first_bad to the first position it cannot vouch for. */
static int audit_verify_seal(struct sql *db, const char *record_id, int64_t last_seq,
			     const uint8_t last[KEYS_HASH_LEN], int64_t entries,
			     int64_t *first_bad, struct err *e)
{
	int64_t sealed;
	uint8_t mac[KEYS_HASH_LEN], want[KEYS_HASH_LEN];
	int have;
	if (audit_sealed_seq(db, record_id, &sealed, mac, &have, e) < 0)
		return -1;
	if (!have) {
		if (entries > 0) /* entries, yet no append ever sealed them */
			*first_bad = last_seq;
		return 0;
	}
	if (sealed != last_seq) {
		/* Entries after the sealed one are forged; entries up to it are
		 * missing from the end. */
		*first_bad = (sealed < last_seq ? sealed : last_seq) + 1;
		return 0;
	}
	audit_seal_mac(record_id, last_seq, last, want);
	if (sodium_memcmp(mac, want, KEYS_HASH_LEN) != 0)
		*first_bad = last_seq;
	return 0;
}

json_t *audit_verify(struct sql *db, const char *record_id, struct err *e)
{
	if (!record_id) {
		err_set(e, ERR_INTERNAL, NULL, "no record");
		return NULL;
	}
	/* One statement, so entries and anchor come from one snapshot even if
	 * a prune commits meanwhile. */
	struct sql_stmt *st = sql_query(db, e,
		"SELECT a.seq, a.at, " AUDIT_COLS ", a.prev_hash, a.hash, n.seq, n.hash"
		" FROM audit a LEFT JOIN audit_anchor n ON n.record_id = a.record_id"
		" WHERE a.record_id = ? ORDER BY a.seq",
		"t", record_id);
	if (!st)
		return NULL;
	json_t *out = NULL;
	int64_t entries = 0, expect_seq = 1, first_bad = 0;
	uint8_t prev[KEYS_HASH_LEN];
	memcpy(prev, audit_zero_hash, KEYS_HASH_LEN);
	int rc;
	while ((rc = sql_step(st, e)) == SQL_ROW) {
		if (entries++ == 0 && !sql_col_is_null(st, 4 + F_N)) {
			size_t n;
			const void *p = sql_col_blob(st, 5 + F_N, &n);
			expect_seq = sql_col_int(st, 4 + F_N) + 1;
			if (!p || n != KEYS_HASH_LEN)
				first_bad = expect_seq;
			else
				memcpy(prev, p, KEYS_HASH_LEN);
		}
		/* After the first break, only count: every later link hangs on a
		 * chain that is already known to be broken. */
		if (first_bad)
			continue;
		int ok;
		if (audit_link_ok(st, record_id, expect_seq, prev, &ok, e) < 0)
			goto out;
		if (!ok) {
			first_bad = expect_seq;
			continue;
		}
		size_t n;
		memcpy(prev, sql_col_blob(st, 3 + F_N, &n), KEYS_HASH_LEN);
		expect_seq++;
	}
	if (rc < 0)
		goto out;
	sql_finalize(st);
	st = NULL;
	if (entries == 0 && !first_bad) {
		/* A prune always keeps the newest entry: an anchor over an empty
		 * log means entries were removed by other means. */
		st = sql_query(db, e, "SELECT seq FROM audit_anchor WHERE record_id = ?", "t",
			       record_id);
		if (!st || (rc = sql_step(st, e)) < 0)
			goto out;
		if (rc == SQL_ROW)
			first_bad = sql_col_int(st, 0) + 1;
	}
	if (!first_bad && audit_verify_seal(db, record_id, expect_seq - 1, prev, entries,
					    &first_bad, e) < 0)
		goto out;
	out = first_bad ? json_pack("{s:b,s:I,s:I}", "ok", 0, "entries", (json_int_t)entries,
				    "first_bad", (json_int_t)first_bad)
			: json_pack("{s:b,s:I}", "ok", 1, "entries", (json_int_t)entries);
	if (!out)
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
out:
	sql_finalize(st);
	return out;
}

/* Prunes one record in its own transaction; returns the entries removed.
 * Only a prefix of the chain goes: everything before the first entry that
 * is still within retention (clocks can step back, so an old entry may
 * follow a newer one and then waits for a later sweep), and never the
 * newest entry, which keeps the anchor's successor — and so the check
 * that an anchor has one — in place. What is removed is not verified
 * first: retention applies to a broken chain too, and verification before
 * the prune is what would have shown the break. */
static int64_t audit_prune_record(struct sql *db, const char *record_id, int64_t before_ts,
				  struct err *e)
{
	if (sql_begin(db, e) < 0)
		return -1;
	int64_t removed = -1, cutoff = 0, last_seq = 0;
	uint8_t last_hash[KEYS_HASH_LEN];
	struct sql_stmt *st = sql_query(db, e,
		"SELECT MAX(seq), MIN(CASE WHEN at >= ? THEN seq END) FROM audit WHERE record_id = ?",
		"it", before_ts, record_id);
	if (!st)
		goto out;
	int rc = sql_step(st, e);
	if (rc == SQL_ROW && !sql_col_is_null(st, 0)) {
		int64_t keep = sql_col_int(st, 0);
		if (!sql_col_is_null(st, 1) && sql_col_int(st, 1) < keep)
			keep = sql_col_int(st, 1);
		cutoff = keep - 1;
	}
	sql_finalize(st);
	if (rc < 0)
		goto out;
	/* The last entry to go becomes the anchor. If tampering removed the
	 * row at cutoff, the one before it serves, and verify still reports
	 * the gap after the anchor. */
	st = sql_query(db, e,
		"SELECT seq, hash FROM audit WHERE record_id = ? AND seq <= ?"
		" ORDER BY seq DESC LIMIT 1", "ti", record_id, cutoff);
	if (!st)
		goto out;
	rc = sql_step(st, e);
	if (rc == SQL_ROW) {
		size_t n;
		const void *p = sql_col_blob(st, 1, &n);
		last_seq = sql_col_int(st, 0);
		memset(last_hash, 0, sizeof last_hash);
		if (p)
			memcpy(last_hash, p, n < KEYS_HASH_LEN ? n : KEYS_HASH_LEN);
	}
	sql_finalize(st);
	if (rc < 0)
		goto out;
	removed = 0;
	if (rc == SQL_DONE)
		goto out;
	removed = sql_run(db, e, "DELETE FROM audit WHERE record_id = ? AND seq <= ?", "ti",
			  record_id, last_seq);
	if (removed < 0 ||
	    sql_run(db, e, "INSERT INTO audit_anchor (record_id, seq, hash) VALUES (?, ?, ?)"
			   " ON CONFLICT (record_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
		    "tib", record_id, last_seq, last_hash, sizeof last_hash) < 0)
		removed = -1;
out:
	if (removed >= 0 && sql_commit(db, e) < 0)
		removed = -1;
	if (removed < 0)
		sql_rollback(db);
	return removed;
}

int64_t audit_prune(struct sql *db, int64_t before_ts, struct err *e)
{
	/* One transaction per record keeps each write lock short; that cannot
	 * nest inside a caller's. */
	if (sql_in_transaction(db))
		return err_set(e, ERR_INTERNAL, NULL, "audit_prune runs its own transactions");
	struct buf ids; /* NUL-separated record ids, collected before writing */
	buf_init(&ids, 0);
	int64_t total = -1;
	struct sql_stmt *st = sql_query(db, e, "SELECT DISTINCT record_id FROM audit WHERE at < ?",
					"i", before_ts);
	if (!st)
		goto out;
	int rc;
	while ((rc = sql_step(st, e)) == SQL_ROW) {
		const char *id = sql_col_text(st, 0);
		if (buf_append(&ids, id, strlen(id) + 1) < 0) {
			rc = err_set(e, ERR_INTERNAL, NULL, "out of memory");
			break;
		}
	}
	sql_finalize(st);
	if (rc < 0)
		goto out;
	total = 0;
	for (size_t off = 0; off < ids.len; off += strlen(ids.data + off) + 1) {
		int64_t n = audit_prune_record(db, ids.data + off, before_ts, e);
		if (n < 0) {
			total = -1;
			goto out;
		}
		total += n;
	}
out:
	buf_free(&ids);
	return total;
}
