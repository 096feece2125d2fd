/* exec_api.h - task_executions as the API reads and writes them: a task's
 * history pages, one execution, a workflow run's children, a task's latest
 * run; and the two writes the API is allowed (brief: "data contract"):
 * inserting a pending manual execution and setting cancel_requested.
 * Everything else in the table is written by zq-scheduler (exec_store.h).
 * The steps and output of an execution are output_store.h, statistics
 * stats_store.h, scheduler nodes node_store.h. */
#ifndef ZQ_EXEC_API_H
#define ZQ_EXEC_API_H

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
	int32_t business_day;            /* calendar.h day number; ZQ_CAL_NO_DAY (INT32_MIN) = NULL */
} hist_exec;

void hist_exec_release(hist_exec *e);
void hist_execs_free(hist_exec *rows, int n);

typedef struct hist_filter {
	int64_t task_id;
	int status;                      /* enum zq_exec_status, -1 = any */
	int64_t from_ms, to_ms;          /* start_time range [from, to); ZQ_TIME_NONE = open */
	int64_t before_id;               /* keyset paging: id < before_id; 0 = off */
	int32_t biz_from, biz_to;        /* business_date range [from, to] (day numbers); ZQ_CAL_NO_DAY = open */
	int64_t skip, limit;
} hist_filter;

/* A task's executions, newest first (by business_date, then id, when a
 * business_date range is given; else by start_time, then id, when a
 * start_time range is given; else by id), and how many match: exact up to
 * zq_db_count_limit(skip, limit) (db.h), beyond it that limit with
 * *capped set. A page shorter than limit is its own exact total (no count
 * is run). rows: hist_execs_free. */
int history_store_list(zq_db *db, const hist_filter *f, hist_exec **rows, int *n,
		       int64_t *total, int *capped, zq_err *err);
/* One execution of task_id. ZQ_ENOTFOUND when absent or of another task. */
int history_store_get(zq_db *db, int64_t task_id, int64_t exec_id, hist_exec *e, zq_err *err);

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
 * JSON object texts or NULL) for business_day (ZQ_CAL_NO_DAY = NULL) and
 * return its id. ZQ_ENOTFOUND when the task
 * does not exist. */
int history_store_trigger(zq_db *db, int64_t task_id, const char *override, const char *params,
			  const char *actor, int32_t business_day, int64_t *exec_id, zq_err *err);
/* Ask the scheduler to stop a pending or running execution of task_id.
 * *status receives the execution's status. ZQ_ENOTFOUND when absent,
 * ZQ_ECONFLICT when it already finished. */
int history_store_cancel(zq_db *db, int64_t task_id, int64_t exec_id, int *status, zq_err *err);

#endif
