/* clock.h — wall-clock time in seconds and its RFC 3339 UTC rendering.
 * All stored times are Unix seconds (int64) so both SQL backends agree. */
#ifndef AKTE_CORE_CLOCK_H
#define AKTE_CORE_CLOCK_H

#include <stdint.h>

#define CLOCK_RFC3339_LEN 21 /* "2026-11-27T18:30:00Z" + NUL */

int64_t clock_now(void);
/* Monotonic milliseconds, for durations. */
int64_t clock_mono_ms(void);
/* Writes "YYYY-MM-DDTHH:MM:SSZ". */
void clock_rfc3339(int64_t t, char out[CLOCK_RFC3339_LEN]);
/* Parses "YYYY-MM-DD" strictly (a real calendar date). 0 ok, -1 bad.
 * Returns the date as days since 1970-01-01 in *days. */
int clock_parse_date(const char *s, int64_t *days);

#endif
