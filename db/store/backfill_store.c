/* backfill_store.c - SQL for backfills and backfill_dates (backfill_store.h).
 * Each function is a few statements, the index that serves each noted
 * beside it. Days travel as day numbers: DATEDIFF(day, '1970-01-01') out,
 * DATE_ADD('1970-01-01', INTERVAL n DAY) in. */
#include "backfill_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "task.h"
#include "timeutil.h"

#define EPOCH "'1970-01-01'"
#define DAY_IN(x) "DATE_ADD(" EPOCH ", INTERVAL " x " DAY)"

static const char *const mode_names[] = {"missing", "failed", "all"};
static const char *const status_names[] = {"running", "done", "cancelled"};
static const char *const date_states[] = {"planned", "started", "ended", "cancelled"};

static int lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *backfill_mode_name(int mode)
{
	return mode >= 0 && mode < BF_MODE_COUNT ? mode_names[mode] : "unknown";
}

int backfill_mode_parse(const char *s)
{
	return lookup(mode_names, BF_MODE_COUNT, s);
}

const char *backfill_status_name(int status)
{
	return status >= 0 && status < BF_STATUS_COUNT ? status_names[status] : "unknown";
}

const char *backfill_date_state_name(int state)
{
	return state >= 0 && state < 4 ? date_states[state] : "unknown";
}

/* ---- the plan ----------------------------------------------------------------------- */

static int coverage(const backfill_req *q, const zq_calendar *cal, zq_err *err)
{
	char d[11];

	if (!zq_cal_covers(cal, q->from)) {
		zq_day_format(cal->covered_from, d);
		return zq_errf(err, ZQ_EINVAL, "from: calendar %s has no data before %s", cal->name, d);
	}
	if (!zq_cal_covers(cal, q->to)) {
		zq_day_format(cal->covered_until, d);
		return zq_errf(err, ZQ_EINVAL, "to: calendar %s has no data after %s", cal->name, d);
	}
	return 0;
}

/* Every business day (every day without cal) of [from, to]. */
static int candidates(const backfill_req *q, const zq_calendar *cal, int64_t **out, int *n,
		      zq_err *err)
{
	int64_t span = (int64_t)q->to - q->from + 1;
	int rc;

	*out = NULL;
	*n = 0;
	if (span < 1)
		return zq_errf(err, ZQ_EINVAL, "to: must not be before from");
	if (span > BACKFILL_DAYS_MAX)
		return zq_errf(err, ZQ_EINVAL, "to: at most %d days after from", BACKFILL_DAYS_MAX - 1);
	if (cal && (rc = coverage(q, cal, err)) < 0)
		return rc;
	*out = zq_calloc((size_t)span, sizeof(int64_t));
	for (int32_t d = q->from; d <= q->to; d++)
		if (!cal || zq_cal_is_business(cal, d))
			(*out)[(*n)++] = d;
	return 0;
}

/* ix_exec_task_bizdate (task_id, business_date, id): one short range per
 * date, its first row (missing: any run that counts; failed: the newest). */
static const char *filter_sql(int mode)
{
	if (mode == BF_MODE_MISSING)
		return "SELECT j.id FROM " ZQ_DB_IDS_TABLE " WHERE NOT EXISTS (SELECT 1 FROM "
		       "task_executions e FORCE INDEX (ix_exec_task_bizdate) WHERE e.task_id = ? AND "
		       "e.business_date = " DAY_IN("j.id") " AND e.status NOT IN ('skipped', "
		       "'terminated')) ORDER BY j.id";
	return "SELECT j.id FROM " ZQ_DB_IDS_TABLE " WHERE (SELECT e.status FROM task_executions e "
	       "FORCE INDEX (ix_exec_task_bizdate) WHERE e.task_id = ? AND e.business_date = "
	       DAY_IN("j.id") " ORDER BY e.id DESC LIMIT 1) IN ('failed', 'terminated') ORDER BY j.id";
}

int backfill_store_plan(zq_db *db, const backfill_req *q, const zq_calendar *cal,
			int32_t **dates, int *n, zq_err *err)
{
	int64_t *days = NULL;
	char *json = NULL;
	zq_stmt *st;
	int nd = 0, rc;

	*dates = NULL;
	*n = 0;
	if ((rc = candidates(q, cal, &days, &nd, err)) < 0)
		return rc;
	if (q->mode != BF_MODE_ALL && nd > 0) {
		json = zq_db_ids_json(days, nd);
		if (!(st = zq_db_prepare(db, filter_sql(q->mode), err))) {
			rc = err->code;
			goto out;
		}
		zq_stmt_bind_str(st, 0, json);
		zq_stmt_bind_i64(st, 1, q->task_id);
		rc = zq_stmt_fetch_ids(st, days, nd, &nd, err);
		zq_stmt_done(st);
		if (rc < 0)
			goto out;
	}
	*dates = zq_calloc((size_t)nd + 1, sizeof(int32_t));
	for (int i = 0; i < nd; i++)
		(*dates)[i] = (int32_t)days[i];
	*n = nd;
	rc = 0;
out:
	free(json);
	free(days);
	return rc;
}

/* ---- create, read, cancel ----------------------------------------------------------- */

static void request_key(const backfill_req *q, char out[64])
{
	char f[11], t[11];

	zq_day_format(q->from, f);
	zq_day_format(q->to, t);
	snprintf(out, 64, "%s|%s|%s", f, t, backfill_mode_name(q->mode));
}

/* The running backfill that holds q's key (uk_backfills_running), 0 when none. */
static int64_t running_twin(zq_db *db, const backfill_req *q)
{
	zq_stmt *st = zq_db_prepare(db, "SELECT id FROM backfills WHERE active_key = ? AND "
				    "request_key = ?", NULL);
	char key[64];
	int64_t id = 0;

	if (!st)
		return 0;
	request_key(q, key);
	zq_stmt_bind_i64(st, 0, q->task_id);
	zq_stmt_bind_str(st, 1, key);
	if (zq_stmt_exec(st, NULL) == 0 && zq_stmt_fetch(st) > 0)
		id = zq_stmt_i64(st, 0);
	zq_stmt_done(st);
	return id;
}

static int insert_row(zq_db *db, const backfill_req *q, int n, int64_t *id, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
		"INSERT INTO backfills (task_id, from_date, to_date, mode, concurrency, status, total, "
		"active_key, request_key, created_by, finished_at) VALUES (?, " DAY_IN("?") ", "
		DAY_IN("?") ", ?, ?, ?, ?, ?, ?, ?, IF(? = 0, UTC_TIMESTAMP(3), NULL))", err);
	char key[64];
	int rc;

	if (!st)
		return err->code;
	request_key(q, key);
	zq_stmt_bind_i64(st, 0, q->task_id);
	zq_stmt_bind_i64(st, 1, q->from);
	zq_stmt_bind_i64(st, 2, q->to);
	zq_stmt_bind_str(st, 3, backfill_mode_name(q->mode));
	zq_stmt_bind_i64(st, 4, q->concurrency);
	zq_stmt_bind_str(st, 5, n ? "running" : "done");
	zq_stmt_bind_i64(st, 6, n);
	if (n) {
		zq_stmt_bind_i64(st, 7, q->task_id);
		zq_stmt_bind_str(st, 8, key);
	} else {
		zq_stmt_bind_null(st, 7);
		zq_stmt_bind_null(st, 8);
	}
	zq_stmt_bind_str(st, 9, q->actor);
	zq_stmt_bind_i64(st, 10, n);
	rc = zq_stmt_exec(st, err);
	if (rc == 0)
		*id = (int64_t)zq_stmt_insert_id(st);
	zq_stmt_done(st);
	return rc;
}

int backfill_store_create(zq_db *db, const backfill_req *q, const int32_t *dates, int n,
			  int64_t *id, zq_err *err)
{
	int64_t *days, twin;
	char *json;
	zq_stmt *st;
	int rc;

	*id = 0;
	if ((rc = insert_row(db, q, n, id, err)) == ZQ_ECONFLICT) {
		if ((twin = running_twin(db, q)) == 0)  /* the foreign key: the task is gone */
			return zq_errf(err, ZQ_ENOTFOUND, "task %lld not found", (long long)q->task_id);
		*id = twin;
		return zq_errf(err, ZQ_ECONFLICT, "backfill %lld of task %lld with the same from, to "
			       "and mode is running (cancel it first)", (long long)twin,
			       (long long)q->task_id);
	}
	if (rc < 0 || n == 0)
		return rc;
	days = zq_calloc((size_t)n, sizeof(int64_t));
	for (int i = 0; i < n; i++)
		days[i] = dates[i];
	json = zq_db_ids_json(days, n);
	free(days);
	if (!(st = zq_db_prepare(db, "INSERT INTO backfill_dates (backfill_id, business_date) "
				 "SELECT ?, " DAY_IN("j.id") " FROM " ZQ_DB_IDS_TABLE, err))) {
		free(json);
		return err->code;
	}
	zq_stmt_bind_i64(st, 0, *id);
	zq_stmt_bind_str(st, 1, json);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	free(json);
	return rc;
}

#define BF_COLUMNS                                                                         \
	"b.id, b.task_id, DATEDIFF(b.from_date, " EPOCH "), DATEDIFF(b.to_date, " EPOCH "), " \
	"b.mode, b.concurrency, b.status, b.total, b.done, b.failed, (SELECT COUNT(*) FROM "  \
	"task_executions e FORCE INDEX (ix_exec_backfill) WHERE e.backfill_id = b.id AND "    \
	"e.status IN ('pending', 'running')), b.created_by, b.created_at, b.finished_at "     \
	"FROM backfills b "

static void read_row(zq_stmt *st, backfill_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = zq_stmt_i64(st, 0);
	r->task_id = zq_stmt_i64(st, 1);
	r->from = (int32_t)zq_stmt_i64(st, 2);
	r->to = (int32_t)zq_stmt_i64(st, 3);
	r->mode = backfill_mode_parse(zq_stmt_str(st, 4));
	r->concurrency = (int)zq_stmt_i64(st, 5);
	r->status = lookup(status_names, BF_STATUS_COUNT, zq_stmt_str(st, 6));
	r->total = (int)zq_stmt_i64(st, 7);
	r->done = (int)zq_stmt_i64(st, 8);
	r->failed = (int)zq_stmt_i64(st, 9);
	r->running = (int)zq_stmt_i64(st, 10);
	zq_stmt_copy(st, 11, r->created_by, sizeof(r->created_by));
	r->created_ms = zq_stmt_time(st, 12);
	r->finished_ms = zq_stmt_time(st, 13);
}

int backfill_store_list(zq_db *db, int64_t task_id, int limit, backfill_row **rows, int *n,
			zq_err *err)
{
	/* ix_backfills_task (task_id, id), backwards */
	zq_stmt *st = zq_db_prepare(db, "SELECT " BF_COLUMNS "WHERE b.task_id = ? ORDER BY b.id "
				    "DESC LIMIT ?", err);
	size_t cap = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, task_id);
	zq_stmt_bind_i64(st, 1, limit);
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		while ((rc = zq_stmt_fetch(st)) > 0) {
			*rows = zq_grow(*rows, &cap, (size_t)*n + 1, sizeof(**rows));
			read_row(st, &(*rows)[(*n)++]);
		}
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
	}
	zq_stmt_done(st);
	return rc;
}

int backfill_store_get(zq_db *db, int64_t id, backfill_row *r, zq_err *err)
{
	/* PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db, "SELECT " BF_COLUMNS "WHERE b.id = ?", err);
	int rc;

	memset(r, 0, sizeof(*r));
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, id);
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		if ((rc = zq_stmt_fetch(st)) > 0)
			read_row(st, r);
		rc = rc > 0 ? 0 : rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed")
				    : zq_errf(err, ZQ_ENOTFOUND, "backfill %lld not found", (long long)id);
	}
	zq_stmt_done(st);
	return rc;
}

/* The newest run of a backfill's date: ix_exec_task_bizdate, backwards. */
#define LAST_STATUS                                                                            \
	"(SELECT e.status FROM task_executions e FORCE INDEX (ix_exec_task_bizdate) WHERE "    \
	"e.task_id = ? AND e.business_date = d.business_date AND e.backfill_id = d.backfill_id " \
	"ORDER BY e.id DESC LIMIT 1)"

int backfill_store_dates(zq_db *db, const backfill_row *r, backfill_date **dates, int *n,
			 zq_err *err)
{
	/* PRIMARY KEY (backfill_id, business_date) */
	zq_stmt *st = zq_db_prepare(db, "SELECT DATEDIFF(d.business_date, " EPOCH "), d.state, "
				    "d.execution_id, " LAST_STATUS " FROM backfill_dates d WHERE "
				    "d.backfill_id = ? ORDER BY d.business_date", err);
	size_t cap = 0;
	int rc;

	*dates = NULL;
	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, r->task_id);
	zq_stmt_bind_i64(st, 1, r->id);
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		while ((rc = zq_stmt_fetch(st)) > 0) {
			backfill_date *d;
			*dates = zq_grow(*dates, &cap, (size_t)*n + 1, sizeof(**dates));
			d = &(*dates)[(*n)++];
			d->day = (int32_t)zq_stmt_i64(st, 0);
			d->state = lookup(date_states, 4, zq_stmt_str(st, 1));
			d->exec_id = zq_stmt_i64(st, 2);
			d->status = zq_stmt_isnull(st, 3) ? -1 : zq_exec_status_parse(zq_stmt_str(st, 3));
		}
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
	}
	zq_stmt_done(st);
	return rc;
}

static int exec_count(zq_db *db, const char *sql, int64_t id, int *n, zq_err *err)
{
	uint64_t affected = 0;
	int rc = zq_db_exec_id(db, sql, id, &affected, err);

	if (n)
		*n = (int)affected;
	return rc;
}

int backfill_store_cancel(zq_db *db, int64_t id, int *dates, int *runs, zq_err *err)
{
	int64_t v;
	int rc;

	*dates = *runs = 0;
	/* PRIMARY KEY: the engine's claim skips it while this runs */
	rc = zq_db_query_i64(db, "SELECT status = 'running' FROM backfills WHERE id = ? FOR UPDATE",
			     id, &v, err);
	if (rc == ZQ_ENOTFOUND)
		return zq_errf(err, rc, "backfill %lld not found", (long long)id);
	if (rc < 0)
		return rc;
	if (!v)
		return zq_errf(err, ZQ_ECONFLICT, "backfill %lld is not running (done or cancelled)",
			       (long long)id);
	if ((rc = exec_count(db, "UPDATE backfills SET status = 'cancelled', active_key = NULL, "
			     "request_key = NULL WHERE id = ?", id, NULL, err)) < 0 ||
	    /* ix_backfill_dates_state (backfill_id, state, business_date) */
	    (rc = exec_count(db, "UPDATE backfill_dates SET state = 'cancelled' WHERE backfill_id = ? "
			     "AND state = 'planned'", id, dates, err)) < 0 ||
	    /* ix_exec_backfill (backfill_id, status): the scheduler acts on the flag */
	    (rc = exec_count(db, "UPDATE task_executions SET cancel_requested = 1 WHERE backfill_id = ? "
			     "AND status IN ('pending', 'running')", id, runs, err)) < 0)
		return rc;
	/* nothing started left: it is finished now (else the engine finishes it) */
	return exec_count(db, "UPDATE backfills b SET b.finished_at = UTC_TIMESTAMP(3) WHERE b.id = ? "
			  "AND NOT EXISTS (SELECT 1 FROM backfill_dates d WHERE d.backfill_id = b.id "
			  "AND d.state = 'started')", id, NULL, err);
}

/* ---- the engine --------------------------------------------------------------------- */

int backfill_store_claim(zq_db *db, backfill_job *jobs, int max, int *n, zq_err *err)
{
	/* ix_backfills_status (status, id); rows another daemon (or a cancel)
	 * holds are skipped: it handles them this round */
	zq_stmt *st = zq_db_prepare(db, "SELECT id, task_id, concurrency, status, created_by FROM "
				    "backfills WHERE status IN ('running', 'cancelled') AND "
				    "finished_at IS NULL ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED",
				    err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, max);
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		while (*n < max && (rc = zq_stmt_fetch(st)) > 0) {
			backfill_job *b = &jobs[(*n)++];
			b->id = zq_stmt_i64(st, 0);
			b->task_id = zq_stmt_i64(st, 1);
			b->concurrency = (int)zq_stmt_i64(st, 2);
			b->status = lookup(status_names, BF_STATUS_COUNT, zq_stmt_str(st, 3));
			zq_stmt_copy(st, 4, b->created_by, sizeof(b->created_by));
		}
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
	}
	zq_stmt_done(st);
	return rc;
}

static int set_date(zq_db *db, const backfill_job *b, int32_t day, const char *state,
		    int64_t exec_id, zq_err *err)
{
	/* PRIMARY KEY (backfill_id, business_date) */
	zq_stmt *st = zq_db_prepare(db, "UPDATE backfill_dates SET state = ?, execution_id = "
				    "COALESCE(?, execution_id) WHERE backfill_id = ? AND "
				    "business_date = " DAY_IN("?"), err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, state);
	if (exec_id > 0)
		zq_stmt_bind_i64(st, 1, exec_id);
	else
		zq_stmt_bind_null(st, 1);
	zq_stmt_bind_i64(st, 2, b->id);
	zq_stmt_bind_i64(st, 3, day);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	return rc;
}

/* The started dates (at most concurrency of them, ix_backfill_dates_state),
 * each with how many of its runs are pending or running and its newest run's
 * status (ix_exec_task_bizdate: the date's few runs). */
struct started {
	int32_t day;
	int live, ok;
};

static int started_dates(zq_db *db, const backfill_job *b, struct started *out, int max, int *n,
			 zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
		"SELECT DATEDIFF(d.business_date, " EPOCH "), (SELECT COUNT(*) FROM task_executions e "
		"FORCE INDEX (ix_exec_task_bizdate) WHERE e.task_id = ? AND e.business_date = "
		"d.business_date AND e.backfill_id = d.backfill_id AND e.status IN ('pending', "
		"'running')), " LAST_STATUS " = 'success' FROM backfill_dates d WHERE d.backfill_id = ? "
		"AND d.state = 'started' ORDER BY d.business_date LIMIT ?", err);
	int rc;

	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, b->task_id);
	zq_stmt_bind_i64(st, 1, b->task_id);
	zq_stmt_bind_i64(st, 2, b->id);
	zq_stmt_bind_i64(st, 3, max);
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		while (*n < max && (rc = zq_stmt_fetch(st)) > 0) {
			struct started *s = &out[(*n)++];
			s->day = (int32_t)zq_stmt_i64(st, 0);
			s->live = (int)zq_stmt_i64(st, 1);
			s->ok = zq_stmt_i64(st, 2) == 1;
		}
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
	}
	zq_stmt_done(st);
	return rc;
}

/* More started dates than this (an older daemon's, a lowered concurrency)
 * are ended over several rounds. */
#define STARTED_MAX (4 * BACKFILL_CONCURRENCY_MAX)

int backfill_store_end_dates(zq_db *db, const backfill_job *b, int *ended, int *failed,
			     int *left, zq_err *err)
{
	struct started s[STARTED_MAX];
	int n = 0, rc;

	*ended = *failed = *left = 0;
	if ((rc = started_dates(db, b, s, STARTED_MAX, &n, err)) < 0)
		return rc;
	for (int i = 0; i < n; i++) {
		if (s[i].live) {
			(*left)++;
			continue;
		}
		if ((rc = set_date(db, b, s[i].day, "ended", 0, err)) < 0)
			return rc;
		(*ended)++;
		*failed += !s[i].ok;
	}
	if (n == STARTED_MAX)
		*left += 1;  /* more than it read: start nothing this round */
	return 0;
}

static int insert_run(zq_db *db, const backfill_job *b, int32_t day, int64_t *exec_id,
		      zq_err *err)
{
	/* the shape of a manual trigger (exec_api.c): pending, due now, no fire_key */
	zq_stmt *st = zq_db_prepare(db,
		"INSERT INTO task_executions (task_id, trigger_type, status, scheduled_time, "
		"not_before, business_date, backfill_id, created_by) VALUES (?, 'backfill', "
		"'pending', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), " DAY_IN("?") ", ?, ?)", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, b->task_id);
	zq_stmt_bind_i64(st, 1, day);
	zq_stmt_bind_i64(st, 2, b->id);
	zq_stmt_bind_str(st, 3, b->created_by[0] ? b->created_by : NULL);
	rc = zq_stmt_exec(st, err);
	if (rc == 0)
		*exec_id = (int64_t)zq_stmt_insert_id(st);
	zq_stmt_done(st);
	return rc;
}

int backfill_store_start_dates(zq_db *db, const backfill_job *b, int max, int32_t *days,
			       int64_t *exec_ids, int *n, zq_err *err)
{
	/* ix_backfill_dates_state (backfill_id, state, business_date): oldest first */
	zq_stmt *st = zq_db_prepare(db, "SELECT DATEDIFF(business_date, " EPOCH ") FROM "
				    "backfill_dates WHERE backfill_id = ? AND state = 'planned' "
				    "ORDER BY business_date LIMIT ?", err);
	int64_t ids[BACKFILL_CONCURRENCY_MAX];
	int k = 0, rc;

	*n = 0;
	if (max > BACKFILL_CONCURRENCY_MAX)
		max = BACKFILL_CONCURRENCY_MAX;
	if (max <= 0)
		return 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, b->id);
	zq_stmt_bind_i64(st, 1, max);
	rc = zq_stmt_fetch_ids(st, ids, max, &k, err);
	zq_stmt_done(st);
	for (int i = 0; rc == 0 && i < k; i++) {
		days[i] = (int32_t)ids[i];
		if ((rc = insert_run(db, b, days[i], &exec_ids[i], err)) == 0 &&
		    (rc = set_date(db, b, days[i], "started", exec_ids[i], err)) == 0)
			(*n)++;
	}
	return rc;
}

int backfill_store_progress(zq_db *db, const backfill_job *b, int ended, int failed,
			    int *finished, zq_err *err)
{
	zq_stmt *st;
	int64_t open = 0;
	int rc;

	*finished = 0;
	if (ended) {
		if (!(st = zq_db_prepare(db, "UPDATE backfills SET done = done + ?, failed = failed + ? "
					 "WHERE id = ?", err)))
			return err->code;
		zq_stmt_bind_i64(st, 0, ended);
		zq_stmt_bind_i64(st, 1, failed);
		zq_stmt_bind_i64(st, 2, b->id);
		rc = zq_stmt_exec(st, err);
		zq_stmt_done(st);
		if (rc < 0)
			return rc;
	}
	/* ix_backfill_dates_state: index only */
	if ((rc = zq_db_query_i64(db, "SELECT COUNT(*) FROM backfill_dates WHERE backfill_id = ? "
				  "AND state IN ('planned', 'started')", b->id, &open, err)) < 0)
		return rc;
	if (open)
		return 0;
	*finished = 1;
	return exec_count(db, "UPDATE backfills SET status = IF(status = 'running', 'done', status), "
			  "finished_at = UTC_TIMESTAMP(3), active_key = NULL, request_key = NULL "
			  "WHERE id = ?", b->id, NULL, err);
}
