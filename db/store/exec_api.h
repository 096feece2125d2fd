/* history_store.h - the API's side of the executions tables: reads of
 * executions, their steps and output, statistics (daily rollups plus live
 * counts) and scheduler nodes; and the two writes the API is allowed
 * (brief: "data contract"): inserting a pending manual execution and
 * setting cancel_requested. Everything else in those tables is written by
 * zq-scheduler. */
#ifndef ZQ_HISTORY_STORE_H
#define ZQ_HISTORY_STORE_H

#include <stdint.h>

#include "db.h"

/* One task_executions row. Heap strings are NULL when the column is. */
typedef struct hist_exec {
	int64_t id, task_id;
	int64_t parent_id;               /* 0 = none */
	int trigger;                     /* enum zq_trigger, -1 unknown */
	int status;                      /* enum zq_exec_status, -1 unknown */
	int64_t scheduled_ms, not_before_ms, start_ms, end_ms;  /* ZQ_TIME_NONE = NULL */
	int64_t duration_ms;             /* -1 = NULL */
	int retry_count;
	int progress_percent;            /* -1 = NULL */
	int current_step, total_steps;   /* -1 = NULL */
	char *progress_message;
	char *result;                    /* JSON object text */
	char *error_message;
	char *config_override;           /* JSON object text */
	char *params;                    /* JSON object text: resolved trigger params */
	int64_t node_id;                 /* 0 = none */
	int64_t heartbeat_ms;
	int cancel_requested;
	char created_by[65];
	int64_t created_ms, updated_ms;
} hist_exec;

void hist_exec_release(hist_exec *e);
void hist_execs_free(hist_exec *rows, int n);

typedef struct hist_filter {
	int64_t task_id;
	int status;                      /* enum zq_exec_status, -1 = any */
	int64_t from_ms, to_ms;          /* start_time range [from, to); ZQ_TIME_NONE = open */
	int64_t before_id;               /* keyset paging: id < before_id; 0 = off */
	int64_t skip, limit;
} hist_filter;

/* Counts are exact up to hist_count_limit(skip, limit): HIST_COUNT_CAP, or
 * one row past the page when the page ends beyond it (so a pager always
 * knows whether there is a next page); beyond, total is that limit and
 * *capped is set. A page shorter than limit is its own exact total (no
 * count is run). */
#define HIST_COUNT_CAP 1000
int64_t hist_count_limit(int64_t skip, int64_t limit);

/* A task's executions, newest first (by start_time, then id, when a
 * start_time range is given; else by id), and how many match.
 * rows: hist_execs_free. */
int history_store_list(zq_db *db, const hist_filter *f, hist_exec **rows, int *n,
		       int64_t *total, int *capped, zq_err *err);
/* One execution of task_id. ZQ_ENOTFOUND when absent or of another task. */
int history_store_get(zq_db *db, int64_t task_id, int64_t exec_id, hist_exec *e, zq_err *err);

typedef struct hist_step {
	int step;
	char status[17];
	char *message;
	int64_t at_ms;
} hist_step;
/* Steps in order (at most max). *steps: free each message, then the array. */
int history_store_steps(zq_db *db, int64_t exec_id, int max, hist_step **steps, int *n,
			zq_err *err);
void hist_steps_free(hist_step *steps, int n);

typedef struct hist_output {
	int found;
	char *stdout_tail, *stderr_tail;
	size_t stdout_len, stderr_len;   /* tails may hold any bytes */
	int64_t stdout_bytes, stderr_bytes;
	int has_exit_code, exit_code;
	int has_term_signal, term_signal;
} hist_output;
int history_store_output(zq_db *db, int64_t exec_id, hist_output *o, zq_err *err);
void hist_output_release(hist_output *o);

typedef struct hist_child {
	int64_t id, task_id;
	int status;
	int64_t start_ms, end_ms;
} hist_child;
/* Child executions of a workflow run (at most max), by id. */
int history_store_children(zq_db *db, int64_t parent_id, hist_child *out, int max, int *n,
			   zq_err *err);
/* The newest execution of a task: *exec_id 0 when none. */
int history_store_latest(zq_db *db, int64_t task_id, int64_t *exec_id, int *status,
			 zq_err *err);

/* Insert the pending execution of a manual trigger (override, params:
 * JSON object texts or NULL) and return its id. ZQ_ENOTFOUND when the task
 * does not exist. */
int history_store_trigger(zq_db *db, int64_t task_id, const char *override, const char *params,
			  const char *actor, int64_t *exec_id, zq_err *err);
/* Ask the scheduler to stop a pending or running execution of task_id.
 * *status receives the execution's status. ZQ_ENOTFOUND when absent,
 * ZQ_ECONFLICT when it already finished. */
int history_store_cancel(zq_db *db, int64_t task_id, int64_t exec_id, int *status, zq_err *err);

/* ---- statistics ----------------------------------------------------------- */

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

/* ---- scheduler nodes ------------------------------------------------------- */

typedef struct hist_node {
	int64_t id;
	char name[256], host[256], version[33], state[17];
	int pid, threads, busy;
	int64_t running;                 /* executions running on it */
	int64_t started_ms, heartbeat_ms, stopped_ms;
	int64_t heartbeat_age_ms;        /* by the database clock */
} hist_node;
/* Nodes newest first: running or stopping ones, and others seen in the
 * last day unless all. *rows: free(). */
int history_store_nodes(zq_db *db, int all, hist_node **rows, int *n, zq_err *err);

#endif
