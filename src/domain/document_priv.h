/* document_priv.h — what document.c, document_upload.c and
 * document_content.c share; not for use outside src/domain/document*.c. */
#ifndef AKTE_DOMAIN_DOCUMENT_PRIV_H
#define AKTE_DOMAIN_DOCUMENT_PRIV_H

#include "crypto/keys.h"
#include "crypto/token.h"
#include "domain/access.h"
#include "domain/document.h"
#include "domain/policy.h"

#define DOC_TITLE_MAX 200
#define DOC_FILENAME_MAX 255

struct doc_row {
	char id[TOKEN_ID_LEN + 1];
	char record_id[TOKEN_ID_LEN + 1];
	char blob_id[TOKEN_ID_LEN + 1];
	char title[DOC_TITLE_MAX + 1];
	char category[32];
	char date[11];            /* "" when none */
	char content_type[128];
	char filename[DOC_FILENAME_MAX + 1];
	char sha256[65];
	char author_id[TOKEN_ID_LEN + 1];
	char author_capacity[16];
	char author_login[256];
	char author_org_id[TOKEN_ID_LEN + 1];
	char author_org_name[201];
	int hidden;
	int has_filename;
	uint64_t size;
	int64_t created_at;
};

extern struct blob_store *document_blobs;

/* 1 found, 0 no such document, -1 error. */
int doc_row_load(struct sql *db, const char *id, struct doc_row *d, struct err *e);
json_t *doc_row_json(const struct doc_row *d);
/* The policy's view of a document for an actor with standing acc. */
struct policy_object doc_policy_object(const struct doc_row *d, const struct record_access *acc);
/* Resolve the actor's standing to the document's record and ask the policy.
 * Refusals are audited and answered 404 as if the document did not exist. */
int doc_authorize(struct sql *db, const struct actor *a, const struct doc_row *d,
		  enum policy_action action, const char *audit_action,
		  struct record_access *acc, struct err *e);
int doc_audit(struct sql *db, const struct actor *a, const struct record_access *acc,
	      const char *action, const char *doc_id, const char *label, int allowed,
	      struct err *e);
/* The record key, unwrapped into key (caller-provided guarded memory). */
int doc_record_key(struct sql *db, const char *record_id, uint8_t key[KEYS_KEY_LEN],
		   struct err *e);
/* The blob's data key, unwrapped with the record key. */
int doc_data_key(struct sql *db, const char *record_id, const char *blob_id,
		 uint8_t key[KEYS_KEY_LEN], struct err *e);

#endif
