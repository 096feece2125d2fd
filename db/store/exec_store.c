/* exec_store.c - SQL for task_executions as the scheduler writes them (see
 * exec_store.h): fire, claim, run, finish, retry, reap, purge. Its
 * progress, steps and output writes are output_store.c.
 *
 * Batches are one JSON array bound as a single parameter and expanded by
 * JSON_TABLE (json_batch.h): the statement text is fixed, so it is
 * prepared once per connection, and a batch of any size is one round trip. */
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

/* JSON_TABLE over an array of ids: [1, 2, 3]. Joins put it first with
 * STRAIGHT_JOIN: the optimizer cannot see how few rows it has and would
 * otherwise scan a small table and probe the JSON (EXPLAIN showed it). */

/* ---- claim ------------------------------------------------------------ */

int exec_store_claim_ids(zq_db *db, int64_t upto_ms, int limit, int64_t *ids, int64_t *not_before,
			 int *n, zq_err *err)
{
	/* ix_exec_claim (status, not_before): pending and due, oldest first */
	zq_stmt *st = zq_db_prepare(db,
		"SELECT id, not_before FROM task_executions "
		"WHERE status = 'pending' AND not_before <= ? ORDER BY not_before LIMIT ? "
		"FOR UPDATE SKIP LOCKED", err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_time(st, 0, upto_ms);
	zq_stmt_bind_i64(st, 1, limit);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while (*n < limit && (rc = zq_stmt_fetch(st)) > 0) {
		ids[*n] = zq_stmt_i64(st, 0);
		if (not_before)
			not_before[*n] = zq_stmt_time(st, 1);
		(*n)++;
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

int exec_store_mark_running(zq_db *db, const int64_t *ids, int n, int64_t node_id, int64_t start_ms,
			    zq_err *err)
{
	/* PRIMARY */
	zq_stmt *st = zq_db_prepare(db,
		"UPDATE " ZQ_DB_IDS_TABLE " STRAIGHT_JOIN task_executions e ON e.id = j.id "
		"SET e.status = 'running', e.node_id = ?, e.start_time = ?, "
		"e.heartbeat_at = UTC_TIMESTAMP(3) WHERE e.status = 'pending'", err);
	char *json;
	int rc;

	if (!st)
		return err->code;
	json = zq_db_ids_json(ids, n);
	zq_stmt_bind_str(st, 0, json);
	zq_stmt_bind_i64(st, 1, node_id);
	zq_stmt_bind_time(st, 2, start_ms);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	free(json);
	return rc;
}

void exec_job_release(exec_job *j)
{
	free(j->config_override);
	free(j->params);
	free(j->created_by);
	free(j->task_name);
	free(j->task_config);
	memset(j, 0, sizeof(*j));
}

static void read_job(zq_stmt *st, exec_job *j)
{
	memset(j, 0, sizeof(*j));
	j->id = zq_stmt_i64(st, 0);
	j->task_id = zq_stmt_i64(st, 1);
	j->parent_id = zq_stmt_i64(st, 2);
	j->trigger = zq_trigger_parse(zq_stmt_str(st, 3));
	j->status = zq_exec_status_parse(zq_stmt_str(st, 4));
	j->retry_count = (int)zq_stmt_i64(st, 5);
	j->cancel_requested = (int)zq_stmt_i64(st, 6);
	j->scheduled_ms = zq_stmt_time(st, 7);
	j->start_ms = zq_stmt_time(st, 8);
	j->node_id = zq_stmt_i64(st, 9);
	j->config_override = zq_stmt_dup(st, 10);
	j->created_by = zq_stmt_dup(st, 11);
	j->task_type = zq_task_type_parse(zq_stmt_str(st, 12));
	j->task_name = zq_stmt_dup(st, 13);
	j->task_config = zq_stmt_dup(st, 14);
	if (!j->task_config)
		j->task_config = zq_strdup("{}");
	j->timeout_s = (int)zq_stmt_i64(st, 15);
	j->max_retries = (int)zq_stmt_i64(st, 16);
	j->retry_interval_s = (int)zq_stmt_i64(st, 17);
	j->params = zq_stmt_dup(st, 18);
	j->business_day = zq_stmt_isnull(st, 19) ? ZQ_CAL_NO_DAY : (int32_t)zq_stmt_i64(st, 19);
	j->calendar_id = zq_stmt_i64(st, 20);
	j->prev_day = j->next_day = ZQ_CAL_NO_DAY;
}

#define JOB_COLUMNS                                                                          \
	"SELECT e.id, e.task_id, e.parent_execution_id, e.trigger_type, e.status, "            \
	"e.retry_count, e.cancel_requested, e.scheduled_time, e.start_time, e.node_id, "       \
	"e.config_override, e.created_by, t.task_type, t.name, t.config, t.timeout_seconds, " \
	"t.max_retries, t.retry_interval, e.params, "                                        \
	"DATEDIFF(e.business_date, '1970-01-01'), t.calendar_id FROM "

/* Run sql (JOB_COLUMNS ... with one JSON parameter) and read up to n jobs. */
static int fetch_jobs(zq_db *db, const char *sql, const char *json, int n, exec_job *out,
		      int *got, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, sql, err);
	int rc;

	*got = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, json);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while (*got < n && (rc = zq_stmt_fetch(st)) > 0)
		read_job(st, &out[(*got)++]);
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

int exec_store_load_jobs(zq_db *db, const int64_t *ids, int n, exec_job *out, int *got,
			 zq_err *err)
{
	/* PRIMARY of both tables */
	char *json = zq_db_ids_json(ids, n);
	int rc = fetch_jobs(db, JOB_COLUMNS ZQ_DB_IDS_TABLE " "
			    "STRAIGHT_JOIN task_executions e ON e.id = j.id "
			    "STRAIGHT_JOIN scheduled_tasks t ON t.id = e.task_id", json, n, out, got, err);

	free(json);
	return rc;
}

/* [{"k": task_id, "f": fire key}, ...] */
static char *keys_json(const exec_fire_row *rows, int n)
{
	cJSON *arr = cJSON_CreateArray();

	for (int i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		batch_put_num(o, "k", (double)rows[i].task_id);
		batch_put_time(o, "f", exec_fire_key(&rows[i]));
		cJSON_AddItemToArray(arr, o);
	}
	return batch_render(arr);
}

int exec_store_load_fired(zq_db *db, const exec_fire_row *rows, int n, exec_job *out, int *got,
			  zq_err *err)
{
	/* uk_exec_fire (task_id, fire_key), then PRIMARY of scheduled_tasks */
	char *json = keys_json(rows, n);
	int rc = fetch_jobs(db, JOB_COLUMNS "JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$.k', "
			    "f DATETIME(3) PATH '$.f')) j "
			    "STRAIGHT_JOIN task_executions e FORCE INDEX (uk_exec_fire) "
			    "ON e.task_id = j.k AND e.fire_key = j.f "
			    "STRAIGHT_JOIN scheduled_tasks t ON t.id = e.task_id", json, n, out, got, err);

	free(json);
	return rc;
}

/* ---- while running ---------------------------------------------------- */

int exec_store_heartbeat(zq_db *db, int64_t node_id, const int64_t *ids, int n, int *renewed,
			 zq_err *err)
{
	/* PRIMARY; only the executions this node is really running, so one it
	 * lost track of goes stale and is reaped */
	zq_stmt *st;
	char *json;
	int rc;

	*renewed = 0;
	if (n == 0)
		return 0;
	if (!(st = zq_db_prepare(db,
		"UPDATE " ZQ_DB_IDS_TABLE " STRAIGHT_JOIN task_executions e ON e.id = j.id "
		"SET e.heartbeat_at = UTC_TIMESTAMP(3) WHERE e.node_id = ? AND e.status = 'running'",
		err)))
		return err->code;
	json = zq_db_ids_json(ids, n);
	zq_stmt_bind_str(st, 0, json);
	zq_stmt_bind_i64(st, 1, node_id);
	if ((rc = zq_stmt_exec(st, err)) == 0)
		*renewed = (int)zq_stmt_affected(st);  /* matched rows (CLIENT_FOUND_ROWS) */
	zq_stmt_done(st);
	free(json);
	return rc;
}

/* Which of ids[0..n) are running on node_id: the rows of sql (an id list
 * joined to PRIMARY, bound as (ids json, node_id)). */
static int running_on(zq_db *db, const char *sql, int64_t node_id, const int64_t *ids, int n,
		      int64_t *out, int *nout, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, sql, err);
	char *json;
	int rc;

	*nout = 0;
	if (!st)
		return err->code;
	json = zq_db_ids_json(ids, n);
	zq_stmt_bind_str(st, 0, json);
	zq_stmt_bind_i64(st, 1, node_id);
	rc = zq_stmt_fetch_ids(st, out, n, nout, err);
	zq_stmt_done(st);
	free(json);
	return rc;
}

#define RUNNING_ON_SQL                                                                   \
	"SELECT e.id FROM " ZQ_DB_IDS_TABLE " STRAIGHT_JOIN task_executions e ON e.id = j.id " \
	"WHERE e.status = 'running' AND e.node_id = ?"

int exec_store_still_running(zq_db *db, int64_t node_id, const int64_t *ids, int n, int64_t *out,
			     int *nout, zq_err *err)
{
	/* PRIMARY */
	return running_on(db, RUNNING_ON_SQL, node_id, ids, n, out, nout, err);
}

int exec_store_cancelled_running(zq_db *db, int64_t node_id, int64_t *ids, int max, int *n,
				 zq_err *err)
{
	/* ix_exec_claim (status prefix: the few running rows), filtered on node_id */
	return zq_db_query_ids(db, "SELECT id FROM task_executions WHERE node_id = ? AND status = "
			       "'running' AND cancel_requested = 1", node_id, ids, max, n, err);
}

/* ---- finish ----------------------------------------------------------- */

int exec_store_set_process(zq_db *db, int64_t id, int64_t node_id, const exec_process *p,
			   zq_err *err)
{
	/* PRIMARY; only while it is this node's running row */
	zq_stmt *st = zq_db_prepare(db,
		"UPDATE task_executions SET proc_host = ?, proc_boot = ?, proc_pid = ?, "
		"proc_start = ?, proc_pgid = ?, proc_cgroup = ? "
		"WHERE id = ? AND node_id = ? AND status = 'running'", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, p->host);
	zq_stmt_bind_str(st, 1, p->boot);
	zq_stmt_bind_i64(st, 2, p->pid);
	zq_stmt_bind_nonneg(st, 3, p->start);
	zq_stmt_bind_i64(st, 4, p->pgid);
	zq_stmt_bind_str(st, 5, p->cgroup);
	zq_stmt_bind_i64(st, 6, id);
	zq_stmt_bind_i64(st, 7, node_id);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	return rc;
}

int exec_store_lock_owned(zq_db *db, int64_t node_id, const int64_t *ids, int n, int64_t *owned,
			  int *nowned, zq_err *err)
{
	/* PRIMARY */
	return running_on(db, RUNNING_ON_SQL " FOR UPDATE", node_id, ids, n, owned, nowned, err);
}

int exec_store_finish(zq_db *db, const exec_final *rows, int n, zq_err *err)
{
	cJSON *arr = cJSON_CreateArray();
	char *json;
	int rc;

	for (int i = 0; i < n; i++) {
		const exec_final *f = &rows[i];
		cJSON *o = cJSON_CreateObject();
		batch_put_num(o, "i", (double)f->id);
		batch_put_str(o, "s", zq_exec_status_name(f->status));
		batch_put_time(o, "e", f->end_ms);
		batch_put_num_or_null(o, "d", f->duration_ms, f->duration_ms < 0);
		batch_put_str(o, "r", f->result);
		batch_put_str(o, "x", f->error);
		batch_put_num_or_null(o, "p", f->percent, f->percent < 0);
		batch_put_num_or_null(o, "c", f->current, f->current < 0);
		batch_put_num_or_null(o, "t", f->total, f->total < 0);
		batch_put_str(o, "m", f->message);
		cJSON_AddItemToArray(arr, o);
	}
	/* PRIMARY */
	json = batch_render(arr);
	rc = zq_db_exec_json(db,
		"UPDATE JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$.i', "
		"st VARCHAR(16) PATH '$.s', en DATETIME(3) PATH '$.e', du BIGINT PATH '$.d', "
		"res LONGTEXT PATH '$.r', er TEXT PATH '$.x', pc INT PATH '$.p', cs INT PATH '$.c', "
		"ts INT PATH '$.t', pm VARCHAR(1024) PATH '$.m')) j "
		"STRAIGHT_JOIN task_executions e ON e.id = j.id "
		"SET e.status = j.st, e.end_time = j.en, e.duration_ms = j.du, e.result = j.res, "
		"e.error_message = j.er, e.progress_percent = COALESCE(j.pc, e.progress_percent), "
		"e.current_step = COALESCE(j.cs, e.current_step), "
		"e.total_steps = COALESCE(j.ts, e.total_steps), "
		"e.progress_message = COALESCE(j.pm, e.progress_message)", json, NULL, err);
	free(json);
	return rc;
}

int exec_store_insert_retries(zq_db *db, const exec_retry *rows, int n, zq_err *err)
{
	cJSON *arr = cJSON_CreateArray();
	char *json;
	int rc;

	for (int i = 0; i < n; i++) {
		const exec_retry *r = &rows[i];
		cJSON *o = cJSON_CreateObject();
		batch_put_num(o, "k", (double)r->task_id);
		batch_put_num_or_null(o, "p", r->parent_id, r->parent_id == 0);
		batch_put_num(o, "f", (double)r->from_id);
		batch_put_str(o, "tr", zq_trigger_name(r->trigger));
		batch_put_time(o, "nb", r->not_before_ms);
		batch_put_num(o, "rc", r->retry_count);
		batch_put_str(o, "co", r->config_override);
		batch_put_str(o, "pa", r->params);
		batch_put_str(o, "cb", r->created_by);
		if (r->business_day != ZQ_CAL_NO_DAY) {
			char day[11];
			zq_day_format(r->business_day, day);
			batch_put_str(o, "bd", day);
		}
		cJSON_AddItemToArray(arr, o);
	}
	/* no index to check: new rows (fire_key NULL never collides) */
	json = batch_render(arr);
	rc = zq_db_exec_json(db,
		"INSERT INTO task_executions (task_id, parent_execution_id, trigger_type, status, "
		"scheduled_time, not_before, retry_count, config_override, params, created_by, "
		"business_date, backfill_id) SELECT j.k, j.p, j.tr, 'pending', j.nb, j.nb, j.rc, j.co, "
		"j.pa, j.cb, j.bd, o.backfill_id "
		"FROM JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$.k', p BIGINT PATH '$.p', "
		"f BIGINT PATH '$.f', "
		"tr VARCHAR(16) PATH '$.tr', nb DATETIME(3) PATH '$.nb', rc INT PATH '$.rc', "
		"co LONGTEXT PATH '$.co', pa LONGTEXT PATH '$.pa', cb VARCHAR(64) PATH '$.cb', "
		"bd DATE PATH '$.bd')) j "
		/* PRIMARY KEY: a backfill's retry is the same date's run (backfill_store.h) */
		"LEFT JOIN task_executions o ON o.id = j.f", json, NULL, err);
	free(json);
	return rc;
}

/* ---- liveness and housekeeping ----------------------------------------- */

int exec_store_stale(zq_db *db, int lease_s, int limit, int64_t *ids, int *n, zq_err *err)
{
	/* ix_exec_claim (status prefix: the few running rows; 140 dropped
	 * ix_exec_heartbeat), filtered and sorted; the database clock is the
	 * one clock every daemon agrees on */
	zq_stmt *st = zq_db_prepare(db,
		"SELECT id FROM task_executions WHERE status = 'running' "
		"AND heartbeat_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND "
		"ORDER BY heartbeat_at LIMIT ? FOR UPDATE SKIP LOCKED", err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, lease_s);
	zq_stmt_bind_i64(st, 1, limit);
	rc = zq_stmt_fetch_ids(st, ids, limit, n, err);
	zq_stmt_done(st);
	return rc;
}

int exec_store_stale_on_host(zq_db *db, int lease_s, int limit, const char *host, int64_t *ids,
			     exec_process *procs, char (*cgroups)[512], int *n, zq_err *err)
{
	/* ix_exec_claim, the same running rows as exec_store_stale, filtered
	 * on the host */
	zq_stmt *st = zq_db_prepare(db,
		"SELECT id, proc_boot, proc_pid, proc_start, proc_pgid, proc_cgroup "
		"FROM task_executions WHERE status = 'running' "
		"AND heartbeat_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND AND proc_host = ? "
		"ORDER BY heartbeat_at LIMIT ? FOR UPDATE SKIP LOCKED", err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, lease_s);
	zq_stmt_bind_str(st, 1, host);
	zq_stmt_bind_i64(st, 2, limit);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while (*n < limit && (rc = zq_stmt_fetch(st)) > 0) {
		exec_process *p = &procs[*n];
		memset(p, 0, sizeof(*p));
		ids[*n] = zq_stmt_i64(st, 0);
		zq_strlcpy(p->host, host, sizeof(p->host));
		zq_stmt_copy(st, 1, p->boot, sizeof(p->boot));
		p->pid = (int)zq_stmt_i64(st, 2);
		p->start = zq_stmt_isnull(st, 3) ? -1 : zq_stmt_i64(st, 3);
		p->pgid = (int)zq_stmt_i64(st, 4);
		zq_stmt_copy(st, 5, cgroups[*n], sizeof(cgroups[*n]));
		p->cgroup = cgroups[*n];
		(*n)++;
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

int exec_store_hold(zq_db *db, const int64_t *ids, int n, zq_err *err)
{
	char *json;
	int rc;

	/* PRIMARY, probed from the id list */
	if (n == 0)
		return 0;
	json = zq_db_ids_json(ids, n);
	rc = zq_db_exec_json(db, "UPDATE " ZQ_DB_IDS_TABLE " STRAIGHT_JOIN task_executions e "
			  "ON e.id = j.id SET e.heartbeat_at = UTC_TIMESTAMP(3) "
			  "WHERE e.status = 'running'", json, NULL, err);
	free(json);
	return rc;
}

int exec_store_pending_cancelled(zq_db *db, int limit, int64_t *ids, int *n, zq_err *err)
{
	/* ix_exec_claim: the pending range, filtered on cancel_requested */
	zq_stmt *st = zq_db_prepare(db,
		"SELECT id FROM task_executions WHERE status = 'pending' AND cancel_requested = 1 "
		"LIMIT ? FOR UPDATE SKIP LOCKED", err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, limit);
	rc = zq_stmt_fetch_ids(st, ids, limit, n, err);
	zq_stmt_done(st);
	return rc;
}

int exec_store_next_due(zq_db *db, int64_t *task_ms, int64_t *pending_ms, zq_err *err)
{
	/* both answered from the first entry of an index: ix_tasks_next_run,
	 * ix_exec_claim */
	zq_stmt *st = zq_db_prepare(db,
		"SELECT (SELECT MIN(next_run_at) FROM scheduled_tasks), "
		"(SELECT MIN(not_before) FROM task_executions WHERE status = 'pending')", err);
	int rc;

	*task_ms = *pending_ms = ZQ_TIME_NONE;
	if (!st)
		return err->code;
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	if ((rc = zq_stmt_fetch(st)) > 0) {
		*task_ms = zq_stmt_time(st, 0);
		*pending_ms = zq_stmt_time(st, 1);
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

int exec_store_purge_pick(zq_db *db, int64_t before_ms, exec_purge_cursor *cur, int limit,
			  int64_t *ids, int64_t *task_ids, int *n, zq_err *err)
{
	/* ix_exec_created, a range from the cursor (created_at, then the
	 * implicit id): the entries of the batches before, delete-marked
	 * until InnoDB purges them, are never read again */
	zq_stmt *st = zq_db_prepare(db,
		"SELECT id, task_id, created_at FROM task_executions FORCE INDEX (ix_exec_created) "
		"WHERE created_at < ? AND (created_at > ? OR (created_at = ? AND id > ?)) AND status IN "
		"('success', 'failed', 'completed', 'terminated', 'skipped') "
		"ORDER BY created_at, id LIMIT ? FOR UPDATE SKIP LOCKED", err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_time(st, 0, before_ms);
	zq_stmt_bind_time(st, 1, cur->created_ms);
	zq_stmt_bind_time(st, 2, cur->created_ms);
	zq_stmt_bind_i64(st, 3, cur->id);
	zq_stmt_bind_i64(st, 4, limit);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while (*n < limit && (rc = zq_stmt_fetch(st)) > 0) {
		ids[*n] = zq_stmt_i64(st, 0);
		task_ids[(*n)++] = zq_stmt_i64(st, 1);
		cur->created_ms = zq_stmt_time(st, 2);
		cur->id = ids[*n - 1];
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

int exec_store_delete(zq_db *db, const int64_t *ids, int n, zq_err *err)
{
	char *json;
	int rc;

	/* PRIMARY, probed from the id list; steps, output and workflow run
	 * rows go by ON DELETE CASCADE */
	if (n == 0)
		return 0;
	json = zq_db_ids_json(ids, n);
	rc = zq_db_exec_json(db, "DELETE e FROM " ZQ_DB_IDS_TABLE " STRAIGHT_JOIN task_executions e "
			  "ON e.id = j.id", json, NULL, err);
	free(json);
	return rc;
}
