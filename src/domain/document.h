/* document.h — the documents of a record: streamed encrypted upload,
 * listing, metadata changes, download by byte range, and deletion that
 * destroys the document's key and blob before it returns. Every call
 * resolves the actor's standing to the record (access.h), asks
 * policy_allows() and writes an audit entry, allowed or refused. Objects
 * that are not visible to the actor are 404, exactly like missing ones. */
#ifndef AKTE_DOMAIN_DOCUMENT_H
#define AKTE_DOMAIN_DOCUMENT_H

#include "core/config.h"
#include "domain/actor.h"
#include "store/blob.h"
#include "store/sql.h"

#include <jansson.h>
#include <stdint.h>

/* The blob store documents live in; set once at start-up. */
void document_init(struct blob_store *bs);

struct doc_meta {
	const char *title;
	const char *category;
	const char *date;          /* YYYY-MM-DD or NULL */
	const char *content_type;  /* as declared by the client */
	const char *filename;      /* as sent; sanitised before it is stored */
};

struct doc_upload;

/* Before the body: checks that the actor may add documents to the record
 * (and, when meta->category is set, in that category), and opens an
 * encrypted blob. The caller owns the result: finish or abort it. */
struct doc_upload *document_upload_begin(struct sql *db, const struct actor *a,
					 const char *record_id, const struct doc_meta *meta,
					 struct err *e);
int document_upload_write(struct doc_upload *u, const void *p, size_t n, struct err *e);
/* After the body: validates the final metadata (for multipart it arrives
 * with the body), checks the magic bytes against the declared type, commits
 * the blob and then the rows. Frees u either way. 201-ready JSON or NULL. */
json_t *document_upload_finish(struct sql *db, struct doc_upload *u,
			       const struct doc_meta *meta, struct err *e);
void document_upload_abort(struct doc_upload *u);

json_t *document_list(struct sql *db, const struct actor *a, const char *record_id,
		      const char *category, const char *q, const char *cursor, int limit,
		      struct err *e);
json_t *document_get(struct sql *db, const struct actor *a, const char *id, struct err *e);
/* hidden: -1 leaves it as it is. */
json_t *document_update(struct sql *db, const struct actor *a, const char *id,
			const char *title, const char *category, int hidden, struct err *e);
int document_delete(struct sql *db, const struct actor *a, const char *id, struct err *e);

struct doc_content;
struct doc_content_info {
	char content_type[128];
	char filename[256];   /* "" when none */
	char sha256[65];
	uint64_t size;
};
/* Opens the content for reading (audited as a download). */
struct doc_content *document_open(struct sql *db, const struct actor *a, const char *id,
				  struct doc_content_info *info, struct err *e);
/* Up to max bytes at off; bytes read, 0 at the end, -1 on a damaged blob. */
long document_read(struct doc_content *c, uint64_t off, char *buf, size_t max);
void document_close(struct doc_content *c);

#endif
