/* sched_metrics_http.h - the Prometheus endpoint of zq-scheduler
 * (scheduler.metrics_listen, "host:port"; README "Metrics").
 *
 * One thread of its own: accept, read the request line (at most
 * METRICS_HTTP_REQ_MAX bytes, METRICS_HTTP_TIMEOUT_MS to send it), answer
 * `GET /metrics` with metrics_render's text (HTTP/1.0, text/plain;
 * version=0.0.4), 404 for any other path, 405 for another method, 400 for
 * garbage; then close. It never touches the loop or its connection: a slow
 * client only delays the next scrape. */
#ifndef ZQ_SCHED_METRICS_HTTP_H
#define ZQ_SCHED_METRICS_HTTP_H

#include "err.h"

#define METRICS_HTTP_REQ_MAX 4096
#define METRICS_HTTP_TIMEOUT_MS 2000

typedef struct metrics_http metrics_http;

/* Listen on spec ("127.0.0.1:9464", "[::1]:9464", ":9464" = every address)
 * and start the thread. NULL with err on a bad spec or a bind failure. */
metrics_http *metrics_http_start(const char *spec, zq_err *err);
/* Stop the thread, close the socket (NULL is fine). */
void metrics_http_stop(metrics_http *h);

#endif
