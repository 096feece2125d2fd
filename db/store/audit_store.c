/* audit_store.c - SQL for audit_log. */
#include "audit_store.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "timeutil.h"

int audit_store_add(zq_db *db, const zq_audit *a, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
				    "INSERT INTO audit_log (at, actor, action, target_type, target_id, "
				    "task_id, detail, client_addr) VALUES (UTC_TIMESTAMP(3), ?, ?, ?, ?, "
				    "?, ?, ?)",
				    err);
	char actor[65], addr[65];
	int rc;

	if (!st)
		return err->code;
	zq_strlcpy(actor, a->actor ? a->actor : "", sizeof(actor));
	zq_strlcpy(addr, a->client_addr ? a->client_addr : "", sizeof(addr));
	zq_stmt_bind_str(st, 0, a->actor ? actor : NULL);
	zq_stmt_bind_str(st, 1, a->action);
	zq_stmt_bind_str(st, 2, a->target_type);
	if (a->target_id)
		zq_stmt_bind_i64(st, 3, a->target_id);
	else
		zq_stmt_bind_null(st, 3);
	if (a->task_id)
		zq_stmt_bind_i64(st, 4, a->task_id);
	else
		zq_stmt_bind_null(st, 4);
	zq_stmt_bind_str(st, 5, a->detail);
	zq_stmt_bind_str(st, 6, a->client_addr && *a->client_addr ? addr : NULL);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	return rc;
}

/* One index per filter shape, named so the plan cannot drift
 * (070_history_indexes.sql): each ends in `at`, so the rows of any filter
 * come newest first (at, then id: InnoDB appends it) straight from the
 * index, from the time range's end, and the read stops after the page.
 * task_id with action, actor with action, task_id, actor, action, else
 * ix_audit_at; a filter the index lacks (task_id with actor) is checked row
 * by row within it. */
static const char *index_for(const audit_store_filter *f)
{
	if (f->task_id)
		return f->action ? "ix_audit_task_action_at" : "ix_audit_task_at";
	if (f->actor)
		return f->action ? "ix_audit_actor_action_at" : "ix_audit_actor_at";
	return f->action ? "ix_audit_action_at" : "ix_audit_at";
}

static void where(zq_buf *sql, const audit_store_filter *f)
{
	zq_buf_printf(sql, " FORCE INDEX (%s) WHERE 1 = 1", index_for(f));
	if (f->task_id)
		zq_buf_puts(sql, " AND task_id = ?");
	if (f->actor)
		zq_buf_puts(sql, " AND actor = ?");
	if (f->action)
		zq_buf_puts(sql, " AND action = ?");
	if (f->from_ms != ZQ_TIME_NONE)
		zq_buf_puts(sql, " AND at >= ?");
	if (f->to_ms != ZQ_TIME_NONE)
		zq_buf_puts(sql, " AND at < ?");
}

static int bind(zq_stmt *st, const audit_store_filter *f)
{
	int i = 0;

	if (f->task_id)
		zq_stmt_bind_i64(st, i++, f->task_id);
	if (f->actor)
		zq_stmt_bind_str(st, i++, f->actor);
	if (f->action)
		zq_stmt_bind_str(st, i++, f->action);
	if (f->from_ms != ZQ_TIME_NONE)
		zq_stmt_bind_time(st, i++, f->from_ms);
	if (f->to_ms != ZQ_TIME_NONE)
		zq_stmt_bind_time(st, i++, f->to_ms);
	return i;
}

static int count(zq_db *db, const audit_store_filter *f, int64_t *total, int *capped,
		 zq_err *err)
{
	zq_buf sql = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	zq_stmt *st;

	zq_buf_puts(&sql, "SELECT COUNT(*) FROM (SELECT 1 FROM audit_log");
	where(&sql, f);
	zq_buf_puts(&sql, " LIMIT ?) c");
	st = zq_db_prepare(db, sql.data, err);
	zq_buf_release(&sql);
	if (!st)
		return err->code;
	return zq_stmt_count_capped(st, bind(st, f), zq_db_count_limit(f->skip, f->limit), total,
				    capped, err);
}

static void read_row(zq_stmt *st, void *row)
{
	audit_store_row *r = row;

	memset(r, 0, sizeof(*r));
	r->id = zq_stmt_i64(st, 0);
	r->at_ms = zq_stmt_time(st, 1);
	zq_stmt_copy(st, 2, r->actor, sizeof(r->actor));
	zq_stmt_copy(st, 3, r->action, sizeof(r->action));
	zq_stmt_copy(st, 4, r->target_type, sizeof(r->target_type));
	r->target_id = zq_stmt_i64(st, 5);
	r->task_id = zq_stmt_i64(st, 6);
	r->detail = zq_stmt_dup(st, 7);
	zq_stmt_copy(st, 8, r->client_addr, sizeof(r->client_addr));
}

int audit_store_list(zq_db *db, const audit_store_filter *f, audit_store_row **rows, int *n,
		     int64_t *total, int *total_capped, zq_err *err)
{
	zq_buf sql = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	zq_stmt *st;
	void *page = NULL;
	int rc;

	*rows = NULL;
	*n = 0;
	*total = 0;
	*total_capped = 0;
	zq_buf_puts(&sql, "SELECT id, at, actor, action, target_type, target_id, task_id, detail, "
			  "client_addr FROM audit_log");
	where(&sql, f);
	zq_buf_puts(&sql, " ORDER BY at DESC, id DESC LIMIT ? OFFSET ?");
	st = zq_db_prepare(db, sql.data, err);
	zq_buf_release(&sql);
	if (!st)
		return err->code;
	rc = zq_stmt_page(st, bind(st, f), f->limit, f->skip, sizeof(audit_store_row), read_row,
			  &page, n, total, err);
	*rows = page;
	return rc != 0 ? (rc < 0 ? rc : 0) : count(db, f, total, total_capped, err);
}

void audit_store_rows_free(audit_store_row *rows, int n)
{
	for (int i = 0; rows && i < n; i++)
		free(rows[i].detail);
	free(rows);
}
