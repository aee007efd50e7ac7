/* multipart.h — a streaming multipart/form-data parser (RFC 7578, RFC 2046).
 *
 * The request body is fed in pieces of any size, split anywhere (inside a
 * boundary, a header, a CRLF), as libmicrohttpd delivers it. Part contents
 * come out through callbacks as they arrive, so memory stays O(boundary +
 * header limit) whatever the size of the parts: nothing here ever holds a
 * whole part.
 *
 * Ownership: every string and data pointer handed to a callback belongs to
 * the parser (or to the caller's piece being fed) and is valid only during
 * that call; copy what you keep. Strings are NUL-terminated and never hold
 * an embedded NUL. Filenames are passed on verbatim (they are data, not
 * paths: "../", control characters and all); sanitizing is the caller's. */
#ifndef AKTE_HTTP_MULTIPART_H
#define AKTE_HTTP_MULTIPART_H

#include "core/err.h"

#include <stddef.h>

#define MULTIPART_MAX_PARTS 32
/* A part's header block, its closing blank line included. */
#define MULTIPART_MAX_HEADER_BYTES 8192
#define MULTIPART_MAX_HEADER_LINES 16
/* name, filename (after unquoting or percent-decoding) and Content-Type. */
#define MULTIPART_MAX_NAME 255
#define MULTIPART_MAX_BOUNDARY 70 /* RFC 2046 */

struct multipart;

/* Every callback returns 0 to go on, or -1 with e set to stop parsing; that
 * -1 and that err are what multipart_feed then returns. A NULL member is
 * skipped. Events come in order: part_begin, any number of part_data (each
 * with n > 0), part_end; a part cut short by an error gets no part_end. */
struct multipart_callbacks {
	/* A part begins: its name (never empty), its filename (NULL when the
	 * part has none; filename* of RFC 5987 wins over filename) and its
	 * Content-Type (NULL when none). */
	int (*part_begin)(void *ctx, const char *name, const char *filename,
			  const char *content_type, struct err *e);
	/* The next n bytes of the part, exactly as sent; n is at most the size
	 * of the piece being fed plus the boundary's length. */
	int (*part_data)(void *ctx, const void *data, size_t n, struct err *e);
	int (*part_end)(void *ctx, struct err *e);
};

/* content_type: the request's Content-Type header, which must be
 * multipart/form-data (else ERR_MEDIA_TYPE) with a boundary parameter,
 * quoted or not, of 1 to 70 RFC 2046 bchars (else ERR_MALFORMED). cb and ctx
 * are borrowed and must outlive the parser. Returns NULL on error; the caller
 * owns the result and frees it with multipart_free. */
struct multipart *multipart_new(const char *content_type,
				const struct multipart_callbacks *cb, void *ctx,
				struct err *e);

/* Parses the next piece of the body (n may be 0). Returns 0, or -1 with
 * ERR_MALFORMED (or a callback's err). After an error every call fails. */
int multipart_feed(struct multipart *mp, const void *data, size_t n, struct err *e);

/* The body has ended: -1 with ERR_MALFORMED ("truncated multipart body")
 * unless the closing boundary was seen. The epilogue after it is ignored. */
int multipart_finish(struct multipart *mp, struct err *e);

/* NULL is fine. */
void multipart_free(struct multipart *mp);

#endif
