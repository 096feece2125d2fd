/* sched_metrics.h - zq-scheduler's own counters, gauges and histograms for
 * Prometheus (README "Metrics"), served by sched_metrics_http.h.
 *
 * One process-wide set (metrics_global), updated with relaxed atomics where
 * things happen (no locks on the hot path), rendered as Prometheus text
 * format 0.0.4 by metrics_render. Labels are bounded: task type, status,
 * skip reason, outcome; never a task or execution id. The task label
 * (scheduler.metrics_task_labels) names up to tasks_max tasks on the
 * outcome counters, the rest under task="other" (sched_metrics_task.c). */
#ifndef ZQ_SCHED_METRICS_H
#define ZQ_SCHED_METRICS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "db.h"
#include "task.h"

#define METRICS_BUCKETS_MAX 16

enum metrics_skip { METRICS_SKIP_MISFIRE, METRICS_SKIP_MAX_INSTANCES, METRICS_SKIP_CLOCK_JUMP,
		    METRICS_SKIP_OTHER, METRICS_SKIP_WORKFLOW, METRICS_SKIP_COUNT };

#define METRICS_BACKLOG_MS 5000      /* the loop refreshes the backlog gauges this often */
#define METRICS_TASKS_MAX 1000       /* scheduler.metrics_task_labels_max at most */

typedef struct metrics_hist {
	const double *bounds;          /* upper bounds in seconds, ascending */
	int nbounds;
	_Atomic uint64_t bucket[METRICS_BUCKETS_MAX + 1]; /* per bucket (not cumulative); last = +Inf */
	_Atomic uint64_t count;
	_Atomic int64_t sum_ms;
} metrics_hist;

/* One task's outcomes under the task label. */
typedef struct metrics_task {
	int64_t id;
	int type;
	char *name;
	uint64_t n[ZQ_EXEC_STATUS_COUNT];
} metrics_task;

/* A workflow run ended in the open transaction: counted once it commits. */
typedef struct metrics_ended {
	int64_t task_id;
	int status;
	int64_t duration_ms;
	char *name;                    /* only with the task label */
} metrics_ended;

typedef struct metrics {
	_Atomic uint64_t fires, claims, starts, retries, ticks;
	_Atomic uint64_t skipped[METRICS_SKIP_COUNT];
	_Atomic uint64_t outcomes[ZQ_TASK_TYPE_COUNT][ZQ_EXEC_STATUS_COUNT];
	_Atomic uint64_t db_errors, db_down;
	_Atomic int64_t workers_busy, workers_total, settle_queue;
	_Atomic int64_t start_time_s;  /* wall seconds the daemon started */
	metrics_hist lateness, duration, tick;
	_Atomic uint64_t output_flushes; /* live output writes of running commands */
	/* backlog, refreshed by the loop (metrics_backlog) */
	_Atomic int64_t pending, due, backlog_at_s;
	int backlog_on;
	int64_t backlog_next_ms;
	/* the task label: tasks[0..ntasks) named, the rest "other" (under tasks_mu) */
	pthread_mutex_t tasks_mu;
	int tasks_max, ntasks;
	metrics_task *tasks;
	uint64_t tasks_other[ZQ_TASK_TYPE_COUNT][ZQ_EXEC_STATUS_COUNT];
	/* workflow runs ended in the loop's open transaction (loop thread only) */
	metrics_ended *ended;
	size_t nended, ended_cap;
	int ended_skipped;
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
void metrics_settled(int64_t task_id, const char *task_name, int task_type, int status,
		     int retried, int64_t duration_ms);

/* ---- sched_metrics_task.c ---- */
/* The task label on up to max tasks (0: off). Before any count. */
void metrics_task_labels(metrics *m, int max);
/* One outcome of task id (name, type) counted in m. */
void metrics_outcome(metrics *m, int64_t task_id, const char *name, int type, int status);
/* The outcome counter lines (with or without the task label). */
int metrics_render_outcomes(metrics *m, zq_buf *b);
/* The loop's transaction (db) ended a workflow run of task_id, and skipped
 * nskipped of its nodes: counted by metrics_committed, dropped by
 * metrics_rolled_back. Loop thread only. */
void metrics_wf_ended(zq_db *db, int64_t task_id, int status, int64_t duration_ms, int nskipped);
void metrics_rolled_back(void);
void metrics_wf_committed(metrics *m);  /* (metrics_committed) */
/* The backlog gauges (pending executions, tasks due now): refreshed from db
 * every METRICS_BACKLOG_MS when on (metrics_listen set); a few capped,
 * index-served counts (metrics_store.h). Loop thread only. */
void metrics_backlog_enable(void);
void metrics_backlog(zq_db *db, int64_t mono_ms);

/* A tick's transaction committed: what it fired (res: fire.h) and claimed;
 * the workflow outcomes it holds are counted. */
struct fire_result;
void metrics_committed(const struct fire_result *res, int claimed);
/* A tick ended (rc: 0 or its error); the loop's gauges. */
void metrics_tick(int rc, int64_t ms, int busy, int total, int settle_queue);

/* "# HELP" and "# TYPE" lines of a family. */
int metrics_head(zq_buf *b, const char *name, const char *type, const char *help);
/* Append the Prometheus text of m to out. 0, or ZQ_ETOOBIG. */
int metrics_render(metrics *m, zq_buf *out);

#endif
