/* document_upload.c — a document arrives: streamed into an encrypted blob
 * in constant memory while its SHA-256 is computed, checked against its
 * declared type, then committed: the blob first (fsynced and renamed), the
 * rows after. A body that never completes leaves no row, and its temporary
 * file is removed at once (or by the sweep after a crash). */
#include "domain/document_priv.h"

#include "core/clock.h"
#include "crypto/digest.h"
#include "domain/audit.h"
#include "domain/category.h"
#include "domain/guard.h"
#include "domain/validate.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Enough bytes to recognise every type we check (DICOM's "DICM" is at 128). */
#define DOC_MAGIC_LEN 132

struct doc_upload {
	const struct actor *actor;
	struct record_access acc;
	struct blob_writer *blob;
	char blob_id[BLOB_ID_LEN + 1];
	uint8_t wrapped_key[KEYS_WRAPPED_LEN];
	struct digest *sha;
	uint64_t size;
	uint8_t head[DOC_MAGIC_LEN];
	size_t head_len;
};

static const struct doc_magic {
	const char *type;
	size_t offset;
	const char *bytes;
	size_t len;
} doc_magics[] = {
	{"application/pdf", 0, "%PDF-", 5},
	{"image/png", 0, "\x89PNG\r\n\x1a\n", 8},
	{"image/jpeg", 0, "\xff\xd8\xff", 3},
	{"application/dicom", 128, "DICM", 4},
};

/* A media type "type/subtype", lower-cased, parameters dropped. */
static int doc_media_type(const char *in, char out[128], struct err *e)
{
	size_t k = 0;
	int slash = 0;
	if (!in || !*in)
		return err_set(e, ERR_MEDIA_TYPE, NULL, "give the file's type as Content-Type");
	for (const char *p = in; *p && *p != ';' && *p != ' '; p++) {
		char c = *p;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("!#$&^_.+-", c);
		if (c == '/')
			slash++;
		else if (!ok || k >= 127)
			return err_set(e, ERR_MEDIA_TYPE, NULL, "the Content-Type is not a media type");
		out[k++] = c;
	}
	out[k] = '\0';
	if (slash != 1 || out[0] == '/' || out[k - 1] == '/')
		return err_set(e, ERR_MEDIA_TYPE, NULL, "the Content-Type is not a media type");
	if (strcmp(out, "multipart/form-data") == 0)
		return err_set(e, ERR_MEDIA_TYPE, NULL, "a multipart body needs its file part's type");
	return 0;
}

/* For the types we recognise, the file must be what it claims to be. */
static int doc_magic_check(const char *type, const uint8_t *head, size_t n, struct err *e)
{
	for (size_t i = 0; i < sizeof doc_magics / sizeof doc_magics[0]; i++) {
		const struct doc_magic *m = &doc_magics[i];
		if (strcmp(type, m->type) != 0)
			continue;
		if (n < m->offset + m->len || memcmp(head + m->offset, m->bytes, m->len) != 0)
			return err_set(e, ERR_MEDIA_TYPE, "type_mismatch",
				       "the file is not %s as declared", m->type);
		return 0;
	}
	return 0;
}

/* Filenames are data: keep the last path component, and replace control
 * characters and quotes so the name is safe wherever it is shown. */
static int doc_filename(const char *in, char out[DOC_FILENAME_MAX + 1], struct err *e)
{
	const char *base = in;
	for (const char *p = in; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	size_t k = 0;
	for (const char *p = base; *p && k < DOC_FILENAME_MAX; p++) {
		unsigned char c = (unsigned char)*p;
		out[k++] = (c < 0x20 || c == 0x7f || c == '"') ? '_' : (char)c;
	}
	out[k] = '\0';
	while (k && (out[k - 1] == ' ' || out[k - 1] == '.'))
		out[--k] = '\0';
	if (strcmp(out, "..") == 0 || strcmp(out, ".") == 0)
		out[0] = '\0';
	/* Cutting at DOC_FILENAME_MAX may split a UTF-8 sequence: check. */
	return out[0] ? validate_text(out, "filename", 1, DOC_FILENAME_MAX, e) : 0;
}

static int doc_meta_check(const struct doc_meta *m, struct err *e)
{
	int64_t days;
	if (validate_text(m->title, "title", 1, DOC_TITLE_MAX, e) < 0 ||
	    category_check(m->category, "category", e) < 0)
		return -1;
	if (m->date && (clock_parse_date(m->date, &days) < 0 || days > clock_now() / 86400 + 1))
		return err_field(e, "date", "date must be a real date written YYYY-MM-DD, not in the future");
	return 0;
}

struct doc_upload *document_upload_begin(struct sql *db, const struct actor *a,
					 const char *record_id, const struct doc_meta *meta,
					 struct err *e)
{
	struct doc_upload *u = calloc(1, sizeof *u);
	uint8_t *rkey = keys_secret_alloc(), *dkey = keys_secret_alloc();
	if (!u || !rkey || !dkey) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		goto fail;
	}
	u->actor = a;
	if (access_resolve(db, a, record_id, &u->acc, e) < 0)
		goto fail;
	/* Without a category yet (multipart), any category the actor could add
	 * to will do for now; finish checks the real one. */
	struct policy_object obj = {.doc_category = meta->category};
	if (!obj.doc_category)
		obj.doc_category = u->acc.n_categories ? u->acc.categories[0] : "sonstiges";
	if (guard_check(db, a, &u->acc, POLICY_DOC_CREATE, &obj, "document.create", "record", NULL,
			e) < 0)
		goto fail;
	if (meta->category && category_check(meta->category, "category", e) < 0)
		goto fail;
	if (doc_record_key(db, record_id, rkey, e) < 0)
		goto fail;
	keys_random(dkey);
	u->blob = blob_create(document_blobs, dkey, u->blob_id, e);
	if (!u->blob || keys_wrap(rkey, dkey, u->blob_id, u->wrapped_key) < 0) {
		if (e && !e->code)
			err_set(e, ERR_INTERNAL, NULL, "cannot wrap the document key");
		goto fail;
	}
	if (!(u->sha = digest_sha256_new())) {
		err_set(e, ERR_INTERNAL, NULL, "cannot start SHA-256");
		goto fail;
	}
	keys_secret_free(rkey);
	keys_secret_free(dkey);
	return u;
fail:
	keys_secret_free(rkey);
	keys_secret_free(dkey);
	document_upload_abort(u);
	return NULL;
}

int document_upload_write(struct doc_upload *u, const void *p, size_t n, struct err *e)
{
	if (u->head_len < DOC_MAGIC_LEN) {
		size_t take = DOC_MAGIC_LEN - u->head_len < n ? DOC_MAGIC_LEN - u->head_len : n;
		memcpy(u->head + u->head_len, p, take);
		u->head_len += take;
	}
	if (digest_update(u->sha, p, n) < 0)
		return err_set(e, ERR_INTERNAL, NULL, "SHA-256 failed");
	u->size += n;
	return blob_write(u->blob, p, n, e);
}

json_t *document_upload_finish(struct sql *db, struct doc_upload *u,
			       const struct doc_meta *meta, struct err *e)
{
	char type[128], filename[DOC_FILENAME_MAX + 1] = "", sha_hex[65], id[TOKEN_ID_LEN + 1];
	uint64_t stored = 0;
	json_t *out = NULL;
	const struct actor *a = u->actor;
	if (u->size == 0) {
		err_field(e, "file", "the file is empty");
		goto out;
	}
	if (doc_meta_check(meta, e) < 0 || doc_media_type(meta->content_type, type, e) < 0 ||
	    (meta->filename && doc_filename(meta->filename, filename, e) < 0) ||
	    doc_magic_check(type, u->head, u->head_len, e) < 0)
		goto out;
	struct policy_object obj = {.doc_category = meta->category};
	if (guard_check(db, a, &u->acc, POLICY_DOC_CREATE, &obj, "document.create", "record", NULL,
			e) < 0)
		goto out;
	if (digest_final_hex(u->sha, sha_hex) < 0) {
		err_set(e, ERR_INTERNAL, NULL, "SHA-256 failed");
		goto out;
	}
	struct blob_writer *w = u->blob;
	u->blob = NULL; /* blob_commit frees it, also on failure */
	if (blob_commit(w, &stored, e) < 0)
		goto out;
	token_id(id);
	int64_t now = clock_now();
	const char *capacity = access_capacity_name(u->acc.capacity);
	if (sql_begin(db, e) < 0)
		goto remove;
	if (sql_run(db, e, "INSERT INTO blobs (id, wrapped_key, size, created_at, record_id)"
			   " VALUES (?, ?, ?, ?, ?)",
		    "tbiit", u->blob_id, u->wrapped_key, sizeof u->wrapped_key, (int64_t)u->size,
		    now, u->acc.record_id) < 0 ||
	    sql_run(db, e, "INSERT INTO documents (id, record_id, blob_id, title, category,"
			   " doc_date, content_type, filename, size, sha256, author_account_id,"
			   " author_capacity, author_org_id, created_at)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    "ttttttttitttti", id, u->acc.record_id, u->blob_id, meta->title,
		    meta->category, meta->date, type, filename[0] ? filename : NULL,
		    (int64_t)u->size, sha_hex, a->account_id, capacity,
		    u->acc.capacity == CAPACITY_PROVIDER ? a->org_id : NULL, now) < 0 ||
	    doc_audit(db, a, &u->acc, "document.create", id, meta->title, 1, e) < 0 ||
	    sql_commit(db, e) < 0) {
		sql_rollback(db);
		goto remove;
	}
	struct doc_row d;
	if (doc_row_load(db, id, &d, e) == 1)
		out = doc_row_json(&d);
	goto out;
remove:
	blob_remove(document_blobs, u->blob_id, NULL);
out:
	document_upload_abort(u);
	return out;
}

void document_upload_abort(struct doc_upload *u)
{
	if (!u)
		return;
	if (u->blob)
		blob_abort(u->blob);
	digest_free(u->sha);
	sodium_memzero(u, sizeof *u);
	free(u);
}
