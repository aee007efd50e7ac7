/* document_upload.c — POST /api/v1/records/{rid}/documents, streamed.
 *
 * Two shapes of body: the file itself (its type in Content-Type, the
 * metadata in the query string), or multipart/form-data with a `file` part
 * and `title`, `category`, `date` fields. Either way the file's bytes go
 * straight into the encrypted blob as they arrive; nothing holds the whole
 * file. The metadata of a multipart body may come after the file, so it is
 * checked once the body is complete; the domain layer then commits or
 * throws the blob away. */
#include "api/api.h"

#include "domain/document.h"
#include "http/multipart.h"
#include "store/sql.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FIELD_MAX 256

struct upload_field {
	const char *name;
	char value[FIELD_MAX + 1];
	size_t len;
	int seen;
};

struct upload {
	struct doc_upload *doc;
	struct multipart *mp;
	struct err err;          /* first error of a multipart callback */
	int in_file, file_seen;
	struct upload_field *field;   /* the text field being read */
	struct upload_field fields[3]; /* title, category, date */
	char file_type[128];
	char file_name[512];
};

static struct upload_field *upload_field(struct upload *u, const char *name)
{
	for (size_t i = 0; i < 3; i++)
		if (strcmp(u->fields[i].name, name) == 0)
			return &u->fields[i];
	return NULL;
}

static int mp_part_begin(void *ctx, const char *name, const char *filename,
			 const char *content_type, struct err *e)
{
	struct upload *u = ctx;
	if (strcmp(name, "file") == 0) {
		if (u->file_seen)
			return err_field(e, "file", "send one file per upload");
		u->in_file = u->file_seen = 1;
		snprintf(u->file_type, sizeof u->file_type, "%s", content_type ? content_type : "");
		snprintf(u->file_name, sizeof u->file_name, "%s", filename ? filename : "");
		return 0;
	}
	u->field = upload_field(u, name);
	if (!u->field)
		return err_field(e, name, "this field is not known here");
	if (u->field->seen)
		return err_field(e, name, "%s is given twice", name);
	u->field->seen = 1;
	return 0;
}

static int mp_part_data(void *ctx, const void *data, size_t n, struct err *e)
{
	struct upload *u = ctx;
	if (u->in_file)
		return document_upload_write(u->doc, data, n, e);
	if (u->field->len + n > FIELD_MAX)
		return err_field(e, u->field->name, "%s is longer than %d bytes", u->field->name,
				 FIELD_MAX);
	memcpy(u->field->value + u->field->len, data, n);
	u->field->len += n;
	u->field->value[u->field->len] = '\0';
	return 0;
}

static int mp_part_end(void *ctx, struct err *e)
{
	(void)e;
	struct upload *u = ctx;
	u->in_file = 0;
	u->field = NULL;
	return 0;
}

static const struct multipart_callbacks upload_callbacks = {
	mp_part_begin, mp_part_data, mp_part_end,
};

static int is_multipart(const char *ct)
{
	return ct && strncasecmp(ct, "multipart/form-data", 19) == 0;
}

/* The query's metadata; for multipart bodies the fields may override it. */
static void upload_meta(struct http_request *req, struct upload *u, struct doc_meta *m)
{
	memset(m, 0, sizeof *m);
	m->title = http_query(req, "title");
	m->category = http_query(req, "category");
	m->date = http_query(req, "date");
	m->filename = http_query(req, "filename");
	m->content_type = http_header(req, "Content-Type");
	if (!u->mp)
		return;
	m->content_type = u->file_type[0] ? u->file_type : "application/octet-stream";
	m->filename = u->file_name[0] ? u->file_name : m->filename;
	const char **slots[] = {&m->title, &m->category, &m->date};
	for (size_t i = 0; i < 3; i++)
		if (u->fields[i].seen)
			*slots[i] = u->fields[i].value;
}

/* Drops the half-written blob at once, so that when the client reads the
 * refusal nothing of the upload is left (cleanup would run only after the
 * answer was sent). */
static void upload_release(struct upload *u)
{
	document_upload_abort(u->doc);
	u->doc = NULL;
	multipart_free(u->mp);
	u->mp = NULL;
}

static int upload_begin(struct http_request *req)
{
	struct upload *u = calloc(1, sizeof *u);
	if (!u)
		return -1;
	req->stream_ctx = u;
	u->fields[0].name = "title";
	u->fields[1].name = "category";
	u->fields[2].name = "date";
	struct err *e = &u->err;
	const char *ct = http_header(req, "Content-Type");
	if (is_multipart(ct) && !(u->mp = multipart_new(ct, &upload_callbacks, u, e)))
		goto fail;
	struct doc_meta m;
	upload_meta(req, u, &m);
	struct sql *db = sql_thread_conn(e);
	if (!db)
		goto fail;
	/* For a raw body check the category now, before accepting bytes; for
	 * multipart only the record (the fields come later). */
	struct doc_meta begin = m;
	if (u->mp)
		begin.category = NULL;
	if (!(u->doc = document_upload_begin(db, &req->actor, req->params[0], &begin, e)))
		goto fail;
	return 0;
fail:
	http_reply_error(req, e);
	return -1;
}

static int upload_data(struct http_request *req, const char *p, size_t n)
{
	struct upload *u = req->stream_ctx;
	int rc = u->mp ? multipart_feed(u->mp, p, n, &u->err)
		       : document_upload_write(u->doc, p, n, &u->err);
	if (rc < 0) {
		upload_release(u);
		http_reply_error(req, &u->err);
	}
	return rc;
}

static void upload_end(struct http_request *req)
{
	struct upload *u = req->stream_ctx;
	struct err *e = &u->err;
	struct sql *db = sql_thread_conn(e);
	if (!db || (u->mp && multipart_finish(u->mp, e) < 0))
		goto fail;
	if (u->mp && !u->file_seen) {
		err_field(e, "file", "the form has no file part named 'file'");
		goto fail;
	}
	struct doc_meta m;
	upload_meta(req, u, &m);
	struct doc_upload *doc = u->doc;
	u->doc = NULL; /* finish frees it */
	json_t *out = document_upload_finish(db, doc, &m, e);
	if (!out)
		goto fail;
	http_reply_json(req, 201, out);
	return;
fail:
	upload_release(u);
	http_reply_error(req, e);
}

static void upload_cleanup(struct http_request *req)
{
	struct upload *u = req->stream_ctx;
	if (!u)
		return;
	upload_release(u);
	free(u);
	req->stream_ctx = NULL;
}

const struct route_stream api_document_upload = {
	upload_begin, upload_data, upload_end, upload_cleanup,
};
