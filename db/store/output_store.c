/* output_store.c - SQL for what a running execution reports: its progress
 * columns of task_executions, execution_steps and execution_output; the
 * scheduler's writes (exec_store.h) and the API's reads (output_store.h). */
#include "output_store.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "exec_store.h"
#include "json_batch.h"
#include "mem.h"

int exec_store_progress(zq_db *db, int64_t id, int percent, int current, int total,
			const char *message, zq_err *err)
{
	/* PRIMARY */
	zq_stmt *st = zq_db_prepare(db,
		"UPDATE task_executions SET progress_percent = COALESCE(?, progress_percent), "
		"current_step = COALESCE(?, current_step), total_steps = COALESCE(?, total_steps), "
		"progress_message = COALESCE(?, progress_message) WHERE id = ? AND status = 'running'",
		err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_nonneg(st, 0, percent);
	zq_stmt_bind_nonneg(st, 1, current);
	zq_stmt_bind_nonneg(st, 2, total);
	zq_stmt_bind_str(st, 3, message);
	zq_stmt_bind_i64(st, 4, id);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	return rc;
}

static const char *const step_status_names[] = {"running", "completed", "failed"};

int exec_store_put_steps(zq_db *db, const exec_step *steps, int n, zq_err *err)
{
	cJSON *arr = cJSON_CreateArray();
	char *json;
	int rc;

	for (int i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		int s = steps[i].status;
		batch_put_num(o, "e", (double)steps[i].exec_id);
		batch_put_num(o, "s", steps[i].step);
		batch_put_str(o, "st", step_status_names[s >= 0 && s <= 2 ? s : 0]);
		batch_put_str(o, "m", steps[i].message);
		batch_put_time(o, "at", steps[i].at_ms);
		cJSON_AddItemToArray(arr, o);
	}
	/* PRIMARY (execution_id, step) */
	json = batch_render(arr);
	rc = zq_db_exec_json(db,
		"INSERT INTO execution_steps (execution_id, step, status, message, at) "
		"SELECT j.e, j.s, j.st, j.m, j.at FROM JSON_TABLE(?, '$[*]' COLUMNS ("
		"e BIGINT PATH '$.e', s INT PATH '$.s', st VARCHAR(16) PATH '$.st', "
		"m VARCHAR(1024) PATH '$.m', at DATETIME(3) PATH '$.at')) j "
		"ON DUPLICATE KEY UPDATE status = VALUES(status), message = COALESCE(VALUES(message), message), "
		"at = VALUES(at)", json, NULL, err);
	free(json);
	return rc;
}

int exec_store_put_output(zq_db *db, const exec_output *o, zq_err *err)
{
	/* PRIMARY */
	zq_stmt *st = zq_db_prepare(db,
		"INSERT INTO execution_output (execution_id, stdout_tail, stderr_tail, stdout_bytes, "
		"stderr_bytes, exit_code, term_signal) VALUES (?, ?, ?, ?, ?, ?, ?) "
		"ON DUPLICATE KEY UPDATE stdout_tail = VALUES(stdout_tail), "
		"stderr_tail = VALUES(stderr_tail), stdout_bytes = VALUES(stdout_bytes), "
		"stderr_bytes = VALUES(stderr_bytes), exit_code = VALUES(exit_code), "
		"term_signal = VALUES(term_signal)", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, o->exec_id);
	zq_stmt_bind_strn(st, 1, o->stdout_tail, o->stdout_len);
	zq_stmt_bind_strn(st, 2, o->stderr_tail, o->stderr_len);
	zq_stmt_bind_i64(st, 3, o->stdout_bytes);
	zq_stmt_bind_i64(st, 4, o->stderr_bytes);
	zq_stmt_bind_nonneg(st, 5, o->exit_code);
	if (o->term_signal > 0)
		zq_stmt_bind_i64(st, 6, o->term_signal);
	else
		zq_stmt_bind_null(st, 6);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	return rc;
}

int history_store_steps(zq_db *db, int64_t exec_id, int max, hist_step **steps, int *n,
			zq_err *err)
{
	/* PRIMARY KEY (execution_id, step) */
	zq_stmt *st = zq_db_prepare(db, "SELECT step, status, message, at FROM execution_steps "
				    "WHERE execution_id = ? ORDER BY step LIMIT ?", err);
	int rc, cap;

	*steps = NULL;
	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, exec_id);
	zq_stmt_bind_i64(st, 1, max);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	cap = zq_stmt_num_rows(st);
	*steps = zq_calloc((size_t)cap + 1, sizeof(hist_step));
	while (*n < cap && (rc = zq_stmt_fetch(st)) > 0) {
		hist_step *p = &(*steps)[(*n)++];
		p->step = (int)zq_stmt_i64(st, 0);
		zq_stmt_copy(st, 1, p->status, sizeof(p->status));
		p->message = zq_stmt_dup(st, 2);
		p->at_ms = zq_stmt_time(st, 3);
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

void hist_steps_free(hist_step *steps, int n)
{
	for (int i = 0; steps && i < n; i++)
		free(steps[i].message);
	free(steps);
}

int history_store_output(zq_db *db, int64_t exec_id, hist_output *o, zq_err *err)
{
	/* PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db,
				    "SELECT stdout_tail, stderr_tail, stdout_bytes, stderr_bytes, "
				    "exit_code, term_signal FROM execution_output WHERE execution_id = ?",
				    err);
	int rc;

	memset(o, 0, sizeof(*o));
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, exec_id);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	if ((rc = zq_stmt_fetch(st)) > 0) {
		o->found = 1;
		o->stdout_tail = zq_stmt_dup(st, 0);
		o->stdout_len = zq_stmt_len(st, 0);
		o->stderr_tail = zq_stmt_dup(st, 1);
		o->stderr_len = zq_stmt_len(st, 1);
		o->stdout_bytes = zq_stmt_i64(st, 2);
		o->stderr_bytes = zq_stmt_i64(st, 3);
		o->has_exit_code = !zq_stmt_isnull(st, 4);
		o->exit_code = (int)zq_stmt_i64(st, 4);
		o->has_term_signal = !zq_stmt_isnull(st, 5);
		o->term_signal = (int)zq_stmt_i64(st, 5);
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

void hist_output_release(hist_output *o)
{
	free(o->stdout_tail);
	free(o->stderr_tail);
	memset(o, 0, sizeof(*o));
}
