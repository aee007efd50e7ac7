/* metrics.h — request counters by route and status, and a latency
 * histogram, rendered in the Prometheus text format. Lock-free: counters are
 * atomics in fixed arrays sized at start. */
#ifndef AKTE_HTTP_METRICS_H
#define AKTE_HTTP_METRICS_H

#include "core/buf.h"
#include "http/router.h"

#include <stddef.h>
#include <stdint.h>

int metrics_init(const struct route *table, size_t n);
/* route NULL: no route matched (404/405 and early errors). */
void metrics_record(const struct route *route, unsigned status, int64_t ms);
int metrics_render(struct buf *out);

#endif
