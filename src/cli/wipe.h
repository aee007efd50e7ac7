/* wipe.h — an allocator whose memory is zeroed when freed, for jansson and
 * libcurl inside the client.
 *
 * The client's JSON and HTTP traffic carries passwords (activate, login)
 * and session tokens (the login answer, the Authorization header). Both
 * libraries copy what they are given; instead of chasing every copy, their
 * allocations go through here and are wiped on free and on realloc. */
#ifndef AKTE_CLI_WIPE_H
#define AKTE_CLI_WIPE_H

#include <stddef.h>

void *wipe_malloc(size_t n);
void *wipe_calloc(size_t count, size_t n);
void *wipe_realloc(void *p, size_t n);
char *wipe_strdup(const char *s);
void wipe_free(void *p);

/* Make jansson use this allocator; call before any jansson use. Strings
 * from json_dumps must then be freed with wipe_free, never free(). */
void wipe_install_json(void);

#endif
