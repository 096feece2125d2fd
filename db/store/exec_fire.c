/* exec_fire.c - SQL for the fire half of task_executions as the scheduler
 * writes them (see exec_store.h): the due tasks with their calendar, the
 * fire rows (fire key = the original slot, scheduled_time = the moved fire,
 * business_date = its local date), next_run_at. Batches are one JSON array
 * bound as a single parameter (json_batch.h), as in exec_store.c. */
#include "exec_store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "json_batch.h"
#include "mem.h"
#include "task.h"
#include "timeutil.h"

/* ---- fire ------------------------------------------------------------- */

static void read_due(zq_stmt *st, exec_due_task *t)
{
	memset(t, 0, sizeof(*t));
	t->id = zq_stmt_i64(st, 0);
	t->type = zq_task_type_parse(zq_stmt_str(st, 1));
	zq_stmt_copy(st, 2, t->cron, sizeof(t->cron));
	t->interval_s = zq_stmt_i64(st, 3);
	t->start_at_ms = zq_stmt_time(st, 4);
	t->run_at_ms = zq_stmt_time(st, 5);
	zq_stmt_copy(st, 6, t->tz, sizeof(t->tz));
	t->enabled = (int)zq_stmt_i64(st, 7);
	t->paused = (int)zq_stmt_i64(st, 8);
	t->max_instances = (int)zq_stmt_i64(st, 9);
	t->grace_s = (int)zq_stmt_i64(st, 10);
	t->coalesce = (int)zq_stmt_i64(st, 11);
	t->next_run_ms = zq_stmt_time(st, 12);
	t->calendar_id = zq_stmt_i64(st, 13);
	t->calendar_rule = ZQ_CAL_RULE_NONE;
	if (t->calendar_id && zq_stmt_str(st, 14))
		t->calendar_rule = zq_cal_rule_parse(zq_stmt_str(st, 14));
	if (t->calendar_id && t->calendar_rule <= 0)
		t->calendar_rule = ZQ_CAL_RULE_ONLY;  /* the default with a calendar */
	zq_stmt_copy(st, 15, t->name, sizeof(t->name));
}

int exec_store_due_tasks(zq_db *db, int64_t now_ms, int limit, exec_due_task *out, int *n,
			 zq_err *err)
{
	/* ix_tasks_next_run: range next_run_at <= now, in index order */
	zq_stmt *st = zq_db_prepare(db,
		"SELECT id, task_type, cron_expression, interval_seconds, start_at, run_at, timezone, "
		"enabled, paused, max_instances, misfire_grace_seconds, coalesce_misfires, next_run_at, "
		"calendar_id, calendar_rule, name FROM scheduled_tasks WHERE next_run_at <= ? ORDER BY next_run_at LIMIT ? "
		"FOR UPDATE SKIP LOCKED", err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_time(st, 0, now_ms);
	zq_stmt_bind_i64(st, 1, limit);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while (*n < limit && (rc = zq_stmt_fetch(st)) > 0)
		read_due(st, &out[(*n)++]);
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

int exec_store_count_active(zq_db *db, int64_t now_ms, exec_due_task *tasks, int n, zq_err *err)
{
	/* ix_exec_task_status: ref on task_id, range on status (forced: the
	 * optimizer may pick uk_exec_fire, which reads a task's whole history) */
	zq_stmt *st;
	int64_t *ids = zq_calloc((size_t)n + 1, sizeof(int64_t));
	char *json;
	int rc;

	for (int i = 0; i < n; i++) {
		ids[i] = tasks[i].id;
		tasks[i].active = 0;
	}
	json = zq_db_ids_json(ids, n);
	free(ids);
	if (!(st = zq_db_prepare(db,
		"SELECT e.task_id, COUNT(*) FROM " ZQ_DB_IDS_TABLE " STRAIGHT_JOIN task_executions e "
		"FORCE INDEX (ix_exec_task_status) "
		"ON e.task_id = j.id AND e.status IN ('pending', 'running') "
		"WHERE e.status = 'running' OR e.not_before <= ? GROUP BY e.task_id", err))) {
		free(json);
		return err->code;
	}
	zq_stmt_bind_str(st, 0, json);
	zq_stmt_bind_time(st, 1, now_ms);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while ((rc = zq_stmt_fetch(st)) > 0) {
		int64_t id = zq_stmt_i64(st, 0);
		for (int i = 0; i < n; i++)
			if (tasks[i].id == id)
				tasks[i].active = (int)zq_stmt_i64(st, 1);
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	free(json);
	return rc;
}

/* [{"k": task_id, "t": scheduled, "f": fire key, "b": business date,
 *   "s": skipped, "r": reason}, ...] */
static char *fires_json(const exec_fire_row *rows, int n)
{
	cJSON *arr = cJSON_CreateArray();

	for (int i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		batch_put_num(o, "k", (double)rows[i].task_id);
		batch_put_time(o, "t", rows[i].scheduled_ms);
		batch_put_time(o, "f", exec_fire_key(&rows[i]));
		if (rows[i].business_day != ZQ_CAL_NO_DAY) {
			char day[11];
			zq_day_format(rows[i].business_day, day);
			batch_put_str(o, "b", day);
		}
		batch_put_num(o, "s", rows[i].skipped);
		batch_put_str(o, "r", rows[i].reason);
		cJSON_AddItemToArray(arr, o);
	}
	return batch_render(arr);
}

#define FIRES_TABLE "JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$.k', " \
	"t DATETIME(3) PATH '$.t', f DATETIME(3) PATH '$.f', b DATE PATH '$.b', s INT PATH '$.s', r TEXT PATH '$.r')) j"

/* sql with (time, fires JSON) bound. */
static int exec_fires(zq_db *db, const char *sql, int64_t ms, const exec_fire_row *rows, int n,
		      zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, sql, err);
	char *json;
	int rc;

	if (!st)
		return err->code;
	json = fires_json(rows, n);
	zq_stmt_bind_time(st, 0, ms);
	zq_stmt_bind_str(st, 1, json);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	free(json);
	return rc;
}

int exec_store_insert_fires(zq_db *db, const exec_fire_row *rows, int n, int64_t now_ms,
			    zq_err *err)
{
	/* uk_exec_fire (task_id, fire_key): a slot that has its row stays as it is */
	return exec_fires(db,
		"INSERT INTO task_executions (task_id, trigger_type, status, scheduled_time, fire_key, "
		"not_before, end_time, error_message, business_date) "
		"SELECT j.k, 'schedule', IF(j.s = 1, 'skipped', 'pending'), j.t, j.f, j.t, "
		"IF(j.s = 1, ?, NULL), j.r, j.b FROM " FIRES_TABLE " ON DUPLICATE KEY UPDATE id = id",
		now_ms, rows, n, err);
}

int exec_store_insert_running(zq_db *db, const exec_fire_row *rows, int n, int64_t node_id,
			      int64_t start_ms, zq_err *err)
{
	/* uk_exec_fire: a slot that has its row fails the statement (see .h).
	 * The node id is a constant of the statement's text: one per daemon. */
	char sql[640];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO task_executions (task_id, trigger_type, status, scheduled_time, "
		 "fire_key, not_before, node_id, start_time, heartbeat_at, business_date) "
		 "SELECT j.k, 'schedule', 'running', j.t, j.f, j.t, %lld, ?, UTC_TIMESTAMP(3), j.b "
		 "FROM " FIRES_TABLE, (long long)node_id);
	return exec_fires(db, sql, start_ms, rows, n, err);
}

int exec_store_advance(zq_db *db, const exec_advance *rows, int n, zq_err *err)
{
	cJSON *arr = cJSON_CreateArray();
	char *json;
	int rc;

	for (int i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		batch_put_num(o, "i", (double)rows[i].task_id);
		batch_put_time(o, "n", rows[i].next_ms);
		batch_put_time(o, "l", rows[i].last_fire_ms);
		cJSON_AddItemToArray(arr, o);
	}
	/* PRIMARY; updated_at is kept: firing is not an edit of the task */
	json = batch_render(arr);
	rc = zq_db_exec_json(db,
		"UPDATE JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$.i', "
		"nx DATETIME(3) PATH '$.n', lf DATETIME(3) PATH '$.l')) j "
		"STRAIGHT_JOIN scheduled_tasks t ON t.id = j.id "
		"SET t.next_run_at = j.nx, t.last_fire_at = COALESCE(j.lf, t.last_fire_at), "
		"t.updated_at = t.updated_at", json, NULL, err);
	free(json);
	return rc;
}

