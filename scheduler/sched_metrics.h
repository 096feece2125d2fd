/* sched_metrics.h - zq-scheduler's own counters, gauges and histograms for
 * Prometheus (README "Metrics"), served by sched_metrics_http.h.
 *
 * One process-wide set (metrics_global), updated with relaxed atomics where
 * things happen (no locks on the hot path), rendered as Prometheus text
 * format 0.0.4 by metrics_render. Labels are bounded: task type, status,
 * skip reason, outcome; never a task or execution id. */
#ifndef ZQ_SCHED_METRICS_H
#define ZQ_SCHED_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "buf.h"
#include "task.h"

#define METRICS_BUCKETS_MAX 16

enum metrics_skip { METRICS_SKIP_MISFIRE, METRICS_SKIP_MAX_INSTANCES, METRICS_SKIP_CLOCK_JUMP,
		    METRICS_SKIP_OTHER, METRICS_SKIP_COUNT };

typedef struct metrics_hist {
	const double *bounds;          /* upper bounds in seconds, ascending */
	int nbounds;
	_Atomic uint64_t bucket[METRICS_BUCKETS_MAX + 1]; /* per bucket (not cumulative); last = +Inf */
	_Atomic uint64_t count;
	_Atomic int64_t sum_ms;
} metrics_hist;

typedef struct metrics {
	_Atomic uint64_t fires, claims, starts, retries, ticks;
	_Atomic uint64_t skipped[METRICS_SKIP_COUNT];
	_Atomic uint64_t outcomes[ZQ_TASK_TYPE_COUNT][ZQ_EXEC_STATUS_COUNT];
	_Atomic uint64_t db_errors, db_down;
	_Atomic int64_t workers_busy, workers_total, settle_queue;
	_Atomic int64_t start_time_s;  /* wall seconds the daemon started */
	metrics_hist lateness, duration, tick;
} metrics;

/* The process's metrics (initialised on first use; never freed). */
metrics *metrics_global(void);
/* Zero m and set its histograms' buckets (for tests; metrics_global does it). */
void metrics_init(metrics *m);

void metrics_hist_observe(metrics_hist *h, int64_t ms);
/* The reason of a skipped fire row ("misfire: ...", "max_instances ..."). */
int metrics_skip_reason(const char *reason);

/* Hooks (any thread). */
void metrics_count(_Atomic uint64_t *c, uint64_t n);
/* A run started on a worker: lateness = start time - scheduled time. */
void metrics_started(int64_t scheduled_ms, int64_t start_ms);
/* A run's final state committed. retried: a retry row was inserted. */
void metrics_settled(int task_type, int status, int retried, int64_t duration_ms);

/* A tick's transaction committed: what it fired (res: fire.h) and claimed. */
struct fire_result;
void metrics_committed(const struct fire_result *res, int claimed);
/* A tick ended (rc: 0 or its error); the loop's gauges. */
void metrics_tick(int rc, int64_t ms, int busy, int total, int settle_queue);

/* Append the Prometheus text of m to out. 0, or ZQ_ETOOBIG. */
int metrics_render(metrics *m, zq_buf *out);

#endif
