/* buf.h — a growable byte buffer with overflow-checked growth and a hard cap.
 *
 * The cap is how input limits are enforced while reading: appending past it
 * fails instead of growing, so a caller never holds more than it allowed. */
#ifndef AKTE_CORE_BUF_H
#define AKTE_CORE_BUF_H

#include <stddef.h>

struct buf {
	char *data;  /* always NUL-terminated after a successful append */
	size_t len;
	size_t cap;  /* allocated bytes */
	size_t max;  /* 0 = no limit */
};

void buf_init(struct buf *b, size_t max);
/* 0 ok, -1 when the result would pass b->max or allocation fails. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Wipes the contents before freeing (buffers may hold request bodies). */
void buf_free(struct buf *b);

#endif
