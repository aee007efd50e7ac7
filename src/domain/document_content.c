/* document_content.c — reading a document's bytes: the blob is opened with
 * its data key (unwrapped with the record key) and read by byte range, so a
 * download streams in constant memory and a Range request decrypts only the
 * chunks it covers. */
#include "domain/document_priv.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct doc_content {
	struct blob_reader *blob;
};

struct doc_content *document_open(struct sql *db, const struct actor *a, const char *id,
				  struct doc_content_info *info, struct err *e)
{
	struct doc_row d;
	struct record_access acc;
	int found = doc_row_load(db, id, &d, e);
	if (found < 0)
		return NULL;
	if (!found) {
		err_set(e, ERR_NOT_FOUND, NULL, "no such document");
		return NULL;
	}
	if (doc_authorize(db, a, &d, POLICY_DOC_READ, "document.download", &acc, e) < 0)
		return NULL;
	struct doc_content *c = calloc(1, sizeof *c);
	uint8_t *key = keys_secret_alloc();
	if (!c || !key) {
		err_set(e, ERR_INTERNAL, NULL, "out of memory");
		goto fail;
	}
	if (doc_data_key(db, d.record_id, d.blob_id, key, e) < 0)
		goto fail;
	c->blob = blob_open(document_blobs, d.blob_id, key, e);
	if (!c->blob || doc_audit(db, a, &acc, "document.download", d.id, d.title, 1, e) < 0)
		goto fail;
	keys_secret_free(key);
	snprintf(info->content_type, sizeof info->content_type, "%s", d.content_type);
	snprintf(info->filename, sizeof info->filename, "%s", d.filename);
	snprintf(info->sha256, sizeof info->sha256, "%s", d.sha256);
	info->size = blob_size(c->blob);
	return c;
fail:
	keys_secret_free(key);
	document_close(c);
	return NULL;
}

long document_read(struct doc_content *c, uint64_t off, char *buf, size_t max)
{
	struct err e;
	ssize_t n = blob_read_at(c->blob, off, buf, max, &e);
	return n < 0 ? -1 : (long)n;
}

void document_close(struct doc_content *c)
{
	if (!c)
		return;
	if (c->blob)
		blob_close(c->blob);
	free(c);
}
