/* health.c — GET /healthz (liveness) and GET /metrics (Prometheus text,
 * loopback only: it reveals traffic patterns). */
#include "api/api.h"

#include "http/metrics.h"
#include "notify/outbox.h"
#include "store/sql.h"

void api_healthz(struct http_request *req)
{
	http_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

void api_metrics(struct http_request *req)
{
	struct err e;
	err_clear(&e);
	struct buf out;
	buf_init(&out, 0);
	struct sql *db = sql_thread_conn(&e);
	int64_t queued = db ? outbox_queue_length(db) : -1;
	if (metrics_render(&out) < 0 ||
	    buf_printf(&out, "# HELP akte_outbox_queue_length Messages waiting to be sent.\n"
			     "# TYPE akte_outbox_queue_length gauge\n"
			     "akte_outbox_queue_length %lld\n", (long long)queued) < 0) {
		err_set(&e, ERR_INTERNAL, NULL, "out of memory");
		http_reply_error(req, &e);
	} else {
		http_reply_bytes(req, 200, "text/plain; version=0.0.4", out.data, out.len);
	}
	buf_free(&out);
}
