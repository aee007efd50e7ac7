/* document.c — listing documents, reading and changing their metadata,
 * deleting them; and the helpers the upload and download files share.
 *
 * Deletion order: the rows (the document and its wrapped data key) go in
 * one transaction with the audit entry, then the blob file. Once the key row
 * is gone the file is unreadable even if removing it fails or the server
 * dies first; the sweep then removes the file as an orphan. */
#include "domain/document_priv.h"

#include "core/clock.h"
#include "core/log.h"
#include "domain/guard.h"
#include "domain/category.h"
#include "domain/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct blob_store *document_blobs;

void document_init(struct blob_store *bs)
{
	document_blobs = bs;
}

#define DOC_COLUMNS                                                                    \
	"d.id, d.record_id, d.blob_id, d.title, d.category, d.doc_date, d.content_type,"  \
	" d.filename, d.sha256, d.size, d.hidden, d.author_account_id, d.author_capacity,"\
	" a.login, d.author_org_id, o.name, d.created_at"
#define DOC_FROM                                                                       \
	" FROM documents d JOIN accounts a ON a.id = d.author_account_id"                \
	" LEFT JOIN orgs o ON o.id = d.author_org_id"

static void doc_row_fill(struct sql_stmt *st, struct doc_row *d)
{
	memset(d, 0, sizeof *d);
#define COPY(field, col) snprintf(d->field, sizeof d->field, "%s", sql_col_text(st, col))
	COPY(id, 0);
	COPY(record_id, 1);
	COPY(blob_id, 2);
	COPY(title, 3);
	COPY(category, 4);
	COPY(date, 5);
	COPY(content_type, 6);
	COPY(filename, 7);
	COPY(sha256, 8);
	COPY(author_id, 11);
	COPY(author_capacity, 12);
	COPY(author_login, 13);
	COPY(author_org_id, 14);
	COPY(author_org_name, 15);
#undef COPY
	d->has_filename = !sql_col_is_null(st, 7);
	d->size = (uint64_t)sql_col_int(st, 9);
	d->hidden = sql_col_int(st, 10) != 0;
	d->created_at = sql_col_int(st, 16);
}

int doc_row_load(struct sql *db, const char *id, struct doc_row *d, struct err *e)
{
	if (!id || !token_id_is_wellformed(id))
		return 0;
	struct sql_stmt *st = sql_query(db, e, "SELECT " DOC_COLUMNS DOC_FROM " WHERE d.id = ?",
					"t", id);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	if (rc == SQL_ROW)
		doc_row_fill(st, d);
	sql_finalize(st);
	return rc < 0 ? -1 : rc == SQL_ROW;
}

json_t *doc_row_json(const struct doc_row *d)
{
	char created[CLOCK_RFC3339_LEN];
	clock_rfc3339(d->created_at, created);
	json_t *org = d->author_org_id[0]
		? json_pack("{s:s,s:s}", "id", d->author_org_id, "name", d->author_org_name)
		: json_null();
	json_t *labels = category_labels(d->category);
	return json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:o,s:I,s:s,s:b,s:{s:s,s:s,s:s,s:o},s:s}",
		"id", d->id, "record_id", d->record_id, "title", d->title,
		"category", d->category, "category_label", labels ? labels : json_null(),
		"date", d->date[0] ? json_string(d->date) : json_null(),
		"content_type", d->content_type,
		"filename", d->has_filename ? json_string(d->filename) : json_null(),
		"size", (json_int_t)d->size, "sha256", d->sha256, "hidden", d->hidden,
		"author", "account_id", d->author_id, "capacity", d->author_capacity,
		"login", d->author_login, "org", org, "created_at", created);
}

int doc_audit(struct sql *db, const struct actor *a, const struct record_access *acc,
	      const char *action, const char *doc_id, const char *label, int allowed,
	      struct err *e)
{
	return audit_note(db, a, acc, action, "document", doc_id, label, allowed, e);
}

struct policy_object doc_policy_object(const struct doc_row *d, const struct record_access *acc)
{
	struct policy_object obj = {
		.access = acc, .doc_category = d->category, .doc_hidden = d->hidden,
		.doc_author_org = d->author_org_id[0] ? d->author_org_id : NULL,
	};
	return obj;
}

int doc_authorize(struct sql *db, const struct actor *a, const struct doc_row *d,
		  enum policy_action action, const char *audit_action,
		  struct record_access *acc, struct err *e)
{
	struct policy_object obj = doc_policy_object(d, acc);
	return guard_record(db, a, d->record_id, action, &obj, audit_action, "document", d->id,
			    acc, e);
}

int doc_record_key(struct sql *db, const char *record_id, uint8_t key[KEYS_KEY_LEN],
		   struct err *e)
{
	struct sql_stmt *st = sql_query(db, e, "SELECT wrapped_key FROM records WHERE id = ?",
					"t", record_id);
	if (!st)
		return -1;
	int rc = sql_step(st, e);
	size_t n = 0;
	const void *w = rc == SQL_ROW ? sql_col_blob(st, 0, &n) : NULL;
	if (rc == SQL_ROW && n == KEYS_WRAPPED_LEN)
		rc = keys_unwrap(NULL, w, record_id, key, e);
	else if (rc >= 0)
		rc = err_set(e, ERR_INTERNAL, NULL, "the record key is missing or damaged");
	sql_finalize(st);
	return rc < 0 ? -1 : 0;
}

int doc_data_key(struct sql *db, const char *record_id, const char *blob_id,
		 uint8_t key[KEYS_KEY_LEN], struct err *e)
{
	uint8_t *rkey = keys_secret_alloc();
	int rc = -1;
	if (!rkey)
		return err_set(e, ERR_INTERNAL, NULL, "out of memory");
	if (doc_record_key(db, record_id, rkey, e) < 0)
		goto out;
	struct sql_stmt *st = sql_query(db, e,
		"SELECT wrapped_key FROM blobs WHERE id = ? AND record_id = ?", "tt", blob_id,
		record_id);
	if (!st)
		goto out;
	int step = sql_step(st, e);
	size_t n = 0;
	const void *w = step == SQL_ROW ? sql_col_blob(st, 0, &n) : NULL;
	if (step == SQL_ROW && n == KEYS_WRAPPED_LEN)
		rc = keys_unwrap(rkey, w, blob_id, key, e);
	else if (step >= 0)
		err_set(e, ERR_INTERNAL, NULL, "the document key is missing or damaged");
	sql_finalize(st);
out:
	keys_secret_free(rkey);
	return rc;
}

/* ---- listing ---- */

/* "<created_at>.<id>" of the last item of a page. */
static int cursor_parse(const char *cursor, int64_t *at, char id[TOKEN_ID_LEN + 1])
{
	char *end;
	long long v = strtoll(cursor, &end, 10);
	if (end == cursor || *end != '.' || v < 0 || !token_id_is_wellformed(end + 1))
		return -1;
	*at = v;
	snprintf(id, TOKEN_ID_LEN + 1, "%s", end + 1);
	return 0;
}

/* The list query, built from the filters that apply. Providers never see
 * hidden documents nor categories outside their grant. */
static struct sql_stmt *list_query(struct sql *db, const struct record_access *acc,
				   const char *category, const char *q, const char *cursor,
				   int limit, struct err *e)
{
	char sql[1024], like[DOC_TITLE_MAX * 2 + 3];
	int64_t cur_at = 0;
	char cur_id[TOKEN_ID_LEN + 1] = "";
	size_t k = 0;
	if (cursor && cursor_parse(cursor, &cur_at, cur_id) < 0) {
		err_field(e, "cursor", "cursor is not one this server handed out");
		return NULL;
	}
	if (q) {
		like[k++] = '%';
		for (const char *p = q; *p && k < sizeof like - 3; p++) {
			if (*p == '%' || *p == '_' || *p == '\\')
				like[k++] = '\\';
			like[k++] = *p;
		}
		like[k++] = '%';
		like[k] = '\0';
	}
	int provider = acc->capacity == CAPACITY_PROVIDER;
	int n = snprintf(sql, sizeof sql, "SELECT " DOC_COLUMNS DOC_FROM " WHERE d.record_id = ?%s%s%s%s",
			 category ? " AND d.category = ?" : "",
			 q ? " AND LOWER(d.title) LIKE LOWER(?) ESCAPE '\\'" : "",
			 provider ? " AND d.hidden = 0" : "",
			 cursor ? " AND (d.created_at < ? OR (d.created_at = ? AND d.id < ?))" : "");
	if (provider && acc->n_categories) {
		n += snprintf(sql + n, sizeof sql - (size_t)n, " AND d.category IN (");
		for (int i = 0; i < acc->n_categories; i++)
			n += snprintf(sql + n, sizeof sql - (size_t)n, "%s?", i ? "," : "");
		n += snprintf(sql + n, sizeof sql - (size_t)n, ")");
	}
	snprintf(sql + n, sizeof sql - (size_t)n, " ORDER BY d.created_at DESC, d.id DESC LIMIT ?");
	struct sql_stmt *st = sql_prepare(db, sql, e);
	if (!st)
		return NULL;
	int i = 1;
	sql_bind_text(st, i++, acc->record_id);
	if (category)
		sql_bind_text(st, i++, category);
	if (q)
		sql_bind_text(st, i++, like);
	if (cursor) {
		sql_bind_int(st, i++, cur_at);
		sql_bind_int(st, i++, cur_at);
		sql_bind_text(st, i++, cur_id);
	}
	for (int c = 0; provider && c < acc->n_categories; c++)
		sql_bind_text(st, i++, acc->categories[c]);
	sql_bind_int(st, i, (int64_t)limit + 1);
	return st;
}

json_t *document_list(struct sql *db, const struct actor *a, const char *record_id,
		      const char *category, const char *q, const char *cursor, int limit,
		      struct err *e)
{
	struct record_access acc;
	if (guard_record(db, a, record_id, POLICY_DOC_LIST, NULL, "document.list", "record", NULL,
			 &acc, e) < 0)
		return NULL;
	if ((category && category_check(category, "category", e) < 0) ||
	    (q && validate_text(q, "q", 1, DOC_TITLE_MAX, e) < 0))
		return NULL;
	if (limit < 1 || limit > 200) {
		err_field(e, "limit", "limit must be a whole number from 1 to 200");
		return NULL;
	}
	struct sql_stmt *st = list_query(db, &acc, category, q, cursor, limit, e);
	if (!st)
		return NULL;
	json_t *items = json_array();
	struct doc_row d;
	int rc, count = 0;
	char next[64] = "";
	while ((rc = sql_step(st, e)) == SQL_ROW) {
		doc_row_fill(st, &d);
		if (++count > limit)
			break;
		json_array_append_new(items, doc_row_json(&d));
		snprintf(next, sizeof next, "%lld.%s", (long long)d.created_at, d.id);
	}
	sql_finalize(st);
	if (rc < 0 || doc_audit(db, a, &acc, "document.list", NULL, NULL, 1, e) < 0) {
		json_decref(items);
		return NULL;
	}
	return json_pack("{s:o,s:o}", "items", items, "next_cursor",
			 count > limit ? json_string(next) : json_null());
}

/* ---- one document ---- */

/* Load and authorize; 404 for both "missing" and "not yours". */
static int doc_open_checked(struct sql *db, const struct actor *a, const char *id,
			    enum policy_action action, const char *audit_action,
			    struct doc_row *d, struct record_access *acc, struct err *e)
{
	int found = doc_row_load(db, id, d, e);
	if (found < 0)
		return -1;
	if (!found)
		return err_set(e, ERR_NOT_FOUND, NULL, "no such document");
	return doc_authorize(db, a, d, action, audit_action, acc, e);
}

json_t *document_get(struct sql *db, const struct actor *a, const char *id, struct err *e)
{
	struct doc_row d;
	struct record_access acc;
	if (doc_open_checked(db, a, id, POLICY_DOC_READ, "document.read", &d, &acc, e) < 0 ||
	    doc_audit(db, a, &acc, "document.read", d.id, d.title, 1, e) < 0)
		return NULL;
	return doc_row_json(&d);
}

json_t *document_update(struct sql *db, const struct actor *a, const char *id,
			const char *title, const char *category, int hidden, struct err *e)
{
	struct doc_row d;
	struct record_access acc;
	int changes_meta = title || category;
	if (!changes_meta && hidden < 0) {
		err_set(e, ERR_INVALID, "invalid_field", "give title, category or hidden to change");
		return NULL;
	}
	if ((title && validate_text(title, "title", 1, DOC_TITLE_MAX, e) < 0) ||
	    (category && category_check(category, "category", e) < 0))
		return NULL;
	if (doc_open_checked(db, a, id, POLICY_DOC_READ, "document.update", &d, &acc, e) < 0)
		return NULL;
	struct policy_object obj = doc_policy_object(&d, &acc);
	struct policy_object moved = obj;
	moved.doc_category = category ? category : d.category;
	if ((changes_meta && !policy_allows(a, POLICY_DOC_UPDATE, &obj)) ||
	    (hidden >= 0 && !policy_allows(a, POLICY_DOC_HIDE, &obj)) ||
	    (category && !policy_allows(a, POLICY_DOC_CREATE, &moved))) {
		/* Known to the caller but this change is not theirs to make. */
		doc_audit(db, a, &acc, "document.update", d.id, d.title, 0, NULL);
		err_set(e, ERR_FORBIDDEN, NULL, "you may not make this change to this document");
		return NULL;
	}
	const char *action = changes_meta ? "document.update" : hidden ? "document.hide"
								       : "document.unhide";
	if (sql_begin(db, e) < 0)
		return NULL;
	if (sql_run(db, e, "UPDATE documents SET title = COALESCE(?, title),"
			   " category = COALESCE(?, category),"
			   " hidden = CASE WHEN ? < 0 THEN hidden ELSE ? END WHERE id = ?",
		    "ttiit", title, category, (int64_t)hidden, (int64_t)hidden, d.id) < 0 ||
	    doc_audit(db, a, &acc, action, d.id, title ? title : d.title, 1, e) < 0 ||
	    sql_commit(db, e) < 0) {
		sql_rollback(db);
		return NULL;
	}
	if (doc_row_load(db, d.id, &d, e) != 1)
		return NULL;
	return doc_row_json(&d);
}

int document_delete(struct sql *db, const struct actor *a, const char *id, struct err *e)
{
	struct doc_row d;
	struct record_access acc;
	if (doc_open_checked(db, a, id, POLICY_DOC_READ, "document.delete", &d, &acc, e) < 0)
		return -1;
	struct policy_object obj = doc_policy_object(&d, &acc);
	if (!policy_allows(a, POLICY_DOC_DELETE, &obj)) {
		doc_audit(db, a, &acc, "document.delete", d.id, d.title, 0, NULL);
		return err_set(e, ERR_FORBIDDEN, NULL,
			       "only the patient or the organisation that added it may delete this document");
	}
	if (sql_begin(db, e) < 0)
		return -1;
	if (sql_run(db, e, "DELETE FROM documents WHERE id = ?", "t", d.id) < 0 ||
	    sql_run(db, e, "DELETE FROM blobs WHERE id = ?", "t", d.blob_id) < 0 ||
	    doc_audit(db, a, &acc, "document.delete", d.id, d.title, 1, e) < 0 ||
	    sql_commit(db, e) < 0) {
		sql_rollback(db);
		return -1;
	}
	struct err fe;
	if (blob_remove(document_blobs, d.blob_id, &fe) < 0)
		log_event(LOG_WARN, "blob_remove_failed",
			  json_pack("{s:s,s:s}", "blob", d.blob_id, "msg", fe.msg));
	return 0;
}
