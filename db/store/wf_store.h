/* wf_store.h - workflow runs as the scheduler's workflow engine reads and
 * writes them: the workflow_runs row of each run (plan, deadline, when to
 * look at it next) and the run's child executions (README "Workflows").
 *
 * A run is a parent execution (status running, no node, no heartbeat: it
 * holds no worker and the reaper never touches it) plus one child execution
 * per started node. Whoever advances a run holds its workflow_runs row
 * locked (FOR UPDATE SKIP LOCKED), so one daemon at a time decides for a
 * run; the unique key (parent_execution_id, task_id, retry_count) makes
 * starting a node idempotent even so. Settling a child queues its run
 * (check_at = now) in the same transaction.
 *
 * One statement per function, the index that serves it beside its SQL.
 * Functions that lock must run inside the caller's transaction. Times are
 * int64 ms, ZQ_TIME_NONE = NULL. Every function returns 0 or a negative
 * ZQ_E* code with err filled (ZQ_EBUSY: deadlock, retry the transaction). */
#ifndef ZQ_WF_STORE_H
#define ZQ_WF_STORE_H

#include <stdint.h>

#include "db.h"

/* A run: its workflow_runs row joined with the parent execution. */
typedef struct wf_store_run {
	int64_t id;                 /* parent execution */
	int64_t task_id;            /* the workflow task */
	int64_t parent_id;          /* the run this one is a node of (nested), 0 = none */
	int status;                 /* parent's enum zq_exec_status */
	int cancel_requested;
	int64_t start_ms, deadline_ms;
	char *plan;                 /* workflow config JSON (heap) */
	char *created_by;           /* heap or NULL */
} wf_store_run;

/* The latest attempt of one node: its child execution. */
typedef struct wf_store_child {
	int64_t id, task_id;
	int retry_count;
	int status;                 /* enum zq_exec_status */
	int cancel_requested;
	char *error;                /* error_message, heap or NULL */
} wf_store_child;

/* A task a plan names, as it is now. */
typedef struct wf_store_task {
	int64_t id;
	int type;                   /* enum zq_task_type */
	int enabled;
	char *name;                 /* heap */
} wf_store_task;

/* A node to start: a pending child, or (reason set) a skipped row. */
typedef struct wf_store_node {
	int64_t task_id;
	const char *skip_reason;    /* NULL: start it */
} wf_store_node;

void wf_store_run_release(wf_store_run *r);
void wf_store_children_free(wf_store_child *c, int n);
void wf_store_tasks_free(wf_store_task *t, int n);

/* ---- start ----------------------------------------------------------- */

/* The claimed (locked, pending) parent becomes running: start_ms, no
 * node, no heartbeat, progress 0 of total nodes with message. */
int wf_store_mark_running(zq_db *db, int64_t exec_id, int64_t start_ms, int total,
			  const char *message, zq_err *err);
/* The run's workflow_runs row, due at check_ms. */
int wf_store_create(zq_db *db, int64_t exec_id, const char *plan, int64_t deadline_ms,
		    int64_t check_ms, zq_err *err);
/* The tasks among ids[0..n) that exist (*out: wf_store_tasks_free). */
int wf_store_tasks(zq_db *db, const int64_t *ids, int n, wf_store_task **out, int *got,
		   zq_err *err);
/* Walk up from execution exec_id through parent_execution_id: the task ids
 * of its ancestors, nearest first (at most max; *n receives how many). */
int wf_store_ancestors(zq_db *db, int64_t exec_id, int max, int64_t *task_ids, int *n,
		       zq_err *err);

/* ---- advance ----------------------------------------------------------- */

/* Lock up to limit runs due by now_ms (check_at <= now_ms), oldest first,
 * skipping runs another daemon holds. */
int wf_store_lock_due(zq_db *db, int64_t now_ms, int limit, int64_t *ids, int *n, zq_err *err);
/* Lock up to limit runs not yet due whose parent's cancel was requested. */
int wf_store_lock_cancelled(zq_db *db, int64_t now_ms, int limit, int64_t *ids, int *n,
			    zq_err *err);
/* Load a locked run. ZQ_ENOTFOUND when it is gone (its task was deleted). */
int wf_store_load(zq_db *db, int64_t exec_id, wf_store_run *out, zq_err *err);
/* The latest attempt of every node of run parent_id (*out:
 * wf_store_children_free). */
int wf_store_children(zq_db *db, int64_t parent_id, wf_store_child **out, int *n, zq_err *err);
/* Insert the children rows[0..n) of run parent_id at now_ms (trigger
 * workflow, created_by): pending, or skipped with their reason. A node that
 * already has its first attempt is left as it is. */
int wf_store_start(zq_db *db, int64_t parent_id, const wf_store_node *rows, int n,
		   int64_t now_ms, const char *created_by, zq_err *err);
/* Ask the children of run parent_id to stop: the pending ones, and with
 * running set the running ones too (cancel_requested = 1). */
int wf_store_cancel_children(zq_db *db, int64_t parent_id, int running, zq_err *err);
/* Queue the runs nested in run parent_id (its children that are workflow
 * runs still going), so that a cancel reaches them at once. */
int wf_store_queue_nested(zq_db *db, int64_t parent_id, int64_t now_ms, zq_err *err);
/* When to look at the locked run next; ZQ_TIME_NONE: it ended. */
int wf_store_set_check(zq_db *db, int64_t exec_id, int64_t check_ms, zq_err *err);
/* Queue the runs among ids[0..n) that are still going (check_at = now_ms
 * unless already due). *queued receives how many changed. */
int wf_store_queue(zq_db *db, const int64_t *ids, int n, int64_t now_ms, int *queued, zq_err *err);

#endif
