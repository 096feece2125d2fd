/* task_list.c - SQL for the API's reads of scheduled_tasks rows with what
 * their executions say (task_run_state): one task, and the listing pages
 * with their capped counts (task_store.h "listings"). */
#include "task_store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "calendar_store.h"
#include "mem.h"
#include "timeutil.h"

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
/* The calendar's name and stored coverage (PRIMARY KEY of calendars). */
#define CAL_JOIN " LEFT JOIN calendars cal ON cal.id = t.calendar_id"
#define CAL_COLUMNS "cal.name, DATEDIFF(cal.covered_until, '1970-01-01')"
#define ROW_JOIN STATE_JOIN CAL_JOIN
#define ROW_COLUMNS TASK_STORE_COLUMNS_T ", " STATE_COLUMNS ", " CAL_COLUMNS
#define ROW_NCOLS (TASK_STORE_NCOLS + 7)
#define ONE_SELECT "SELECT " ROW_COLUMNS " FROM scheduled_tasks t" ROW_JOIN " WHERE t.id = ?"
/* The same, read with the request's token (uk_tokens_hash): one round trip. */
#define ONE_WITH_TOKEN                                                                   \
	"SELECT " TOKEN_STORE_COLUMNS ", " ROW_COLUMNS " FROM " TOKEN_STORE_FROM " LEFT JOIN " \
	"scheduled_tasks t ON t.id = ?" ROW_JOIN " WHERE k.token_hash = ?"
static const char *const status_names[] = {"disabled", "paused", "running", "failed", "success",
					   "pending", NULL};

const char *task_store_schedule_status(const task_store_row *r)
{
	if (!r->t.enabled)
		return "disabled";
	if (r->t.paused)
		return "paused";
	if (r->cal_status[0])
		return r->cal_status;
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
	zq_stmt_copy(st, c + 5, r->t.calendar, sizeof(r->t.calendar));
	r->cal_until = zq_stmt_isnull(st, c + 6) ? ZQ_CAL_NO_DAY : (int32_t)zq_stmt_i64(st, c + 6);
}

/* A task whose calendar ran out: enabled, fires by itself, no next run. */
static int cal_stopped(const zq_task *t)
{
	return t->calendar_id > 0 && t->calendar[0] && t->enabled && !t->paused &&
	       t->next_run_at_ms == ZQ_TIME_NONE &&
	       (t->cron_expression[0] || t->interval_seconds > 0);
}

/* schedule_status of the rows whose calendar ran out (rare: a statement
 * each, for the coverage a calendar without a stored one takes from its
 * days). */
static int fill_cal_status(zq_db *db, task_store_row *rows, int n, zq_err *err)
{
	char day[11];
	int rc;

	for (int i = 0; i < n; i++) {
		task_store_row *r = &rows[i];
		if (!cal_stopped(&r->t))
			continue;
		if (r->cal_until == ZQ_CAL_NO_DAY &&
		    (rc = calendar_store_until(db, r->t.calendar_id, &r->cal_until, err)) < 0)
			return rc;
		if (r->cal_until == ZQ_CAL_NO_DAY)
			continue;
		zq_day_format(r->cal_until, day);
		snprintf(r->cal_status, sizeof(r->cal_status), "calendar %s has no data after %s",
			 r->t.calendar, day);
	}
	return 0;
}

/* How a page of tasks is found at a million tasks (README "REST API"):
 * each filter has an index that yields its candidates, the "drive"; the
 * count is capped (zq_db_count_limit: up to ZQ_DB_COUNT_CAP matches, or
 * one past the page) and reads the drive's index until it has that many.
 * The page is found on narrow indexes first - the ids of the page only -
 * and then its rows are read by PRIMARY KEY, so skipped rows (OFFSET) and
 * candidates that do not match never cost a read of a whole row (the table
 * is bigger than the buffer pool at this size). A drive in id order stops
 * after skip + limit matches and carries its count as an uncorrelated
 * subquery (one round trip); every drive is in id order. A name substring
 * (which may have to read the whole of its index, once) fetches its
 * candidate ids with the count; an exact count means the page is among
 * them (read by id), a capped one that matches are so dense an id-order
 * scan meets a page at once, so the page takes that.
 * Sub-tasks are hidden by an anti-join (ix_wfnodes_task; the server stops
 * at the first node row). FORCE INDEX and STRAIGHT_JOIN keep each plan
 * from drifting (tests/integration/test_task_list_plans.py checks them). */
enum drive {
	DRIVE_PK,        /* PRIMARY: no filter */
	DRIVE_TYPE,      /* ix_tasks_type (task_type, id) */
	DRIVE_ENABLED,   /* ix_tasks_enabled (enabled, id): enabled, disabled */
	DRIVE_PAUSED,    /* ix_tasks_paused (paused, enabled, id): paused, pending */
	DRIVE_LIST,      /* ix_tasks_list (id, name, task_type, enabled, paused):
			  * id order, every filter of scheduled_tasks in the index */
	DRIVE_STATUS,    /* task_run_state ix_runstate_status (run_status, task_id):
			  * running, success, failed, each in id order */
};

static const char *const drive_from[] = {
	[DRIVE_PK] = " FROM scheduled_tasks t FORCE INDEX (PRIMARY)",
	[DRIVE_TYPE] = " FROM scheduled_tasks t FORCE INDEX (ix_tasks_type)",
	[DRIVE_ENABLED] = " FROM scheduled_tasks t FORCE INDEX (ix_tasks_enabled)",
	[DRIVE_PAUSED] = " FROM scheduled_tasks t FORCE INDEX (ix_tasks_paused)",
	[DRIVE_LIST] = " FROM scheduled_tasks t FORCE INDEX (ix_tasks_list)",
	/* the state rows take their task through ix_tasks_list, which holds
	 * every column a filter tests, so never read its row */
	[DRIVE_STATUS] = (" FROM task_run_state s FORCE INDEX (ix_runstate_status) STRAIGHT_JOIN "
			  "scheduled_tasks t FORCE INDEX (ix_tasks_list) ON t.id = s.task_id"),
};

/* task_store_schedule_status as conditions (enabled and paused hold 0 or
 * 1), written so the drive's index takes them; s is NULL for a task
 * without executions. s.run_status is the running / finished part of it
 * (migration 090: a column generated from active and
 * last_finished_status). */
static const char *status_where(const char *status)
{
	static const struct {
		const char *name, *where;
	} w[] = {
		{"disabled", " AND t.enabled = 0"},
		{"paused", " AND t.paused = 1 AND t.enabled = 1"},
		{"running", " AND s.run_status = 'running' AND t.enabled = 1 AND t.paused = 0"},
		{"success", " AND s.run_status = 'success' AND t.enabled = 1 AND t.paused = 0"},
		{"failed", " AND s.run_status = 'failed' AND t.enabled = 1 AND t.paused = 0"},
		{"pending", " AND t.paused = 0 AND t.enabled = 1 AND (s.task_id IS NULL OR "
			    "s.run_status = 'pending')"},
	};

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(status, w[i].name) == 0)
			return w[i].where;
	return " AND 1 = 0";
}

static enum drive pick_drive(const task_store_filter *f)
{
	/* a name is tested in ix_tasks_list, with everything but the state */
	if (f->name && (!f->status || strcmp(f->status, "disabled") == 0 ||
			strcmp(f->status, "paused") == 0 || strcmp(f->status, "pending") == 0))
		return DRIVE_LIST;
	if (f->status) {
		if (strcmp(f->status, "disabled") == 0)
			return DRIVE_ENABLED;
		if (strcmp(f->status, "paused") == 0 || strcmp(f->status, "pending") == 0)
			return DRIVE_PAUSED;
		return DRIVE_STATUS;
	}
	/* both: disabled tasks are the few, enabled ones the many */
	if (f->enabled == 0 || (f->enabled > 0 && f->type < 0))
		return DRIVE_ENABLED;
	if (f->type >= 0)
		return DRIVE_TYPE;
	return DRIVE_PK;
}

static int drive_has_state(enum drive d)
{
	return d == DRIVE_STATUS;
}

/* "SELECT <id>" + FROM and WHERE of f over drive d; list_bind binds the
 * parameters in order. */
static void ids_sql(zq_buf *sql, const task_store_filter *f, enum drive d)
{
	zq_buf_puts(sql, drive_has_state(d) ? "SELECT s.task_id AS id" : "SELECT t.id");
	zq_buf_puts(sql, drive_from[d]);
	if (!drive_has_state(d) && f->status)
		zq_buf_puts(sql, STATE_JOIN);
	if (!f->include_subtasks)
		zq_buf_puts(sql, " LEFT JOIN workflow_nodes wn FORCE INDEX (ix_wfnodes_task) ON "
			    "wn.task_id = t.id");
	zq_buf_puts(sql, " WHERE 1 = 1");
	if (f->type >= 0)
		zq_buf_puts(sql, " AND t.task_type = ?");
	if (f->enabled >= 0)
		zq_buf_puts(sql, " AND t.enabled = ?");
	if (f->name)
		zq_buf_puts(sql, " AND t.name LIKE ? ESCAPE '!'");
	if (f->status)
		zq_buf_puts(sql, status_where(f->status));
	if (!f->include_subtasks)
		zq_buf_puts(sql, " AND wn.task_id IS NULL");
}

static int list_bind(zq_stmt *st, int i, const task_store_filter *f, const char *like)
{
	if (f->type >= 0)
		zq_stmt_bind_str(st, i++, zq_task_type_name(f->type));
	if (f->enabled >= 0)
		zq_stmt_bind_i64(st, i++, f->enabled ? 1 : 0);
	if (f->name)
		zq_stmt_bind_str(st, i++, like);
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

/* The capped count, reading the index only where the drive allows. */
static void count_sql(zq_buf *sql, const task_store_filter *f, enum drive d)
{
	zq_buf_puts(sql, "SELECT COUNT(*) FROM (");
	/* no filter: the narrowest index (task_type, id) holds every id */
	ids_sql(sql, f, d == DRIVE_PK ? DRIVE_TYPE : d);
	zq_buf_puts(sql, " LIMIT ?) c");
}

/* Read the rows of st (ROW_COLUMNS, then with counted the count) into
 * *rows; *total from the count column when counted. */
static int read_rows(zq_stmt *st, int counted, task_store_row **rows, int *n, int64_t *total,
		     zq_err *err)
{
	int cap, rc = 0;

	cap = zq_stmt_num_rows(st);
	*rows = zq_calloc((size_t)cap + 1, sizeof(task_store_row));
	for (*n = 0; *n < cap && (rc = zq_stmt_fetch(st)) > 0; (*n)++) {
		row_init(&(*rows)[*n]);
		row_read(st, 0, &(*rows)[*n]);
		if (counted)
			*total = zq_stmt_i64(st, ROW_NCOLS);
	}
	return rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
}

/* A drive in id order: the page's ids (ORDER BY the drive's own column,
 * which its index order serves; LIMIT OFFSET over index entries), their
 * rows by PRIMARY KEY, and the capped count as an uncorrelated subquery
 * the server evaluates once. *total is -1 when the page is empty. */
static int page_in_order(zq_db *db, const task_store_filter *f, enum drive d, int counted,
			 const char *like, task_store_row **rows, int *n, int64_t *total,
			 zq_err *err)
{
	zq_buf sql = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	zq_stmt *st;
	int rc, i = 0;

	zq_buf_puts(&sql, "SELECT " ROW_COLUMNS);
	if (counted) {
		zq_buf_puts(&sql, ", (");
		count_sql(&sql, f, d);
		zq_buf_puts(&sql, ")");
	}
	zq_buf_puts(&sql, " FROM (");
	ids_sql(&sql, f, d);
	zq_buf_puts(&sql, drive_has_state(d) ? " ORDER BY s.task_id" : " ORDER BY t.id");
	zq_buf_puts(&sql, " LIMIT ? OFFSET ?) p STRAIGHT_JOIN scheduled_tasks t FORCE INDEX "
		    "(PRIMARY) ON t.id = p.id" ROW_JOIN " ORDER BY p.id");
	st = zq_db_prepare(db, sql.data, err);
	zq_buf_release(&sql);
	if (!st)
		return err->code;
	if (counted) {
		i = list_bind(st, 0, f, like);
		zq_stmt_bind_i64(st, i++, zq_db_count_limit(f->skip, f->limit) + 1);
	}
	i = list_bind(st, i, f, like);
	zq_stmt_bind_i64(st, i, f->limit);
	zq_stmt_bind_i64(st, i + 1, f->skip);
	*total = -1;
	if ((rc = zq_stmt_exec(st, err)) == 0)
		rc = read_rows(st, counted, rows, n, total, err);
	zq_stmt_done(st);
	return rc;
}

static int list_count(zq_db *db, const task_store_filter *f, enum drive d, const char *like,
		      int64_t *total, int *capped, zq_err *err)
{
	zq_buf sql = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	zq_stmt *st;

	count_sql(&sql, f, d);
	st = zq_db_prepare(db, sql.data, err);
	zq_buf_release(&sql);
	if (!st)
		return err->code;
	return zq_stmt_count_capped(st, list_bind(st, 0, f, like),
				    zq_db_count_limit(f->skip, f->limit), total, capped, err);
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* A name: up to limit + 1 candidate ids (the count); when they are all,
 * the page among them read by PRIMARY KEY, else the page from an id-order
 * scan of the drive (no count: *total says "more"). */
static int page_by_ids(zq_db *db, const task_store_filter *f, enum drive d, const char *like,
		       task_store_row **rows, int *n, int64_t *total, zq_err *err)
{
	int64_t limit = zq_db_count_limit(f->skip, f->limit), *ids = NULL, unused;
	zq_buf sql = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	int rc, i, nids = 0;
	char *json;
	zq_stmt *st;

	ids_sql(&sql, f, d);
	zq_buf_puts(&sql, " LIMIT ?");
	st = zq_db_prepare(db, sql.data, err);
	zq_buf_release(&sql);
	if (!st)
		return err->code;
	i = list_bind(st, 0, f, like);
	zq_stmt_bind_i64(st, i, limit + 1);
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		int max = zq_stmt_num_rows(st);

		ids = zq_calloc((size_t)max + 1, sizeof(*ids));
		while (nids < max && (rc = zq_stmt_fetch(st)) > 0)
			ids[nids++] = zq_stmt_i64(st, 0);
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
	}
	zq_stmt_done(st);
	*total = nids;
	if (rc < 0 || nids > limit || f->skip >= nids) {
		free(ids);
		/* capped: the matches are dense, an id-order scan finds the page */
		if (rc == 0 && nids > limit)
			rc = page_in_order(db, f, d, 0, like, rows, n, &unused, err);
		return rc;
	}
	qsort(ids, (size_t)nids, sizeof(*ids), cmp_id);
	i = (int)(f->skip + f->limit < nids ? f->limit : nids - f->skip);
	json = zq_db_ids_json(ids + f->skip, i);
	free(ids);
	st = zq_db_prepare(db, "SELECT " ROW_COLUMNS " FROM " ZQ_DB_IDS_TABLE " STRAIGHT_JOIN "
			   "scheduled_tasks t FORCE INDEX (PRIMARY) ON t.id = j.id" ROW_JOIN
			   " ORDER BY j.id", err);
	if (!st) {
		free(json);
		return err->code;
	}
	zq_stmt_bind_str(st, 0, json);
	if ((rc = zq_stmt_exec(st, err)) == 0)
		rc = read_rows(st, 0, rows, n, total, err);
	zq_stmt_done(st);
	free(json);
	return rc;
}

int task_store_list(zq_db *db, const task_store_filter *f, task_store_row **rows, int *n,
		    int64_t *total, int *capped, zq_err *err)
{
	char *like = f->name ? like_pattern(f->name) : NULL;
	int64_t limit = zq_db_count_limit(f->skip, f->limit);
	enum drive d = pick_drive(f);
	int rc;

	*rows = NULL;
	*n = 0;
	*total = 0;
	*capped = 0;
	/* a name substring: one scan finds both the count and the page */
	if (d == DRIVE_LIST)
		rc = page_by_ids(db, f, d, like, rows, n, total, err);
	else if ((rc = page_in_order(db, f, d, 1, like, rows, n, total, err)) == 0 && *total < 0)
		rc = list_count(db, f, d, like, total, capped, err);  /* an empty page */
	if (*total > limit) {
		*capped = 1;
		*total = limit;
	}
	free(like);
	if (rc == 0)
		rc = fill_cal_status(db, *rows, *n, err);
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
	if (rc == 0)
		rc = fill_cal_status(db, row, 1, err);
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
	if (rc == 0 && *found)
		rc = fill_cal_status(db, row, 1, err);
	return rc;
}
