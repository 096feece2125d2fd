/* task_store.c - SQL for scheduled_tasks. */
#include "task_store.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
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
	uint64_t n = 0;
	int rc = zq_db_exec_id(db, "DELETE FROM scheduled_tasks WHERE id = ?", id, &n, err);

	if (rc == 0 && n == 0)
		rc = zq_errf(err, ZQ_ENOTFOUND, "task %lld not found", (long long)id);
	return rc;
}

/* ---- listings ------------------------------------------------------------ */

/* Design: round trips to the server are what a request pays for most, and
 * dives into each task's history what the server pays for most, so what a
 * task's executions say is kept in task_run_state (run_state_store.h:
 * recomputed by every transaction that changes executions) and joined by
 * PRIMARY KEY. One task is one statement (read together with the token);
 * a page of tasks is one statement over scheduled_tasks (no derived table:
 * with TEXT columns MariaDB would materialise it on disk) with its count
 * as an uncorrelated subquery, whatever the page size. A task without a
 * state row has no executions. */

/* FORCE INDEX on the small joined tables (here and for workflow_nodes
 * below): right after they were filled, or while workflow_nodes is empty,
 * the optimizer takes a scan with a join buffer as cheaper, which loses the
 * PRIMARY KEY order, so the page is sorted in an on-disk temporary table
 * (TEXT columns): measured on a fresh bench stack, a tenth of the list
 * requests took that plan, at twice the server time. */
#define STATE_JOIN " LEFT JOIN task_run_state s FORCE INDEX (PRIMARY) ON s.task_id = t.id"
#define STATE_COLUMNS \
	"s.latest_execution_id, s.latest_status, s.latest_time, s.active, s.last_finished_status"
#define ROW_COLUMNS TASK_STORE_COLUMNS_T ", " STATE_COLUMNS
#define ROW_NCOLS (TASK_STORE_NCOLS + 5)
#define ONE_SELECT "SELECT " ROW_COLUMNS " FROM scheduled_tasks t" STATE_JOIN " WHERE t.id = ?"
/* The same, read with the request's token (uk_tokens_hash): one round trip. */
#define ONE_WITH_TOKEN                                                                   \
	"SELECT " TOKEN_STORE_COLUMNS ", " ROW_COLUMNS " FROM " TOKEN_STORE_FROM " LEFT JOIN " \
	"scheduled_tasks t ON t.id = ?" STATE_JOIN " WHERE k.token_hash = ?"
/* task_store_schedule_status in SQL, for the status filter. */
#define STATUS_EXPR                                                                           \
	"(CASE WHEN t.enabled = 0 THEN 'disabled' WHEN t.paused = 1 THEN 'paused' WHEN "      \
	"s.active > 0 THEN 'running' WHEN s.last_finished_status = 'success' THEN 'success' " \
	"WHEN s.last_finished_status IS NOT NULL THEN 'failed' ELSE 'pending' END)"

static const char *const status_names[] = {"disabled", "paused", "running", "failed", "success",
					   "pending", NULL};

const char *task_store_schedule_status(const task_store_row *r)
{
	if (!r->t.enabled)
		return "disabled";
	if (r->t.paused)
		return "paused";
	if (r->active)
		return "running";
	if (r->finished_status == ZQ_EXEC_SUCCESS)
		return "success";
	if (r->finished_status >= 0)
		return "failed";
	return "pending";
}

int task_store_status_valid(const char *s)
{
	for (int i = 0; status_names[i]; i++)
		if (strcmp(s, status_names[i]) == 0)
			return 1;
	return 0;
}

static void row_init(task_store_row *r)
{
	memset(r, 0, sizeof(*r));
	zq_task_init(&r->t);
	r->latest_status = -1;
	r->finished_status = -1;
	r->latest_time_ms = ZQ_TIME_NONE;
}

void task_store_row_release(task_store_row *r)
{
	zq_task_release(&r->t);
}

void task_store_rows_free(task_store_row *rows, int n)
{
	for (int i = 0; rows && i < n; i++)
		task_store_row_release(&rows[i]);
	free(rows);
}

/* A workflow's node count: the entries of its config's "tasks", the tasks
 * its workflow_nodes rows list (zq-api derives them from this config on
 * every save). Counted here rather than by a subquery in the statement:
 * the server optimises a subquery anew on every execute, which cost GET
 * one task a fifth of its database time. */
static int config_nodes(const char *config)
{
	cJSON *o = config ? cJSON_Parse(config) : NULL;
	const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(o, "tasks");
	int n = cJSON_IsArray(tasks) ? cJSON_GetArraySize(tasks) : 0;

	cJSON_Delete(o);
	return n;
}

/* ROW_COLUMNS from column c0 on. */
static void row_read(zq_stmt *st, int c0, task_store_row *r)
{
	int c = c0 + TASK_STORE_NCOLS;

	task_store_read(st, c0, &r->t);
	r->node_count = r->t.type == ZQ_TASK_WORKFLOW ? config_nodes(r->t.config) : 0;
	r->latest_id = zq_stmt_i64(st, c);
	r->latest_status = zq_exec_status_parse(zq_stmt_str(st, c + 1));
	r->latest_time_ms = zq_stmt_time(st, c + 2);
	r->active = zq_stmt_i64(st, c + 3) > 0;
	r->finished_status = zq_exec_status_parse(zq_stmt_str(st, c + 4));
}

/* FROM and WHERE for f over alias a ("t", or "c" for the count inside the
 * page statement, which has no status filter; "t" joins the state rows);
 * list_bind binds the parameters in the same order. Sub-tasks are hidden
 * by an anti-join (ix_wfnodes_task; the server stops at the first node
 * row) rather than NOT EXISTS, which it runs as a subquery per row:
 * measured 0.1 ms less per page. */
static void list_from_where(zq_buf *sql, const task_store_filter *f, const char *a)
{
	int t = strcmp(a, "t") == 0;

	zq_buf_printf(sql, " FROM scheduled_tasks %s", a);
	if (!f->include_subtasks)
		zq_buf_printf(sql, " LEFT JOIN workflow_nodes %s_wn FORCE INDEX (ix_wfnodes_task) ON "
				   "%s_wn.task_id = %s.id", a, a, a);
	if (t)
		zq_buf_puts(sql, STATE_JOIN);
	zq_buf_puts(sql, " WHERE 1 = 1");
	if (f->type >= 0)
		zq_buf_printf(sql, " AND %s.task_type = ?", a);  /* ix_tasks_type */
	if (f->enabled >= 0)
		zq_buf_printf(sql, " AND %s.enabled = ?", a);
	if (f->name)
		zq_buf_printf(sql, " AND %s.name LIKE ? ESCAPE '!'", a);
	if (!f->include_subtasks)
		zq_buf_printf(sql, " AND %s_wn.task_id IS NULL", a);
	if (f->status && t)
		zq_buf_puts(sql, " AND " STATUS_EXPR " = ?");
}

static int list_bind(zq_stmt *st, int i, const task_store_filter *f, const char *like)
{
	if (f->type >= 0)
		zq_stmt_bind_str(st, i++, zq_task_type_name(f->type));
	if (f->enabled >= 0)
		zq_stmt_bind_i64(st, i++, f->enabled ? 1 : 0);
	if (f->name)
		zq_stmt_bind_str(st, i++, like);
	if (f->status)
		zq_stmt_bind_str(st, i++, f->status);
	return i;
}

/* "%" + s with ! % _ escaped by '!' + "%" */
static char *like_pattern(const char *s)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);

	zq_buf_putc(&b, '%');
	for (; s && *s; s++) {
		if (*s == '!' || *s == '%' || *s == '_')
			zq_buf_putc(&b, '!');
		zq_buf_putc(&b, *s);
	}
	zq_buf_putc(&b, '%');
	return zq_buf_detach(&b, NULL);
}

static int list_count(zq_db *db, const task_store_filter *f, const char *like, int64_t *total,
		      zq_err *err)
{
	zq_buf sql = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	zq_stmt *st;
	int rc;

	zq_buf_puts(&sql, "SELECT COUNT(*)");
	list_from_where(&sql, f, "t");
	st = zq_db_prepare(db, sql.data, err);
	zq_buf_release(&sql);
	if (!st)
		return err->code;
	list_bind(st, 0, f, like);
	if ((rc = zq_stmt_exec(st, err)) == 0 && (rc = zq_stmt_fetch(st)) > 0) {
		*total = zq_stmt_i64(st, 0);
		rc = 0;
	} else if (rc >= 0) {
		rc = zq_errf(err, ZQ_EDB, "count failed");
	}
	zq_stmt_done(st);
	return rc;
}

/* The page (PRIMARY KEY order, its state rows joined by PRIMARY KEY) and,
 * unless a status filter makes it a statement of its own, the count as an
 * uncorrelated subquery the server evaluates once: one round trip. *total
 * is -1 when not counted. */
static int list_page(zq_db *db, const task_store_filter *f, const char *like,
		     task_store_row **rows, int *n, int64_t *total, zq_err *err)
{
	zq_buf sql = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	int counted = !f->status, rc, i = 0, cap;
	zq_stmt *st;

	zq_buf_puts(&sql, "SELECT " ROW_COLUMNS);
	if (counted) {
		zq_buf_puts(&sql, ", (SELECT COUNT(*)");
		list_from_where(&sql, f, "c");
		zq_buf_puts(&sql, ")");
	}
	list_from_where(&sql, f, "t");
	zq_buf_puts(&sql, " ORDER BY t.id LIMIT ? OFFSET ?");
	st = zq_db_prepare(db, sql.data, err);
	zq_buf_release(&sql);
	if (!st)
		return err->code;
	if (counted)
		i = list_bind(st, 0, f, like);
	i = list_bind(st, i, f, like);
	zq_stmt_bind_i64(st, i, f->limit);
	zq_stmt_bind_i64(st, i + 1, f->skip);
	*total = -1;
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	cap = zq_stmt_num_rows(st);
	*rows = zq_calloc((size_t)cap + 1, sizeof(task_store_row));
	for (*n = 0; *n < cap && (rc = zq_stmt_fetch(st)) > 0; (*n)++) {
		row_init(&(*rows)[*n]);
		row_read(st, 0, &(*rows)[*n]);
		if (counted)
			*total = zq_stmt_i64(st, ROW_NCOLS);
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

int task_store_list(zq_db *db, const task_store_filter *f, task_store_row **rows, int *n,
		    int64_t *total, zq_err *err)
{
	char *like = f->name ? like_pattern(f->name) : NULL;
	int rc;

	*rows = NULL;
	*n = 0;
	/* not counted with the page: an empty page, or a status filter */
	if ((rc = list_page(db, f, like, rows, n, total, err)) == 0 && *total < 0)
		rc = list_count(db, f, like, total, err);
	free(like);
	return rc;
}

int task_store_get_row(zq_db *db, int64_t id, task_store_row *row, zq_err *err)
{
	/* PRIMARY KEY, twice */
	zq_stmt *st = zq_db_prepare(db, ONE_SELECT, err);
	int rc;

	row_init(row);
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, id);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	if ((rc = zq_stmt_fetch(st)) <= 0) {
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed")
			    : zq_errf(err, ZQ_ENOTFOUND, "task %lld not found", (long long)id);
		goto out;
	}
	row_read(st, 0, row);
	rc = 0;
out:
	zq_stmt_done(st);
	return rc;
}

int task_store_get_row_with_token(zq_db *db, const unsigned char *token_hash, size_t hash_len,
				  int64_t id, zq_token_info *ti, task_store_row *row, int *found,
				  zq_err *err)
{
	/* uk_tokens_hash, then PRIMARY KEY twice */
	zq_stmt *st = zq_db_prepare(db, ONE_WITH_TOKEN, err);
	int rc;

	row_init(row);
	*found = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, id);
	zq_stmt_bind_blob(st, 1, token_hash, hash_len);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	if ((rc = zq_stmt_fetch(st)) <= 0) {
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed")
			    : zq_errf(err, ZQ_ENOTFOUND, "no such token");
		goto out;
	}
	token_store_read(st, 0, ti);
	if (!zq_stmt_isnull(st, TOKEN_STORE_NCOLS)) {
		row_read(st, TOKEN_STORE_NCOLS, row);
		*found = 1;
	}
	rc = 0;
out:
	zq_stmt_done(st);
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
		"coalesce_misfires = ?, next_run_at = ?, version = version + 1 WHERE id = ?",
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
	zq_stmt_bind_i64(st, 18, t->id);
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
		copy_col(st, 1, names[*n], ZQ_TASK_NAME_BYTES);
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
		copy_col(st, 4, r->name, sizeof(r->name));
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
