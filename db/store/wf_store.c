/* wf_store.c - SQL for workflow runs (see wf_store.h). Lists of ids travel
 * as one JSON parameter expanded by JSON_TABLE (json_batch.h), so a
 * statement's text never depends on a list's length. */
#include "wf_store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_batch.h"
#include "mem.h"
#include "task.h"
#include "timeutil.h"

#define ANCESTORS_MAX 64

static int fetch_failed(int rc, zq_err *err)
{
	return rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
}

void wf_store_run_release(wf_store_run *r)
{
	free(r->plan);
	free(r->created_by);
	memset(r, 0, sizeof(*r));
}

void wf_store_children_free(wf_store_child *c, int n)
{
	for (int i = 0; c && i < n; i++)
		free(c[i].error);
	free(c);
}

void wf_store_tasks_free(wf_store_task *t, int n)
{
	for (int i = 0; t && i < n; i++)
		free(t[i].name);
	free(t);
}

/* ---- start ----------------------------------------------------------- */

int wf_store_mark_running(zq_db *db, int64_t exec_id, int64_t start_ms, int total,
			  const char *message, zq_err *err)
{
	/* PRIMARY; no node and no heartbeat: no worker holds a parent, and the
	 * reaper (status, heartbeat_at < ...) never matches a NULL heartbeat */
	zq_stmt *st = zq_db_prepare(db,
		"UPDATE task_executions SET status = 'running', start_time = ?, node_id = NULL, "
		"heartbeat_at = NULL, progress_percent = 0, current_step = 0, total_steps = ?, "
		"progress_message = ? WHERE id = ? AND status = 'pending'", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_time(st, 0, start_ms);
	zq_stmt_bind_i64(st, 1, total);
	zq_stmt_bind_str(st, 2, message);
	zq_stmt_bind_i64(st, 3, exec_id);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	return rc;
}

int wf_store_create(zq_db *db, int64_t exec_id, const char *plan, int64_t deadline_ms,
		    int64_t check_ms, zq_err *err)
{
	/* PRIMARY */
	zq_stmt *st = zq_db_prepare(db,
		"INSERT INTO workflow_runs (execution_id, plan, deadline_at, check_at) "
		"VALUES (?, ?, ?, ?)", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, exec_id);
	zq_stmt_bind_str(st, 1, plan);
	zq_stmt_bind_time(st, 2, deadline_ms);
	zq_stmt_bind_time(st, 3, check_ms);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	return rc;
}

int wf_store_tasks(zq_db *db, const int64_t *ids, int n, wf_store_task **out, int *got,
		   zq_err *err)
{
	/* PRIMARY of scheduled_tasks, probed from the (small) id list */
	zq_stmt *st = zq_db_prepare(db,
		"SELECT t.id, t.task_type, t.enabled, t.name FROM " ZQ_DB_IDS_TABLE " "
		"STRAIGHT_JOIN scheduled_tasks t ON t.id = j.id", err);
	char *json;
	int rc;

	*out = zq_calloc((size_t)n + 1, sizeof(wf_store_task));
	*got = 0;
	if (!st)
		return err->code;
	json = zq_db_ids_json(ids, n);
	zq_stmt_bind_str(st, 0, json);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while (*got < n && (rc = zq_stmt_fetch(st)) > 0) {
		wf_store_task *t = &(*out)[(*got)++];
		t->id = zq_stmt_i64(st, 0);
		t->type = zq_task_type_parse(zq_stmt_str(st, 1));
		t->enabled = (int)zq_stmt_i64(st, 2);
		t->name = zq_stmt_dup(st, 3);
		if (!t->name)
			t->name = zq_strdup("");
	}
	rc = fetch_failed(rc, err);
out:
	zq_stmt_done(st);
	free(json);
	return rc;
}

/* One level up: the parent of execution id and its task (*parent 0: none). */
static int parent_of(zq_db *db, int64_t id, int64_t *parent, int64_t *task_id, zq_err *err)
{
	/* PRIMARY, twice */
	zq_stmt *st = zq_db_prepare(db,
		"SELECT p.id, p.task_id FROM task_executions e "
		"JOIN task_executions p ON p.id = e.parent_execution_id WHERE e.id = ?", err);
	int rc;

	*parent = *task_id = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, id);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	if ((rc = zq_stmt_fetch(st)) > 0) {
		*parent = zq_stmt_i64(st, 0);
		*task_id = zq_stmt_i64(st, 1);
	}
	rc = fetch_failed(rc, err);
out:
	zq_stmt_done(st);
	return rc;
}

int wf_store_ancestors(zq_db *db, int64_t exec_id, int max, int64_t *task_ids, int *n,
		       zq_err *err)
{
	int64_t at = exec_id, parent, task_id;
	int rc = 0;

	*n = 0;
	while (*n < max && *n < ANCESTORS_MAX) {
		if ((rc = parent_of(db, at, &parent, &task_id, err)) < 0 || !parent)
			break;
		task_ids[(*n)++] = task_id;
		at = parent;
	}
	return rc;
}

/* ---- advance ----------------------------------------------------------- */

int wf_store_lock_due(zq_db *db, int64_t now_ms, int limit, int64_t *ids, int *n, zq_err *err)
{
	/* ix_wfruns_check: range check_at <= now, in index order */
	zq_stmt *st = zq_db_prepare(db,
		"SELECT execution_id FROM workflow_runs WHERE check_at <= ? ORDER BY check_at "
		"LIMIT ? FOR UPDATE SKIP LOCKED", err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_time(st, 0, now_ms);
	zq_stmt_bind_i64(st, 1, limit);
	rc = zq_stmt_fetch_ids(st, ids, limit, n, err);
	zq_stmt_done(st);
	return rc;
}

int wf_store_lock_cancelled(zq_db *db, int64_t now_ms, int limit, int64_t *ids, int *n,
			    zq_err *err)
{
	/* ix_wfruns_check: the range of runs still going and not yet due (only
	 * runs in flight have a check_at), then PRIMARY of the parent */
	zq_stmt *st = zq_db_prepare(db,
		"SELECT w.execution_id FROM workflow_runs w "
		"STRAIGHT_JOIN task_executions e ON e.id = w.execution_id "
		"WHERE w.check_at > ? AND e.cancel_requested = 1 LIMIT ? FOR UPDATE SKIP LOCKED", err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_time(st, 0, now_ms);
	zq_stmt_bind_i64(st, 1, limit);
	rc = zq_stmt_fetch_ids(st, ids, limit, n, err);
	zq_stmt_done(st);
	return rc;
}

int wf_store_load(zq_db *db, int64_t exec_id, wf_store_run *out, zq_err *err)
{
	/* PRIMARY of both tables */
	zq_stmt *st = zq_db_prepare(db,
		"SELECT e.id, e.task_id, e.parent_execution_id, e.status, e.cancel_requested, "
		"e.start_time, w.deadline_at, w.plan, e.created_by FROM workflow_runs w "
		"STRAIGHT_JOIN task_executions e ON e.id = w.execution_id WHERE w.execution_id = ?",
		err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, exec_id);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	if ((rc = zq_stmt_fetch(st)) <= 0) {
		rc = rc < 0 ? fetch_failed(rc, err)
			    : zq_errf(err, ZQ_ENOTFOUND, "workflow run %lld not found",
				      (long long)exec_id);
		goto out;
	}
	out->id = zq_stmt_i64(st, 0);
	out->task_id = zq_stmt_i64(st, 1);
	out->parent_id = zq_stmt_i64(st, 2);
	out->status = zq_exec_status_parse(zq_stmt_str(st, 3));
	out->cancel_requested = (int)zq_stmt_i64(st, 4);
	out->start_ms = zq_stmt_time(st, 5);
	out->deadline_ms = zq_stmt_time(st, 6);
	out->plan = zq_stmt_dup(st, 7);
	out->created_by = zq_stmt_dup(st, 8);
	if (!out->plan)
		out->plan = zq_strdup("{}");
	rc = 0;
out:
	zq_stmt_done(st);
	return rc;
}

static void read_child(zq_stmt *st, wf_store_child *c)
{
	free(c->error);
	c->id = zq_stmt_i64(st, 0);
	c->task_id = zq_stmt_i64(st, 1);
	c->retry_count = (int)zq_stmt_i64(st, 2);
	c->status = zq_exec_status_parse(zq_stmt_str(st, 3));
	c->cancel_requested = (int)zq_stmt_i64(st, 4);
	c->error = zq_stmt_dup(st, 5);
}

int wf_store_children(zq_db *db, int64_t parent_id, wf_store_child **out, int *n, zq_err *err)
{
	/* uk_exec_wf_node (parent_execution_id, task_id, retry_count): in index
	 * order, so each node's latest attempt is the last row of its group */
	zq_stmt *st = zq_db_prepare(db,
		"SELECT id, task_id, retry_count, status, cancel_requested, error_message "
		"FROM task_executions WHERE parent_execution_id = ? ORDER BY task_id, retry_count",
		err);
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, parent_id);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while ((rc = zq_stmt_fetch(st)) > 0) {
		int64_t task_id = zq_stmt_i64(st, 1);
		if (*n == 0 || (*out)[*n - 1].task_id != task_id) {
			*out = zq_grow(*out, &cap, (size_t)*n + 1, sizeof(**out));
			memset(&(*out)[(*n)++], 0, sizeof(wf_store_child));
		}
		read_child(st, &(*out)[*n - 1]);
	}
	rc = fetch_failed(rc, err);
out:
	zq_stmt_done(st);
	return rc;
}

static char *start_rows_json(const wf_store_node *rows, int n)
{
	cJSON *arr = cJSON_CreateArray();

	for (int i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "k", (double)rows[i].task_id);
		cJSON_AddNumberToObject(o, "s", rows[i].skip_reason ? 1 : 0);
		cJSON_AddStringToObject(o, "r", rows[i].skip_reason ? rows[i].skip_reason : "");
		cJSON_AddItemToArray(arr, o);
	}
	return batch_render(arr);
}

int wf_store_start(zq_db *db, int64_t parent_id, const wf_store_node *rows, int n,
		   int64_t now_ms, const char *created_by, zq_err *err)
{
	/* uk_exec_wf_node: a node's first attempt (retry_count 0) exists at most
	 * once; a second start of the same node is a no-op */
	zq_stmt *st = zq_db_prepare(db,
		"INSERT INTO task_executions (task_id, parent_execution_id, trigger_type, status, "
		"scheduled_time, not_before, end_time, error_message, created_by, business_date) "
		"SELECT j.k, ?, 'workflow', IF(j.s = 1, 'skipped', 'pending'), ?, ?, "
		"IF(j.s = 1, ?, NULL), IF(j.s = 1, j.r, NULL), ?, "
		"(SELECT p.business_date FROM task_executions p WHERE p.id = ?) "  /* the parent's */
		"FROM JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$.k', s INT PATH '$.s', "
		"r TEXT PATH '$.r')) j ON DUPLICATE KEY UPDATE id = id", err);
	char *json;
	int rc;

	if (!st)
		return err->code;
	json = start_rows_json(rows, n);
	zq_stmt_bind_i64(st, 0, parent_id);
	zq_stmt_bind_time(st, 1, now_ms);
	zq_stmt_bind_time(st, 2, now_ms);
	zq_stmt_bind_time(st, 3, now_ms);
	zq_stmt_bind_str(st, 4, created_by);
	zq_stmt_bind_i64(st, 5, parent_id);
	zq_stmt_bind_str(st, 6, json);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	free(json);
	return rc;
}

int wf_store_cancel_children(zq_db *db, int64_t parent_id, int running, zq_err *err)
{
	/* uk_exec_wf_node prefix (forced: the optimizer may pick ix_exec_claim
	 * for the status test, which walks every pending execution) */
	zq_stmt *st = zq_db_prepare(db,
		"UPDATE task_executions FORCE INDEX (uk_exec_wf_node) SET cancel_requested = 1 "
		"WHERE parent_execution_id = ? "
		"AND cancel_requested = 0 AND (status = 'pending' OR (? = 1 AND status = 'running'))",
		err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, parent_id);
	zq_stmt_bind_i64(st, 1, running ? 1 : 0);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	return rc;
}

int wf_store_queue_nested(zq_db *db, int64_t parent_id, int64_t now_ms, zq_err *err)
{
	/* uk_exec_wf_node prefix, then PRIMARY of workflow_runs */
	zq_stmt *st = zq_db_prepare(db,
		"UPDATE task_executions e STRAIGHT_JOIN workflow_runs w ON w.execution_id = e.id "
		"SET w.check_at = ? WHERE e.parent_execution_id = ? AND w.check_at > ?", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_time(st, 0, now_ms);
	zq_stmt_bind_i64(st, 1, parent_id);
	zq_stmt_bind_time(st, 2, now_ms);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	return rc;
}

int wf_store_set_check(zq_db *db, int64_t exec_id, int64_t check_ms, zq_err *err)
{
	/* PRIMARY */
	zq_stmt *st = zq_db_prepare(db,
		"UPDATE workflow_runs SET check_at = ? WHERE execution_id = ?", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_time(st, 0, check_ms);
	zq_stmt_bind_i64(st, 1, exec_id);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	return rc;
}

int wf_store_queue(zq_db *db, const int64_t *ids, int n, int64_t now_ms, int *queued, zq_err *err)
{
	/* PRIMARY, probed from the id list in id order (daemons queueing the
	 * same runs lock them in the same order); ended runs (NULL) and runs
	 * already due stay as they are */
	zq_stmt *st;
	int64_t *sorted;
	char *json;
	int rc;

	*queued = 0;
	if (n == 0)
		return 0;
	if (!(st = zq_db_prepare(db,
		"UPDATE " ZQ_DB_IDS_TABLE " STRAIGHT_JOIN workflow_runs w ON w.execution_id = j.id "
		"SET w.check_at = ? WHERE w.check_at > ?", err)))
		return err->code;
	sorted = zq_calloc((size_t)n, sizeof(int64_t));
	memcpy(sorted, ids, (size_t)n * sizeof(int64_t));
	json = zq_db_ids_json(sorted, zq_db_ids_sort_unique(sorted, n));
	zq_stmt_bind_str(st, 0, json);
	zq_stmt_bind_time(st, 1, now_ms);
	zq_stmt_bind_time(st, 2, now_ms);
	if ((rc = zq_stmt_exec(st, err)) == 0)
		*queued = (int)zq_stmt_affected(st);
	zq_stmt_done(st);
	free(json);
	free(sorted);
	return rc;
}
