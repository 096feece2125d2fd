/* task_store.c - SQL for scheduled_tasks. */
#include "task_store.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "timeutil.h"

static void copy_col(zq_stmt *st, int col, char *dst, size_t dstsz)
{
	const char *s = zq_stmt_str(st, col);

	zq_strlcpy(dst, s ? s : "", dstsz);
}

void task_store_read(zq_stmt *st, int c, zq_task *t)
{
	const char *s;

	t->id = zq_stmt_i64(st, c + 0);
	copy_col(st, c + 1, t->name, sizeof(t->name));
	copy_col(st, c + 2, t->job_id, sizeof(t->job_id));
	t->type = zq_task_type_parse(zq_stmt_str(st, c + 3));
	copy_col(st, c + 4, t->cron_expression, sizeof(t->cron_expression));
	t->interval_seconds = zq_stmt_i64(st, c + 5);
	t->start_at_ms = zq_stmt_time(st, c + 6);
	t->run_at_ms = zq_stmt_time(st, c + 7);
	copy_col(st, c + 8, t->timezone, sizeof(t->timezone));
	t->enabled = (int)zq_stmt_i64(st, c + 9);
	t->paused = (int)zq_stmt_i64(st, c + 10);
	zq_task_set_description(t, zq_stmt_str(st, c + 11));
	s = zq_stmt_str(st, c + 12);
	zq_task_set_config(t, s ? s : "{}");
	t->max_retries = (int)zq_stmt_i64(st, c + 13);
	t->retry_interval = (int)zq_stmt_i64(st, c + 14);
	t->timeout_seconds = (int)zq_stmt_i64(st, c + 15);
	t->max_instances = (int)zq_stmt_i64(st, c + 16);
	t->misfire_grace_seconds = (int)zq_stmt_i64(st, c + 17);
	t->coalesce = (int)zq_stmt_i64(st, c + 18);
	t->next_run_at_ms = zq_stmt_time(st, c + 19);
	t->last_fire_at_ms = zq_stmt_time(st, c + 20);
	t->version = (int)zq_stmt_i64(st, c + 21);
	copy_col(st, c + 22, t->created_by, sizeof(t->created_by));
	t->created_at_ms = zq_stmt_time(st, c + 23);
	t->updated_at_ms = zq_stmt_time(st, c + 24);
}

static int get_one(zq_db *db, const char *sql, int64_t id, const char *name, zq_task *t,
		   zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, sql, err);
	int rc;

	if (!st)
		return err->code;
	if (name)
		zq_stmt_bind_str(st, 0, name);
	else
		zq_stmt_bind_i64(st, 0, id);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	if ((rc = zq_stmt_fetch(st)) <= 0) {
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed")
			    : zq_errf(err, ZQ_ENOTFOUND, "task not found");
		goto out;
	}
	zq_task_release(t);
	zq_task_init(t);
	task_store_read(st, 0, t);
	rc = 0;
out:
	zq_stmt_done(st);
	return rc;
}

int task_store_get(zq_db *db, int64_t id, zq_task *t, zq_err *err)
{
	/* PRIMARY KEY */
	return get_one(db, "SELECT " TASK_STORE_COLUMNS " FROM scheduled_tasks WHERE id = ?", id,
		       NULL, t, err);
}

int task_store_get_by_name(zq_db *db, const char *name, zq_task *t, zq_err *err)
{
	/* uk_tasks_name */
	return get_one(db, "SELECT " TASK_STORE_COLUMNS " FROM scheduled_tasks WHERE name = ?", 0,
		       name, t, err);
}

static void new_job_id(char out[65])
{
	unsigned char raw[8];

	randombytes_buf(raw, sizeof(raw));
	memcpy(out, "zq-", 3);
	sodium_bin2hex(out + 3, 62, raw, sizeof(raw));
}

int task_store_insert(zq_db *db, zq_task *t, zq_err *err)
{
	zq_stmt *st;
	int rc;

	if (!t->job_id[0])
		new_job_id(t->job_id);
	st = zq_db_prepare(db,
			   "INSERT INTO scheduled_tasks (name, job_id, task_type, cron_expression, "
			   "interval_seconds, start_at, run_at, timezone, enabled, paused, description, "
			   "config, max_retries, retry_interval, timeout_seconds, max_instances, "
			   "misfire_grace_seconds, coalesce_misfires, next_run_at, created_by) "
			   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   err);
	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, t->name);
	zq_stmt_bind_str(st, 1, t->job_id);
	zq_stmt_bind_str(st, 2, zq_task_type_name(t->type));
	zq_stmt_bind_str(st, 3, t->cron_expression[0] ? t->cron_expression : NULL);
	if (t->interval_seconds > 0)
		zq_stmt_bind_i64(st, 4, t->interval_seconds);
	else
		zq_stmt_bind_null(st, 4);
	zq_stmt_bind_time(st, 5, t->start_at_ms);
	zq_stmt_bind_time(st, 6, t->run_at_ms);
	zq_stmt_bind_str(st, 7, t->timezone);
	zq_stmt_bind_i64(st, 8, t->enabled ? 1 : 0);
	zq_stmt_bind_i64(st, 9, t->paused ? 1 : 0);
	zq_stmt_bind_str(st, 10, t->description);
	zq_stmt_bind_str(st, 11, t->config ? t->config : "{}");
	zq_stmt_bind_i64(st, 12, t->max_retries);
	zq_stmt_bind_i64(st, 13, t->retry_interval);
	if (t->timeout_seconds > 0)
		zq_stmt_bind_i64(st, 14, t->timeout_seconds);
	else
		zq_stmt_bind_null(st, 14);
	zq_stmt_bind_i64(st, 15, t->max_instances);
	zq_stmt_bind_i64(st, 16, t->misfire_grace_seconds);
	zq_stmt_bind_i64(st, 17, t->coalesce ? 1 : 0);
	zq_stmt_bind_time(st, 18, t->next_run_at_ms);
	zq_stmt_bind_str(st, 19, t->created_by[0] ? t->created_by : NULL);
	rc = zq_stmt_exec(st, err);
	if (rc == ZQ_ECONFLICT) {
		if (strstr(err->msg, "job_id"))
			zq_errf(err, rc, "job_id: a task with job_id '%s' already exists", t->job_id);
		else
			zq_errf(err, rc, "name: a task named '%s' already exists", t->name);
	}
	if (rc == 0)
		t->id = (int64_t)zq_stmt_insert_id(st);
	zq_stmt_done(st);
	return rc;
}

int task_store_delete(zq_db *db, int64_t id, zq_err *err)
{
	/* PRIMARY KEY; executions, steps, output, stats and workflow_nodes cascade */
	zq_stmt *st = zq_db_prepare(db, "DELETE FROM scheduled_tasks WHERE id = ?", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, id);
	rc = zq_stmt_exec(st, err);
	if (rc == 0 && zq_stmt_affected(st) == 0)
		rc = zq_errf(err, ZQ_ENOTFOUND, "task %lld not found", (long long)id);
	zq_stmt_done(st);
	return rc;
}
