/* metrics.c — see metrics.h. Statuses are counted per route in a small
 * fixed set of slots (the codes this server answers with); anything else
 * lands in an "other" slot so the table never grows at run time. */
#include "http/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>

static const unsigned metric_statuses[] = {200, 201, 204, 206, 301, 302, 304, 400, 401,
					   403, 404, 405, 409, 410, 413, 415, 416, 422,
					   429, 500, 503, 0 /* other */};
#define STATUS_SLOTS (sizeof metric_statuses / sizeof metric_statuses[0])

static const double bucket_ms[] = {1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000};
#define BUCKETS (sizeof bucket_ms / sizeof bucket_ms[0])

static const struct route *routes;
static size_t routes_n;
static _Atomic uint64_t *counts;            /* (routes_n + 1) * STATUS_SLOTS */
static _Atomic uint64_t hist[BUCKETS + 1];  /* last: +Inf */
static _Atomic uint64_t hist_sum_ms, hist_count;

int metrics_init(const struct route *table, size_t n)
{
	routes = table;
	routes_n = n;
	counts = calloc((n + 1) * STATUS_SLOTS, sizeof *counts);
	return counts ? 0 : -1;
}

static size_t status_slot(unsigned status)
{
	for (size_t i = 0; i + 1 < STATUS_SLOTS; i++)
		if (metric_statuses[i] == status)
			return i;
	return STATUS_SLOTS - 1;
}

void metrics_record(const struct route *route, unsigned status, int64_t ms)
{
	if (!counts)
		return;
	size_t r = route ? (size_t)(route - routes) : routes_n;
	if (r > routes_n)
		r = routes_n;
	atomic_fetch_add(&counts[r * STATUS_SLOTS + status_slot(status)], 1);
	size_t b = 0;
	while (b < BUCKETS && (double)ms > bucket_ms[b])
		b++;
	atomic_fetch_add(&hist[b], 1);
	atomic_fetch_add(&hist_sum_ms, (uint64_t)(ms < 0 ? 0 : ms));
	atomic_fetch_add(&hist_count, 1);
}

int metrics_render(struct buf *out)
{
	int rc = 0;
	rc |= buf_puts(out, "# HELP akte_http_requests_total HTTP requests by route and status.\n"
			    "# TYPE akte_http_requests_total counter\n");
	for (size_t r = 0; counts && r <= routes_n; r++) {
		for (size_t s = 0; s < STATUS_SLOTS; s++) {
			uint64_t v = atomic_load(&counts[r * STATUS_SLOTS + s]);
			if (!v)
				continue;
			const char *method = r < routes_n ? routes[r].method : "";
			const char *pattern = r < routes_n ? routes[r].pattern : "unmatched";
			if (metric_statuses[s])
				rc |= buf_printf(out, "akte_http_requests_total{method=\"%s\",route=\"%s\",status=\"%u\"} %llu\n",
						 method, pattern, metric_statuses[s], (unsigned long long)v);
			else
				rc |= buf_printf(out, "akte_http_requests_total{method=\"%s\",route=\"%s\",status=\"other\"} %llu\n",
						 method, pattern, (unsigned long long)v);
		}
	}
	rc |= buf_puts(out, "# HELP akte_http_request_duration_seconds Time from request start to answer.\n"
			    "# TYPE akte_http_request_duration_seconds histogram\n");
	uint64_t cum = 0;
	for (size_t b = 0; b < BUCKETS; b++) {
		cum += atomic_load(&hist[b]);
		rc |= buf_printf(out, "akte_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
				 bucket_ms[b] / 1000.0, (unsigned long long)cum);
	}
	cum += atomic_load(&hist[BUCKETS]);
	rc |= buf_printf(out, "akte_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
			      "akte_http_request_duration_seconds_sum %.3f\n"
			      "akte_http_request_duration_seconds_count %llu\n",
			 (unsigned long long)cum, (double)atomic_load(&hist_sum_ms) / 1000.0,
			 (unsigned long long)atomic_load(&hist_count));
	return rc ? -1 : 0;
}
