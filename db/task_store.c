/* task_store.c - SQL for scheduled_tasks. */
#include "task_store.h"

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

/* Design: round trips to the server are what a request pays for most, so
 * one task is one statement - its row, the newest execution joined by
 * PRIMARY KEY, and two correlated subqueries (ix_exec_task_status,
 * ix_exec_task_id) - while a page of tasks is a plain statement over
 * scheduled_tasks (no derived table: with TEXT columns MariaDB would
 * materialise it on disk) followed by one statement for the whole page,
 * whatever its size: MAX(id) per (task, status), a loose index scan of
 * ix_exec_task_status that costs one index dive per group however long
 * the history, joined to those executions by PRIMARY KEY for their times.
 * It tells the newest execution, whether one is pending or running, and
 * the newest finished one. Page ids are bound into IN lists padded to a
 * few fixed sizes (0 is never an id), so each size is one cached
 * statement. */

#define FINISHED_IN "('success', 'failed', 'completed', 'terminated')"
#define SUB_NODES                                                              \
	"IF(t.task_type = 'workflow', (SELECT COUNT(*) FROM workflow_nodes w " \
	"WHERE w.workflow_id = t.id), 0)"
#define SUB_LAST "(SELECT MAX(e.id) FROM task_executions e WHERE e.task_id = t.id)"
/* One task's verdict, and the status filter's (the same in SQL, row by row). */
#define SUB_ACTIVE                                                                       \
	"(SELECT MAX(e.id) FROM task_executions e WHERE e.task_id = t.id AND e.status IN " \
	"('pending', 'running')) IS NOT NULL"
#define SUB_FINISHED                                                                   \
	"(SELECT e.status FROM task_executions e FORCE INDEX (ix_exec_task_id) WHERE " \
	"e.task_id = t.id AND e.status IN " FINISHED_IN " ORDER BY e.id DESC LIMIT 1)"
#define ONE_COLUMNS                                                                      \
	TASK_STORE_COLUMNS_T ", " SUB_NODES ", le.id, le.status, le.start_time, le.created_at, " \
	SUB_ACTIVE ", " SUB_FINISHED
#define ONE_SELECT                                                                 \
	"SELECT " ONE_COLUMNS " FROM scheduled_tasks t LEFT JOIN task_executions le ON " \
	"le.id = " SUB_LAST " WHERE t.id = ?"
/* The same, read with the request's token (uk_tokens_hash): one round trip. */
#define ONE_WITH_TOKEN                                                                  \
	"SELECT " TOKEN_STORE_COLUMNS ", " ONE_COLUMNS " FROM " TOKEN_STORE_FROM " LEFT JOIN " \
	"scheduled_tasks t ON t.id = ? LEFT JOIN task_executions le ON le.id = " SUB_LAST     \
	" WHERE k.token_hash = ?"
#define STATUS_EXPR                                                                      \
	"(CASE WHEN t.enabled = 0 THEN 'disabled' WHEN t.paused = 1 THEN 'paused' WHEN " \
	SUB_ACTIVE " THEN 'running' ELSE (CASE " SUB_FINISHED " WHEN 'success' THEN "    \
	"'success' WHEN 'failed' THEN 'failed' WHEN 'completed' THEN 'failed' WHEN "     \
	"'terminated' THEN 'failed' ELSE 'pending' END) END)"

static const char *const status_names[] = {"disabled", "paused", "running", "failed", "success",
					   "pending", NULL};
static const int in_sizes[] = {1, 10, 50, 100, 250, 500, 1000};

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

static void row_read(zq_stmt *st, task_store_row *r)
{
	task_store_read(st, 0, &r->t);
	r->node_count = (int)zq_stmt_i64(st, TASK_STORE_NCOLS);
}

/* "<head>?,?,...,?<tail>" with the smallest padded size >= n; *size gets it. */
static char *in_sql(const char *head, const char *tail, int n, int *size)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	int k = 0;

	while (k < (int)(sizeof(in_sizes) / sizeof(in_sizes[0])) - 1 && in_sizes[k] < n)
		k++;
	*size = in_sizes[k];
	zq_buf_puts(&b, head);
	for (int i = 0; i < *size; i++)
		zq_buf_puts(&b, i ? ",?" : "?");
	zq_buf_puts(&b, tail);
	return zq_buf_detach(&b, NULL);
}

/* Rows are in id order: find the row of a task id. */
static task_store_row *row_of(task_store_row *rows, int n, int64_t task_id)
{
	int lo = 0, hi = n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (rows[mid].t.id == task_id)
			return &rows[mid];
		if (rows[mid].t.id < task_id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* Newest execution per (task, status) for the page, with its times. */
static void group_row(zq_stmt *st, task_store_row *rows, int n, int64_t *fin_ids)
{
	task_store_row *r = row_of(rows, n, zq_stmt_i64(st, 0));
	int status = zq_exec_status_parse(zq_stmt_str(st, 1));
	int64_t id = zq_stmt_i64(st, 2), start = zq_stmt_time(st, 3);

	if (!r)
		return;
	if (id > r->latest_id) {
		r->latest_id = id;
		r->latest_status = status;
		r->latest_time_ms = start != ZQ_TIME_NONE ? start : zq_stmt_time(st, 4);
	}
	if (status == ZQ_EXEC_PENDING || status == ZQ_EXEC_RUNNING)
		r->active = 1;
	if (status >= 0 && zq_exec_status_is_final(status) && status != ZQ_EXEC_SKIPPED &&
	    id > fin_ids[r - rows]) {
		fin_ids[r - rows] = id;
		r->finished_status = status;
	}
}

static int enrich(zq_db *db, task_store_row *rows, int n, zq_err *err)
{
	int64_t *fin_ids;
	zq_stmt *st;
	int size, rc;
	char *sql;

	if (n == 0)
		return 0;
	/* the derived table holds no TEXT column, so it stays in memory */
	sql = in_sql("SELECT g.task_id, g.status, g.mx, e.start_time, e.created_at FROM (SELECT "
		     "task_id, status, MAX(id) AS mx FROM task_executions FORCE INDEX "
		     "(ix_exec_task_status) WHERE task_id IN (",
		     ") GROUP BY task_id, status) g JOIN task_executions e ON e.id = g.mx", n, &size);
	st = zq_db_prepare(db, sql, err);
	free(sql);
	if (!st)
		return err->code;
	for (int i = 0; i < size; i++)
		zq_stmt_bind_i64(st, i, i < n ? rows[i].t.id : 0);
	fin_ids = zq_calloc((size_t)n, sizeof(int64_t));
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		while ((rc = zq_stmt_fetch(st)) > 0)
			group_row(st, rows, n, fin_ids);
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
	}
	free(fin_ids);
	zq_stmt_done(st);
	return rc;
}

/* The WHERE clause for f over alias a ("t", or "c" for the count inside the
 * page statement, which has no status filter); list_bind binds its
 * parameters in the same order. */
static void list_where(zq_buf *sql, const task_store_filter *f, const char *a)
{
	zq_buf_puts(sql, " WHERE 1 = 1");
	if (f->type >= 0)
		zq_buf_printf(sql, " AND %s.task_type = ?", a);  /* ix_tasks_type */
	if (f->enabled >= 0)
		zq_buf_printf(sql, " AND %s.enabled = ?", a);
	if (f->name)
		zq_buf_printf(sql, " AND %s.name LIKE ? ESCAPE '!'", a);
	if (!f->include_subtasks)                                /* ix_wfnodes_task */
		zq_buf_printf(sql, " AND NOT EXISTS (SELECT 1 FROM workflow_nodes w2 WHERE "
				   "w2.task_id = %s.id)", a);
	if (f->status && strcmp(a, "t") == 0)
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

	zq_buf_puts(&sql, "SELECT COUNT(*) FROM scheduled_tasks t");
	list_where(&sql, f, "t");
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

/* The page, and (unless a status filter makes it a statement of its own)
 * the count as an uncorrelated subquery the server evaluates once: one
 * round trip. *total is -1 when not counted. */
static int list_page(zq_db *db, const task_store_filter *f, const char *like,
		     task_store_row **rows, int *n, int64_t *total, zq_err *err)
{
	zq_buf sql = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	int counted = !f->status, rc, i = 0, cap;
	zq_stmt *st;

	zq_buf_puts(&sql, "SELECT " TASK_STORE_COLUMNS_T ", " SUB_NODES);
	if (counted) {
		zq_buf_puts(&sql, ", (SELECT COUNT(*) FROM scheduled_tasks c");
		list_where(&sql, f, "c");
		zq_buf_puts(&sql, ")");
	}
	zq_buf_puts(&sql, " FROM scheduled_tasks t");
	list_where(&sql, f, "t");
	zq_buf_puts(&sql, " ORDER BY t.id LIMIT ? OFFSET ?");  /* PRIMARY KEY order */
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
		row_read(st, &(*rows)[*n]);
		if (counted)
			*total = zq_stmt_i64(st, TASK_STORE_NCOLS + 1);
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
	if ((rc = list_page(db, f, like, rows, n, total, err)) < 0)
		goto out;
	/* not counted with the page: an empty page, or a status filter */
	if (*total < 0 && (rc = list_count(db, f, like, total, err)) < 0)
		goto out;
	rc = enrich(db, *rows, *n, err);
out:
	free(like);
	return rc;
}

/* ONE_COLUMNS from column c0 on. */
static void one_read(zq_stmt *st, int c0, task_store_row *r)
{
	int c = c0 + TASK_STORE_NCOLS + 1;
	int64_t start;

	task_store_read(st, c0, &r->t);
	r->node_count = (int)zq_stmt_i64(st, c0 + TASK_STORE_NCOLS);
	r->latest_id = zq_stmt_i64(st, c);
	r->latest_status = zq_exec_status_parse(zq_stmt_str(st, c + 1));
	start = zq_stmt_time(st, c + 2);
	r->latest_time_ms = start != ZQ_TIME_NONE ? start : zq_stmt_time(st, c + 3);
	r->active = (int)zq_stmt_i64(st, c + 4);
	r->finished_status = zq_exec_status_parse(zq_stmt_str(st, c + 5));
}

int task_store_get_row(zq_db *db, int64_t id, task_store_row *row, zq_err *err)
{
	/* PRIMARY KEY; see the design note above */
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
	one_read(st, 0, row);
	rc = 0;
out:
	zq_stmt_done(st);
	return rc;
}

int task_store_get_row_with_token(zq_db *db, const unsigned char *token_hash, size_t hash_len,
				  int64_t id, zq_token_info *ti, task_store_row *row, int *found,
				  zq_err *err)
{
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
		one_read(st, TOKEN_STORE_NCOLS, row);
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
