/* transfer.h — documents to and from disk without holding them in memory:
 * an upload streamed from the file as the raw request body, a download
 * streamed into a temporary file beside the target (fsync, then link or
 * rename into place; removed on any failure) while its SHA-256 is taken.
 *
 * Both draw a progress bar on stderr when stderr is a terminal and the
 * file is larger than TRANSFER_BAR_MIN: percent, MB moved, MB/s, redrawn at
 * most every TRANSFER_BAR_INTERVAL seconds, ended with a newline. */
#ifndef AKTE_CLI_TRANSFER_H
#define AKTE_CLI_TRANSFER_H

#include "cli/record.h"

#include <limits.h>

#define TRANSFER_BAR_MIN (1024L * 1024)
#define TRANSFER_BAR_INTERVAL 0.1 /* seconds */

/* The Content-Type for a file name by its extension (.pdf, .png, .jpg,
 * .jpeg, .dcm, .txt; else application/octet-stream). Static string. */
const char *transfer_type_of(const char *filename);

/* The file name without directories or extension into out: the default
 * title of an upload. */
void transfer_title_of(const char *path, char *out, size_t n);

/* POST the file at `file` to `path` (with its query) as the body, with
 * Content-Type `type`. 0 when an answer arrived (r filled, any status);
 * -1 on a local or transport failure (e filled). */
int transfer_put(struct record_ctx *x, const char *path, const char *file,
		 const char *type, struct http_resp *r, struct err *e);

struct transfer_get {
	const char *path;     /* GET this (".../content") */
	const char *output;   /* -o: a file name, "-" for stdout, or NULL */
	const char *id;       /* the name when the server gives none */
	const char *sha256;   /* expected, lowercase hex (64) */
	long long size;       /* expected bytes, for the progress bar */
	int force;            /* replace an existing file */
	char saved[PATH_MAX]; /* out: where it was written ("-": stdout) */
};

/* Download g->path to the file chosen as transfer.h says, refusing an
 * existing file unless g->force, and check the SHA-256. On a refusal by
 * the server -1 with e filled as record_judge does; nothing is left on
 * disk after any failure (except what went to stdout). */
int transfer_get(struct record_ctx *x, struct transfer_get *g,
		 struct err *e);

/* The file name to save as from a Content-Disposition value (filename*
 * preferred over filename): its last path part, control characters
 * replaced by '_', leading dots removed. "" when there is none. */
void transfer_safe_name(const char *disposition, char *out, size_t n);

#endif
