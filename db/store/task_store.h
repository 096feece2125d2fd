/* task_store.h - scheduled_tasks rows: load, insert, update, delete, the
 * API's listings (with what each task's executions say), and the
 * workflow_nodes rows derived from workflow configs. Each function is one
 * statement, with the index that serves it noted beside it in the .c:
 * task_list.c for the listings, task_store.c for the rest. */
#ifndef ZQ_TASK_STORE_H
#define ZQ_TASK_STORE_H

#include "db.h"
#include "task.h"
#include "user_store.h"

/* The column list task_store_read expects, in order (prefix with "t." via
 * TASK_STORE_COLUMNS_T when joining). */
#define TASK_STORE_COLUMNS                                                                \
	"id, name, job_id, task_type, cron_expression, interval_seconds, start_at, run_at, " \
	"timezone, enabled, paused, description, config, max_retries, retry_interval, "     \
	"timeout_seconds, max_instances, misfire_grace_seconds, coalesce_misfires, "        \
	"next_run_at, last_fire_at, version, created_by, created_at, updated_at, calendar_id, " \
	"calendar_rule"
#define TASK_STORE_COLUMNS_T                                                                   \
	"t.id, t.name, t.job_id, t.task_type, t.cron_expression, t.interval_seconds, t.start_at, " \
	"t.run_at, t.timezone, t.enabled, t.paused, t.description, t.config, t.max_retries, "     \
	"t.retry_interval, t.timeout_seconds, t.max_instances, t.misfire_grace_seconds, "         \
	"t.coalesce_misfires, t.next_run_at, t.last_fire_at, t.version, t.created_by, "           \
	"t.created_at, t.updated_at, t.calendar_id, t.calendar_rule"
#define TASK_STORE_NCOLS 27

/* Fill t (initialised by the caller) from the current row, columns
 * col0 .. col0 + TASK_STORE_NCOLS - 1 in TASK_STORE_COLUMNS order. The
 * calendar's name (t->calendar) is not among them: the API's reads
 * (task_list.c) join it. */
void task_store_read(zq_stmt *st, int col0, zq_task *t);

/* Load one task. ZQ_ENOTFOUND when absent. t is released and refilled. */
int task_store_get(zq_db *db, int64_t id, zq_task *t, zq_err *err);
int task_store_get_by_name(zq_db *db, const char *name, zq_task *t, zq_err *err);

/* Insert t (id, created_at, updated_at are assigned; a job_id is generated
 * when empty). next_run_at is stored as given: compute it with
 * zq_task_first_run first. ZQ_ECONFLICT naming the field on a duplicate
 * name or job_id. */
int task_store_insert(zq_db *db, zq_task *t, zq_err *err);

/* 0 when task id exists; ZQ_ENOTFOUND ("task N not found") when not. */
int task_store_exists(zq_db *db, int64_t id, zq_err *err);

/* Delete by id (executions, steps, output and stats cascade). ZQ_ENOTFOUND
 * when absent. */
int task_store_delete(zq_db *db, int64_t id, zq_err *err);

/* ---- listings ---------------------------------------------------------- */

/* A task plus what its executions say, for API responses. */
typedef struct task_store_row {
	zq_task t;
	int64_t latest_id;        /* newest execution, 0 when none */
	int latest_status;        /* its enum zq_exec_status, -1 when none */
	int64_t latest_time_ms;   /* its start_time, else created_at */
	int active;               /* an execution is pending or running */
	int finished_status;      /* newest success|failed|completed|terminated, -1 none */
	int node_count;           /* a workflow's nodes (its config's tasks) */
	char cal_status[128];     /* "calendar SSE has no data after 2027-12-31", "" = none */
	int32_t cal_until;        /* the calendar's stored covered_until (read with the row) */
} task_store_row;

typedef struct task_store_filter {
	int type;                 /* enum zq_task_type, -1 = any */
	int enabled;              /* 0 / 1, -1 = any */
	const char *name;         /* substring (case-insensitive), NULL = any */
	const char *status;       /* schedule_status, NULL = any */
	int include_subtasks;     /* 0: hide tasks used by a workflow */
	int64_t skip, limit;
} task_store_filter;

/* A task's schedule_status (README "REST API"), the first that applies:
 * disabled, paused, the calendar's stop ("calendar SSE has no data after
 * 2027-12-31": an enabled task whose calendar's coverage ran out), running, failed / success (the newest finished
 * execution; anything but success counts as failed), else pending. */
const char *task_store_schedule_status(const task_store_row *r);
/* 1 when s is one of the six schedule_status names. */
int task_store_status_valid(const char *s);

/* One page of tasks in id order, in one or two statements whatever the
 * page size (rows: heap array, free with task_store_rows_free), and the
 * number of tasks matching the filter: exact up to zq_db_count_limit(skip,
 * limit) (db.h); beyond it that bound with *capped set (so skip + limit <
 * total always says whether a next page exists). */
int task_store_list(zq_db *db, const task_store_filter *f, task_store_row **rows, int *n,
		    int64_t *total, int *capped, zq_err *err);
/* One task as a row. ZQ_ENOTFOUND when absent. row is initialised here;
 * release with task_store_row_release. */
int task_store_get_row(zq_db *db, int64_t id, task_store_row *row, zq_err *err);
/* The same row read in the statement that looks up the request's token
 * (one round trip for the hottest read): ti is filled as token_store_lookup
 * would; *found says whether task id exists. ZQ_ENOTFOUND when no token
 * has this hash (then nothing is filled). The caller must check the token
 * before it uses the row. */
int task_store_get_row_with_token(zq_db *db, const unsigned char *token_hash, size_t hash_len,
				  int64_t id, zq_token_info *ti, task_store_row *row, int *found,
				  zq_err *err);
void task_store_row_release(task_store_row *row);
void task_store_rows_free(task_store_row *rows, int n);

/* ---- updates (inside the caller's transaction) --------------------------- */

/* Load and lock one task (SELECT ... FOR UPDATE). ZQ_ENOTFOUND when absent. */
int task_store_get_for_update(zq_db *db, int64_t id, zq_task *t, zq_err *err);
/* Write every writable column and next_run_at of t->id, version + 1.
 * ZQ_ECONFLICT naming "name" on a duplicate; ZQ_ENOTFOUND when gone. */
int task_store_update(zq_db *db, const zq_task *t, zq_err *err);

/* ---- workflows ----------------------------------------------------------- */

/* Replace the workflow_nodes of wf_id by the task ids in ids_json (a JSON
 * array, in node order; "[]" clears). */
int task_store_set_nodes(zq_db *db, int64_t wf_id, const char *ids_json, zq_err *err);

/* Workflows whose nodes include task_id: up to max ids and names (names
 * copied into names[i], ZQ_TASK_NAME_BYTES each). *n receives the count. */
int task_store_used_by(zq_db *db, int64_t task_id, int64_t *ids, char (*names)[ZQ_TASK_NAME_BYTES],
		       int max, int *n, zq_err *err);

/* What the tasks in ids_json (a JSON array of ids) are, in input order:
 * exists 0 when there is no such task. */
typedef struct task_store_ref {
	int64_t id;
	int exists;
	int type;
	int enabled;
	char name[ZQ_TASK_NAME_BYTES];
} task_store_ref;
int task_store_refs(zq_db *db, const char *ids_json, task_store_ref *refs, int max, int *n,
		    zq_err *err);

/* The node task ids of workflow wf_id that are themselves workflows. */
int task_store_child_workflows(zq_db *db, int64_t wf_id, int64_t *ids, int max, int *n,
			       zq_err *err);

#endif
