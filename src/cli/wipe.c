/* wipe.c — a wiping allocator, see wipe.h.
 *
 * Each block carries its size in a header in front of it, because free()
 * is not told the size; the header is as wide as max_align_t so the pointer
 * handed out keeps malloc's alignment. realloc always moves, so the old
 * block can be wiped. */
#include "cli/wipe.h"

#include <jansson.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WIPE_HDR sizeof(max_align_t)

static size_t wipe_size(void *p)
{
	return *(size_t *)(void *)((unsigned char *)p - WIPE_HDR);
}

void *wipe_malloc(size_t n)
{
	size_t total;
	if (__builtin_add_overflow(n, WIPE_HDR, &total))
		return NULL;
	unsigned char *p = malloc(total);
	if (!p)
		return NULL;
	*(size_t *)(void *)p = n;
	return p + WIPE_HDR;
}

void *wipe_calloc(size_t count, size_t n)
{
	size_t total;
	if (__builtin_mul_overflow(count, n, &total))
		return NULL;
	void *p = wipe_malloc(total);
	if (p)
		memset(p, 0, total);
	return p;
}

void wipe_free(void *ptr)
{
	if (!ptr)
		return;
	unsigned char *p = (unsigned char *)ptr - WIPE_HDR;
	sodium_memzero(p, wipe_size(ptr) + WIPE_HDR);
	free(p);
}

void *wipe_realloc(void *ptr, size_t n)
{
	if (!ptr)
		return wipe_malloc(n);
	void *q = wipe_malloc(n);
	if (!q)
		return NULL;
	size_t old = wipe_size(ptr);
	memcpy(q, ptr, old < n ? old : n);
	wipe_free(ptr);
	return q;
}

char *wipe_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = wipe_malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

void wipe_install_json(void)
{
	json_set_alloc_funcs(wipe_malloc, wipe_free);
}
