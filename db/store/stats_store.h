/* stats_store.h - task_stats_daily (and task_stats_daily_all): per task per
 * UTC day counters, upserted when executions reach a final status (in the
 * same transaction); and the API's statistics read from them plus live
 * counts of task_executions.
 *
 * A stats_batch aggregates the final statuses of one transaction in memory
 * (one row per task and day), then stats_store_upsert writes them in one
 * statement, sorted by (task_id, day) so that daemons updating the same rows
 * lock them in the same order. */
#ifndef ZQ_STATS_STORE_H
#define ZQ_STATS_STORE_H

#include <stdint.h>

#include "db.h"

typedef struct stats_delta {
	int64_t task_id;
	int64_t day;                /* days since 1970-01-01 (UTC) */
	int runs, successes, failures, terminations, skipped;
	int64_t total_ms, max_ms;
	int64_t last_end_ms;
} stats_delta;

typedef struct stats_batch {
	stats_delta *rows;
	int n;
	size_t cap;                 /* rows has room for (zq_grow) */
} stats_batch;

void stats_batch_init(stats_batch *b);
void stats_batch_release(stats_batch *b);
void stats_batch_reset(stats_batch *b);
/* Count one execution that ended with final status (enum zq_exec_status)
 * at end_ms after duration_ms (< 0: unknown). `runs` counts every final
 * status except skipped; successes = success; failures = failed;
 * terminations = terminated; skipped = skipped. */
void stats_batch_add(stats_batch *b, int64_t task_id, int status, int64_t end_ms,
		     int64_t duration_ms);

/* Upsert the batch (sorted first) into task_stats_daily and, summed per
 * day, into task_stats_daily_all (080_stats_all_tasks.sql: the global
 * figures), in the caller's transaction. 0 or a ZQ_E* code. */
int stats_store_upsert(zq_db *db, stats_batch *b, zq_err *err);

/* ---- the API's read ------------------------------------------------------- */

typedef struct hist_stats {
	int64_t runs, successes, failures, terminations, skipped;  /* rollups */
	int64_t total_duration_ms, max_duration_ms;
	int64_t pending, running;                                  /* live */
	int64_t latest_id;                                         /* 0 = none */
	int latest_status;
	int64_t latest_time_ms;                                    /* its start, else created */
} hist_stats;
typedef struct hist_day {
	int64_t day_ms;                  /* UTC midnight */
	int64_t runs, successes, failures, terminations, skipped;
	int64_t total_duration_ms, max_duration_ms;
} hist_day;
/* Totals for one task (task_id > 0) or every task (0), and the rollup rows
 * per UTC day from from_day_ms on (ZQ_TIME_NONE: none; days without runs
 * are absent), both from one read of the task's rollup rows
 * (task_stats_daily) or of the all-tasks rollup (task_stats_daily_all).
 * *days: free(). */
int history_store_stats(zq_db *db, int64_t task_id, int64_t from_day_ms, hist_stats *s,
			hist_day **days, int *n, zq_err *err);

#endif
