/* metrics.h - request counters for GET /metrics (Prometheus text format).
 *
 * One zq_metrics per process, created before the worker threads and passed
 * down; updates are relaxed atomic increments (no lock on the request
 * path). Counts are per process: with several zq-api processes behind one
 * nginx, scrape each process or sum what you get. */
#ifndef ZQ_METRICS_H
#define ZQ_METRICS_H

#include <stdint.h>

#include "buf.h"
#include "db.h"
#include "router.h"

typedef struct zq_metrics zq_metrics;

/* For a table of nroutes routes (plus one "unmatched" slot). */
zq_metrics *zq_metrics_new(int nroutes);
void zq_metrics_free(zq_metrics *m);

/* One finished request: route index (-1 = no route matched), HTTP status,
 * wall time in microseconds. */
void zq_metrics_observe(zq_metrics *m, int route, int status, int64_t us);
void zq_metrics_db_error(zq_metrics *m);
void zq_metrics_in_flight(zq_metrics *m, int delta);

/* Append the exposition text. */
void zq_metrics_render(zq_metrics *m, const zq_route *routes, int nroutes, zq_buf *out);

/* The alert outbox's figures (db/store/alert_outbox.h), the same whichever
 * zq-api process answers: they are read from the database. */
struct alert_outbox_stats;
void zq_metrics_render_alerts(const struct alert_outbox_stats *s, zq_buf *out);

/* The gauges read from the database, the same whichever process answers:
 * tasks by state, executions running / pending, the oldest pending
 * execution's age, scheduler nodes alive (db/store/metrics_store.h). Read
 * with db at most every ZQ_METRICS_DB_TTL_MS per process, else from the
 * process's cache. 0, or the error of the read (nothing appended). */
#define ZQ_METRICS_DB_TTL_MS 2000
int zq_metrics_render_db(zq_metrics *m, zq_db *db, int lease_s, zq_buf *out, zq_err *err);

#endif
