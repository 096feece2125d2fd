/* task_store.h - scheduled_tasks rows: load, insert, delete.
 * Further task queries (lists, updates) live here too, each one statement
 * with the index that serves it noted beside it. */
#ifndef ZQ_TASK_STORE_H
#define ZQ_TASK_STORE_H

#include "db.h"
#include "task.h"

/* The column list task_store_read expects, in order (prefix with "t." via
 * TASK_STORE_COLUMNS_T when joining). */
#define TASK_STORE_COLUMNS                                                                \
	"id, name, job_id, task_type, cron_expression, interval_seconds, start_at, run_at, " \
	"timezone, enabled, paused, description, config, max_retries, retry_interval, "     \
	"timeout_seconds, max_instances, misfire_grace_seconds, coalesce_misfires, "        \
	"next_run_at, last_fire_at, version, created_by, created_at, updated_at"
#define TASK_STORE_COLUMNS_T                                                                   \
	"t.id, t.name, t.job_id, t.task_type, t.cron_expression, t.interval_seconds, t.start_at, " \
	"t.run_at, t.timezone, t.enabled, t.paused, t.description, t.config, t.max_retries, "     \
	"t.retry_interval, t.timeout_seconds, t.max_instances, t.misfire_grace_seconds, "         \
	"t.coalesce_misfires, t.next_run_at, t.last_fire_at, t.version, t.created_by, "           \
	"t.created_at, t.updated_at"
#define TASK_STORE_NCOLS 25

/* Fill t (initialised by the caller) from the current row, columns
 * col0 .. col0 + TASK_STORE_NCOLS - 1 in TASK_STORE_COLUMNS order. */
void task_store_read(zq_stmt *st, int col0, zq_task *t);

/* Load one task. ZQ_ENOTFOUND when absent. t is released and refilled. */
int task_store_get(zq_db *db, int64_t id, zq_task *t, zq_err *err);
int task_store_get_by_name(zq_db *db, const char *name, zq_task *t, zq_err *err);

/* Insert t (id, created_at, updated_at are assigned; a job_id is generated
 * when empty). next_run_at is stored as given: compute it with
 * zq_task_first_run first. ZQ_ECONFLICT naming the field on a duplicate
 * name or job_id. */
int task_store_insert(zq_db *db, zq_task *t, zq_err *err);

/* Delete by id (executions, steps, output and stats cascade). ZQ_ENOTFOUND
 * when absent. */
int task_store_delete(zq_db *db, int64_t id, zq_err *err);

#endif
