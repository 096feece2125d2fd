/* exec_api.c - SQL for the API's reads of task_executions (history pages,
 * one execution, children, latest) and its two permitted writes (manual
 * trigger, cancel request); see exec_api.h. */
#include "exec_api.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "calendar.h"
#include "mem.h"
#include "task.h"
#include "timeutil.h"

#define EXEC_COLS                                                                           \
	"e.id, e.task_id, e.parent_execution_id, e.trigger_type, e.status, e.scheduled_time, " \
	"e.not_before, e.start_time, e.end_time, e.duration_ms, e.retry_count, "              \
	"e.progress_percent, e.current_step, e.total_steps, e.progress_message, e.result, "   \
	"e.error_message, e.config_override, e.node_id, e.heartbeat_at, e.cancel_requested, " \
	"e.created_by, e.created_at, e.updated_at, e.params, "                                \
	"DATEDIFF(e.business_date, '1970-01-01')"

static int int_or(zq_stmt *st, int col, int none)
{
	return zq_stmt_isnull(st, col) ? none : (int)zq_stmt_i64(st, col);
}

static void read_exec(zq_stmt *st, void *row)
{
	hist_exec *e = row;

	memset(e, 0, sizeof(*e));
	e->id = zq_stmt_i64(st, 0);
	e->task_id = zq_stmt_i64(st, 1);
	e->parent_id = zq_stmt_i64(st, 2);
	e->trigger = zq_trigger_parse(zq_stmt_str(st, 3));
	e->status = zq_exec_status_parse(zq_stmt_str(st, 4));
	e->scheduled_ms = zq_stmt_time(st, 5);
	e->not_before_ms = zq_stmt_time(st, 6);
	e->start_ms = zq_stmt_time(st, 7);
	e->end_ms = zq_stmt_time(st, 8);
	e->duration_ms = zq_stmt_isnull(st, 9) ? -1 : zq_stmt_i64(st, 9);
	e->retry_count = (int)zq_stmt_i64(st, 10);
	e->progress_percent = int_or(st, 11, -1);
	e->current_step = int_or(st, 12, -1);
	e->total_steps = int_or(st, 13, -1);
	e->progress_message = zq_stmt_dup(st, 14);
	e->result = zq_stmt_dup(st, 15);
	e->error_message = zq_stmt_dup(st, 16);
	e->config_override = zq_stmt_dup(st, 17);
	e->node_id = zq_stmt_i64(st, 18);
	e->heartbeat_ms = zq_stmt_time(st, 19);
	e->cancel_requested = (int)zq_stmt_i64(st, 20);
	zq_stmt_copy(st, 21, e->created_by, sizeof(e->created_by));
	e->created_ms = zq_stmt_time(st, 22);
	e->updated_ms = zq_stmt_time(st, 23);
	e->params = zq_stmt_dup(st, 24);
	e->business_day = int_or(st, 25, ZQ_CAL_NO_DAY);
}

void hist_exec_release(hist_exec *e)
{
	free(e->progress_message);
	free(e->result);
	free(e->error_message);
	free(e->config_override);
	free(e->params);
	e->progress_message = e->result = e->error_message = e->config_override = NULL;
	e->params = NULL;
}

void hist_execs_free(hist_exec *rows, int n)
{
	for (int i = 0; rows && i < n; i++)
		hist_exec_release(&rows[i]);
	free(rows);
}

/* One index per filter shape, named so the plan cannot drift (a backwards
 * scan of the PRIMARY KEY checking each row's task took seconds at 10M rows):
 *   no time range:  ix_exec_task_status (task_id, status, id) with a status,
 *                   else ix_exec_task_id (task_id, id); newest first by id;
 *   a start_time range: ix_exec_task_status_start (task_id, status,
 *                   start_time, id, duration_ms: 150_bi_report_paths.sql) with a
 *                   status, else ix_exec_task_start
 *                   (task_id, start_time) (070_history_indexes.sql); newest
 *                   first by start_time, then id (InnoDB appends id to each).
 *   a business_date range (first of all): ix_exec_task_bizdate (task_id,
 *                   business_date, id); newest first by business_date, then
 *                   id; a status or start_time is checked on the rows.
 * Each reads the index backwards from the range's end and stops after the
 * page; before_id is checked within the index (id is in every one). */
static int list_by_biz(const hist_filter *f)
{
	return f->biz_from != ZQ_CAL_NO_DAY || f->biz_to != ZQ_CAL_NO_DAY;
}

static int list_by_start(const hist_filter *f)
{
	return f->from_ms != ZQ_TIME_NONE || f->to_ms != ZQ_TIME_NONE;
}

static const char *list_index(const hist_filter *f)
{
	if (list_by_biz(f))
		return "ix_exec_task_bizdate";
	if (list_by_start(f))
		return f->status >= 0 ? "ix_exec_task_status_start" : "ix_exec_task_start";
	return f->status >= 0 ? "ix_exec_task_status" : "ix_exec_task_id";
}

static void list_from(zq_buf *sql, const hist_filter *f, const char *a)
{
	zq_buf_printf(sql, " FROM task_executions %s FORCE INDEX (%s) WHERE %s.task_id = ?", a,
		      list_index(f), a);
	if (f->status >= 0)
		zq_buf_printf(sql, " AND %s.status = ?", a);
	if (f->from_ms != ZQ_TIME_NONE)
		zq_buf_printf(sql, " AND %s.start_time >= ?", a);
	if (f->to_ms != ZQ_TIME_NONE)
		zq_buf_printf(sql, " AND %s.start_time < ?", a);
	if (f->biz_from != ZQ_CAL_NO_DAY)
		zq_buf_printf(sql, " AND %s.business_date >= DATE_ADD('1970-01-01', INTERVAL ? DAY)", a);
	if (f->biz_to != ZQ_CAL_NO_DAY)
		zq_buf_printf(sql, " AND %s.business_date <= DATE_ADD('1970-01-01', INTERVAL ? DAY)", a);
	if (f->before_id > 0)
		zq_buf_printf(sql, " AND %s.id < ?", a);
}

static int list_bind(zq_stmt *st, const hist_filter *f)
{
	int i = 0;

	zq_stmt_bind_i64(st, i++, f->task_id);
	if (f->status >= 0)
		zq_stmt_bind_str(st, i++, zq_exec_status_name(f->status));
	if (f->from_ms != ZQ_TIME_NONE)
		zq_stmt_bind_time(st, i++, f->from_ms);
	if (f->to_ms != ZQ_TIME_NONE)
		zq_stmt_bind_time(st, i++, f->to_ms);
	if (f->biz_from != ZQ_CAL_NO_DAY)
		zq_stmt_bind_i64(st, i++, f->biz_from);
	if (f->biz_to != ZQ_CAL_NO_DAY)
		zq_stmt_bind_i64(st, i++, f->biz_to);
	if (f->before_id > 0)
		zq_stmt_bind_i64(st, i++, f->before_id);
	return i;
}

static void list_order(zq_buf *sql, const hist_filter *f, const char *a)
{
	if (list_by_biz(f))
		zq_buf_printf(sql, " ORDER BY %s.business_date DESC, %s.id DESC", a, a);
	else if (list_by_start(f))
		zq_buf_printf(sql, " ORDER BY %s.start_time DESC, %s.id DESC", a, a);
	else
		zq_buf_printf(sql, " ORDER BY %s.id DESC", a);
}

/* The count (index only: every column it names is in the index) and/or
 * the page. A page past the start (skip > 0) finds its ids in the index
 * alone, then reads just those rows by the primary key: the skipped rows
 * cost index entries, not row reads (cold pages at 10M executions). */
static void list_sql(const hist_filter *f, zq_buf *count, zq_buf *page)
{
	if (count) {
		zq_buf_puts(count, "SELECT COUNT(*) FROM (SELECT 1");
		list_from(count, f, "e");
		zq_buf_puts(count, " LIMIT ?) c");
	}
	if (!page)
		return;
	if (f->skip > 0) {
		zq_buf_puts(page, "SELECT STRAIGHT_JOIN " EXEC_COLS " FROM (SELECT i.id");
		list_from(page, f, "i");
		list_order(page, f, "i");
		zq_buf_puts(page, " LIMIT ? OFFSET ?) k JOIN task_executions e FORCE INDEX (PRIMARY) "
				  "ON e.id = k.id");
	} else {
		zq_buf_puts(page, "SELECT " EXEC_COLS);
		list_from(page, f, "e");
	}
	list_order(page, f, "e");
	if (f->skip <= 0)
		zq_buf_puts(page, " LIMIT ? OFFSET ?");
}

static int list_count(zq_db *db, const hist_filter *f, int64_t *total, int *capped,
		      zq_err *err)
{
	zq_buf sql = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	zq_stmt *st;

	list_sql(f, &sql, NULL);
	st = zq_db_prepare(db, sql.data, err);
	zq_buf_release(&sql);
	if (!st)
		return err->code;
	return zq_stmt_count_capped(st, list_bind(st, f), zq_db_count_limit(f->skip, f->limit),
				    total, capped, err);
}

/* The page first: a page that is not full ends the matching rows, so its
 * total is exact without a count (skip + rows; a rare status, a day); only a
 * full page, or an empty one past the start, needs the (capped) count. */
int history_store_list(zq_db *db, const hist_filter *f, hist_exec **rows, int *n,
		       int64_t *total, int *capped, zq_err *err)
{
	zq_buf sql = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	zq_stmt *st;
	void *page = NULL;
	int rc;

	*rows = NULL;
	*n = 0;
	*total = 0;
	*capped = 0;
	list_sql(f, NULL, &sql);
	st = zq_db_prepare(db, sql.data, err);
	zq_buf_release(&sql);
	if (!st)
		return err->code;
	rc = zq_stmt_page(st, list_bind(st, f), f->limit, f->skip, sizeof(hist_exec), read_exec,
			  &page, n, total, err);
	*rows = page;
	return rc != 0 ? (rc < 0 ? rc : 0) : list_count(db, f, total, capped, err);
}

int history_store_get(zq_db *db, int64_t task_id, int64_t exec_id, hist_exec *e, zq_err *err)
{
	/* PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db, "SELECT " EXEC_COLS " FROM task_executions e WHERE "
				    "e.id = ? AND e.task_id = ?", err);
	int rc;

	memset(e, 0, sizeof(*e));
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, exec_id);
	zq_stmt_bind_i64(st, 1, task_id);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	if ((rc = zq_stmt_fetch(st)) <= 0) {
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed")
			    : zq_errf(err, ZQ_ENOTFOUND, "execution %lld of task %lld not found",
				      (long long)exec_id, (long long)task_id);
		goto out;
	}
	read_exec(st, e);
	rc = 0;
out:
	zq_stmt_done(st);
	return rc;
}

int history_store_children(zq_db *db, int64_t parent_id, hist_child *out, int max, int *n,
			   zq_err *err)
{
	/* uk_exec_wf_node (parent_execution_id, task_id, retry_count) prefix: ref
	 * on the run's children, then a sort by id of those few rows */
	zq_stmt *st = zq_db_prepare(db, "SELECT id, task_id, status, start_time, end_time FROM "
				    "task_executions WHERE parent_execution_id = ? ORDER BY id LIMIT ?",
				    err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, parent_id);
	zq_stmt_bind_i64(st, 1, max);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while (*n < max && (rc = zq_stmt_fetch(st)) > 0) {
		hist_child *c = &out[(*n)++];
		c->id = zq_stmt_i64(st, 0);
		c->task_id = zq_stmt_i64(st, 1);
		c->status = zq_exec_status_parse(zq_stmt_str(st, 2));
		c->start_ms = zq_stmt_time(st, 3);
		c->end_ms = zq_stmt_time(st, 4);
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

int history_store_latest(zq_db *db, int64_t task_id, int64_t *exec_id, int *status, zq_err *err)
{
	/* ix_exec_task_id, last entry of the task's range */
	zq_stmt *st = zq_db_prepare(db, "SELECT id, status FROM task_executions WHERE task_id = ? "
				    "ORDER BY id DESC LIMIT 1", err);
	int rc;

	*exec_id = 0;
	*status = -1;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, task_id);
	if ((rc = zq_stmt_exec(st, err)) == 0 && zq_stmt_fetch(st) > 0) {
		*exec_id = zq_stmt_i64(st, 0);
		*status = zq_exec_status_parse(zq_stmt_str(st, 1));
	}
	zq_stmt_done(st);
	return rc;
}

int history_store_trigger(zq_db *db, int64_t task_id, const char *override, const char *params,
			  const char *actor, int32_t business_day, int64_t *exec_id, zq_err *err)
{
	/* the data contract: manual, pending, due now, no fire_key */
	zq_stmt *st = zq_db_prepare(db,
				    "INSERT INTO task_executions (task_id, trigger_type, status, "
				    "scheduled_time, not_before, config_override, params, created_by, "
				    "business_date) "
				    "VALUES (?, 'manual', 'pending', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), "
				    "?, ?, ?, DATE_ADD('1970-01-01', INTERVAL ? DAY))",
				    err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, task_id);
	zq_stmt_bind_str(st, 1, override);
	zq_stmt_bind_str(st, 2, params);
	zq_stmt_bind_str(st, 3, actor);
	if (business_day == ZQ_CAL_NO_DAY)
		zq_stmt_bind_null(st, 4);
	else
		zq_stmt_bind_i64(st, 4, business_day);
	rc = zq_stmt_exec(st, err);
	if (rc == ZQ_ECONFLICT) /* foreign key: the task is gone */
		rc = zq_errf(err, ZQ_ENOTFOUND, "task %lld not found", (long long)task_id);
	if (rc == 0)
		*exec_id = (int64_t)zq_stmt_insert_id(st);
	zq_stmt_done(st);
	return rc;
}

static int exec_status(zq_db *db, int64_t task_id, int64_t exec_id, int *status, zq_err *err)
{
	hist_exec e;
	int rc = history_store_get(db, task_id, exec_id, &e, err);

	if (rc == 0)
		*status = e.status;
	hist_exec_release(&e);
	return rc;
}

int history_store_cancel(zq_db *db, int64_t task_id, int64_t exec_id, int *status, zq_err *err)
{
	/* PRIMARY KEY; the scheduler acts on the flag */
	zq_stmt *st = zq_db_prepare(db,
				    "UPDATE task_executions SET cancel_requested = 1 WHERE id = ? AND "
				    "task_id = ? AND status IN ('pending', 'running')",
				    err);
	uint64_t matched;
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, exec_id);
	zq_stmt_bind_i64(st, 1, task_id);
	rc = zq_stmt_exec(st, err);
	matched = zq_stmt_affected(st); /* CLIENT_FOUND_ROWS: matched rows */
	zq_stmt_done(st);
	if (rc < 0)
		return rc;
	if ((rc = exec_status(db, task_id, exec_id, status, err)) < 0)
		return rc;
	if (!matched && zq_exec_status_is_final(*status))
		return zq_errf(err, ZQ_ECONFLICT, "execution %lld already finished (%s)",
			       (long long)exec_id, zq_exec_status_name(*status));
	return 0;
}
