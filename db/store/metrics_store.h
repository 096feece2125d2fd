/* metrics_store.h - the database figures behind the metrics (README
 * "Metrics"): zq-scheduler's backlog gauges and zq-api's DB-derived gauges.
 * Each is a handful of index-served counts, capped at METRICS_COUNT_CAP rows
 * (more reads as the cap), by the database clock; callers cache them
 * (the scheduler refreshes every few seconds, the API every ~2 s). */
#ifndef ZQ_METRICS_STORE_H
#define ZQ_METRICS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

#define METRICS_COUNT_CAP 100000

/* zq-scheduler's backlog: executions pending (ix_exec_claim: status range)
 * and tasks due now (ix_tasks_next_run: next_run_at <= NOW(3), enabled and
 * unpaused). Both capped. */
int metrics_store_backlog(zq_db *db, int64_t *pending, int64_t *due, zq_err *err);

/* The name of task id into name (n bytes, "" when there is no such task). */
int metrics_store_task_name(zq_db *db, int64_t id, char *name, size_t n, zq_err *err);

/* zq-api's gauges: the same from any process. */
typedef struct metrics_db_gauges {
	int64_t tasks_enabled;       /* enabled, not paused */
	int64_t tasks_disabled;      /* not enabled (paused or not) */
	int64_t tasks_paused;        /* enabled and paused */
	int64_t exec_running, exec_pending;   /* capped counts */
	double oldest_pending_s;     /* age of the oldest pending execution due now; 0 = none */
	int64_t nodes_alive;         /* state running, heartbeat within lease_s */
} metrics_db_gauges;

int metrics_store_gauges(zq_db *db, int lease_s, metrics_db_gauges *g, zq_err *err);

#endif
