/* task_store.c - SQL for scheduled_tasks rows (load, insert, update,
 * delete) and workflow_nodes; the API's listings are task_list.c. */
#include "task_store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "timeutil.h"

void task_store_read(zq_stmt *st, int c, zq_task *t)
{
	const char *s;

	t->id = zq_stmt_i64(st, c + 0);
	zq_stmt_copy(st, c + 1, t->name, sizeof(t->name));
	zq_stmt_copy(st, c + 2, t->job_id, sizeof(t->job_id));
	t->type = zq_task_type_parse(zq_stmt_str(st, c + 3));
	zq_stmt_copy(st, c + 4, t->cron_expression, sizeof(t->cron_expression));
	t->interval_seconds = zq_stmt_i64(st, c + 5);
	t->start_at_ms = zq_stmt_time(st, c + 6);
	t->run_at_ms = zq_stmt_time(st, c + 7);
	zq_stmt_copy(st, c + 8, t->timezone, sizeof(t->timezone));
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
	zq_stmt_copy(st, c + 22, t->created_by, sizeof(t->created_by));
	t->created_at_ms = zq_stmt_time(st, c + 23);
	t->updated_at_ms = zq_stmt_time(st, c + 24);
	t->calendar_id = zq_stmt_i64(st, c + 25);
	s = zq_stmt_str(st, c + 26);
	t->calendar_rule = s ? zq_cal_rule_parse(s) : -1;
	if (!t->calendar_id)
		t->calendar_rule = ZQ_CAL_RULE_NONE;
	else if (t->calendar_rule <= 0)
		t->calendar_rule = ZQ_CAL_RULE_ONLY;
}

static void bind_calendar(zq_stmt *st, int i, const zq_task *t)
{
	if (t->calendar_id > 0) {
		zq_stmt_bind_i64(st, i, t->calendar_id);
		zq_stmt_bind_str(st, i + 1, zq_cal_rule_name(t->calendar_rule ? t->calendar_rule
									 : ZQ_CAL_RULE_ONLY));
	} else {
		zq_stmt_bind_null(st, i);
		zq_stmt_bind_null(st, i + 1);
	}
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
			   "misfire_grace_seconds, coalesce_misfires, next_run_at, created_by, "
			   "calendar_id, calendar_rule) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
			   "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
	bind_calendar(st, 20, t);
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

int task_store_exists(zq_db *db, int64_t id, zq_err *err)
{
	/* PRIMARY KEY */
	int64_t x;
	int rc = zq_db_query_i64(db, "SELECT id FROM scheduled_tasks WHERE id = ?", id, &x, err);

	if (rc == ZQ_ENOTFOUND)
		return zq_errf(err, rc, "task %lld not found", (long long)id);
	return rc;
}

int task_store_delete(zq_db *db, int64_t id, zq_err *err)
{
	/* PRIMARY KEY; executions, steps, output, stats and workflow_nodes cascade */
	uint64_t n = 0;
	int rc = zq_db_exec_id(db, "DELETE FROM scheduled_tasks WHERE id = ?", id, &n, err);

	if (rc == 0 && n == 0)
		rc = zq_errf(err, ZQ_ENOTFOUND, "task %lld not found", (long long)id);
	return rc;
}

/* ---- updates ------------------------------------------------------------- */

int task_store_get_for_update(zq_db *db, int64_t id, zq_task *t, zq_err *err)
{
	/* PRIMARY KEY; locks the row until the caller's transaction ends */
	int rc = get_one(db, "SELECT " TASK_STORE_COLUMNS " FROM scheduled_tasks WHERE id = ? "
			 "FOR UPDATE", id, NULL, t, err);

	if (rc == ZQ_ENOTFOUND)
		zq_errf(err, rc, "task %lld not found", (long long)id);
	return rc;
}

int task_store_update(zq_db *db, const zq_task *t, zq_err *err)
{
	/* PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(
		db,
		"UPDATE scheduled_tasks SET name = ?, task_type = ?, cron_expression = ?, "
		"interval_seconds = ?, start_at = ?, run_at = ?, timezone = ?, enabled = ?, "
		"paused = ?, description = ?, config = ?, max_retries = ?, retry_interval = ?, "
		"timeout_seconds = ?, max_instances = ?, misfire_grace_seconds = ?, "
		"coalesce_misfires = ?, next_run_at = ?, calendar_id = ?, calendar_rule = ?, "
		"version = version + 1 WHERE id = ?",
		err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, t->name);
	zq_stmt_bind_str(st, 1, zq_task_type_name(t->type));
	zq_stmt_bind_str(st, 2, t->cron_expression[0] ? t->cron_expression : NULL);
	if (t->interval_seconds > 0)
		zq_stmt_bind_i64(st, 3, t->interval_seconds);
	else
		zq_stmt_bind_null(st, 3);
	zq_stmt_bind_time(st, 4, t->start_at_ms);
	zq_stmt_bind_time(st, 5, t->run_at_ms);
	zq_stmt_bind_str(st, 6, t->timezone);
	zq_stmt_bind_i64(st, 7, t->enabled ? 1 : 0);
	zq_stmt_bind_i64(st, 8, t->paused ? 1 : 0);
	zq_stmt_bind_str(st, 9, t->description);
	zq_stmt_bind_str(st, 10, t->config ? t->config : "{}");
	zq_stmt_bind_i64(st, 11, t->max_retries);
	zq_stmt_bind_i64(st, 12, t->retry_interval);
	if (t->timeout_seconds > 0)
		zq_stmt_bind_i64(st, 13, t->timeout_seconds);
	else
		zq_stmt_bind_null(st, 13);
	zq_stmt_bind_i64(st, 14, t->max_instances);
	zq_stmt_bind_i64(st, 15, t->misfire_grace_seconds);
	zq_stmt_bind_i64(st, 16, t->coalesce ? 1 : 0);
	zq_stmt_bind_time(st, 17, t->next_run_at_ms);
	bind_calendar(st, 18, t);
	zq_stmt_bind_i64(st, 20, t->id);
	rc = zq_stmt_exec(st, err);
	if (rc == ZQ_ECONFLICT)
		zq_errf(err, rc, "name: a task named '%s' already exists", t->name);
	else if (rc == 0 && zq_stmt_affected(st) == 0)
		rc = zq_errf(err, ZQ_ENOTFOUND, "task %lld not found", (long long)t->id);
	zq_stmt_done(st);
	return rc;
}

/* ---- workflows ------------------------------------------------------------ */

static int clear_nodes(zq_db *db, int64_t wf_id, zq_err *err)
{
	/* PRIMARY KEY prefix (workflow_id) */
	return zq_db_exec_id(db, "DELETE FROM workflow_nodes WHERE workflow_id = ?",
			     wf_id, NULL, err);
}

int task_store_set_nodes(zq_db *db, int64_t wf_id, const char *ids_json, zq_err *err)
{
	zq_stmt *st;
	int rc;

	if ((rc = clear_nodes(db, wf_id, err)) < 0)
		return rc;
	st = zq_db_prepare(db,
			   "INSERT IGNORE INTO workflow_nodes (workflow_id, task_id, position) "
			   "SELECT ?, j.id, j.pos - 1 FROM JSON_TABLE(?, '$[*]' COLUMNS (pos FOR "
			   "ORDINALITY, id BIGINT PATH '$')) AS j",
			   err);
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, wf_id);
	zq_stmt_bind_str(st, 1, ids_json);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	return rc;
}

int task_store_used_by(zq_db *db, int64_t task_id, int64_t *ids,
		       char (*names)[ZQ_TASK_NAME_BYTES], int max, int *n, zq_err *err)
{
	/* ix_wfnodes_task, then PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db,
				    "SELECT w.workflow_id, t.name FROM workflow_nodes w JOIN "
				    "scheduled_tasks t ON t.id = w.workflow_id WHERE w.task_id = ? "
				    "ORDER BY w.workflow_id LIMIT ?",
				    err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, task_id);
	zq_stmt_bind_i64(st, 1, max);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while (*n < max && (rc = zq_stmt_fetch(st)) > 0) {
		ids[*n] = zq_stmt_i64(st, 0);
		zq_stmt_copy(st, 1, names[*n], ZQ_TASK_NAME_BYTES);
		(*n)++;
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

int task_store_refs(zq_db *db, const char *ids_json, task_store_ref *refs, int max, int *n,
		    zq_err *err)
{
	/* one PRIMARY KEY lookup per id */
	zq_stmt *st = zq_db_prepare(db,
				    "SELECT j.id, t.id, t.task_type, t.enabled, t.name FROM "
				    "JSON_TABLE(?, '$[*]' COLUMNS (pos FOR ORDINALITY, id BIGINT PATH "
				    "'$')) AS j LEFT JOIN scheduled_tasks t ON t.id = j.id ORDER BY j.pos",
				    err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, ids_json);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while (*n < max && (rc = zq_stmt_fetch(st)) > 0) {
		task_store_ref *r = &refs[(*n)++];
		r->id = zq_stmt_i64(st, 0);
		r->exists = !zq_stmt_isnull(st, 1);
		r->type = zq_task_type_parse(zq_stmt_str(st, 2));
		r->enabled = (int)zq_stmt_i64(st, 3);
		zq_stmt_copy(st, 4, r->name, sizeof(r->name));
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

int task_store_child_workflows(zq_db *db, int64_t wf_id, int64_t *ids, int max, int *n,
			       zq_err *err)
{
	/* PRIMARY KEY prefix of workflow_nodes, then scheduled_tasks PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db,
				    "SELECT w.task_id FROM workflow_nodes w JOIN scheduled_tasks t ON "
				    "t.id = w.task_id WHERE w.workflow_id = ? AND t.task_type = "
				    "'workflow'",
				    err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, wf_id);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while (*n < max && (rc = zq_stmt_fetch(st)) > 0)
		ids[(*n)++] = zq_stmt_i64(st, 0);
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}
