/* fuzz_check.h — the invariant check every fuzz target uses: a failed
 * CHECK aborts, which libFuzzer reports as a crash with the input saved. */
#ifndef AKTE_FUZZ_CHECK_H
#define AKTE_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c,  \
				__FILE__, __LINE__);                           \
			abort();                                               \
		}                                                              \
	} while (0)

#endif
