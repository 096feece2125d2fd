/* stats_store.c - daily execution counters: the scheduler's upserts and
 * the API's statistics (see stats_store.h). */
#include "stats_store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_batch.h"
#include "mem.h"
#include "task.h"
#include "timeutil.h"

void stats_batch_init(stats_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void stats_batch_release(stats_batch *b)
{
	free(b->rows);
	stats_batch_init(b);
}

void stats_batch_reset(stats_batch *b)
{
	b->n = 0;
}

static int64_t day_of(int64_t ms)
{
	return ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
}

static stats_delta *find_or_add(stats_batch *b, int64_t task_id, int64_t day)
{
	for (int i = 0; i < b->n; i++)
		if (b->rows[i].task_id == task_id && b->rows[i].day == day)
			return &b->rows[i];
	b->rows = zq_grow(b->rows, &b->cap, (size_t)b->n + 1, sizeof(*b->rows));
	memset(&b->rows[b->n], 0, sizeof(b->rows[0]));
	b->rows[b->n].task_id = task_id;
	b->rows[b->n].day = day;
	b->rows[b->n].last_end_ms = ZQ_TIME_NONE;
	return &b->rows[b->n++];
}

void stats_batch_add(stats_batch *b, int64_t task_id, int status, int64_t end_ms,
		     int64_t duration_ms)
{
	stats_delta *d = find_or_add(b, task_id, day_of(end_ms));

	if (status == ZQ_EXEC_SKIPPED) {
		d->skipped++;
	} else {
		d->runs++;
		d->successes += status == ZQ_EXEC_SUCCESS;
		d->failures += status == ZQ_EXEC_FAILED;
		d->terminations += status == ZQ_EXEC_TERMINATED;
		if (duration_ms > 0) {
			d->total_ms += duration_ms;
			if (duration_ms > d->max_ms)
				d->max_ms = duration_ms;
		}
	}
	if (d->last_end_ms == ZQ_TIME_NONE || end_ms > d->last_end_ms)
		d->last_end_ms = end_ms;
}

static int cmp_delta(const void *a, const void *b)
{
	const stats_delta *x = a, *y = b;

	if (x->task_id != y->task_id)
		return x->task_id < y->task_id ? -1 : 1;
	return x->day < y->day ? -1 : x->day > y->day;
}

static cJSON *delta_json(const stats_delta *d)
{
	cJSON *o = cJSON_CreateObject();
	char day[16], end[40];
	int y, m, dd;

	zq_civil_from_days(d->day, &y, &m, &dd);
	snprintf(day, sizeof(day), "%04d-%02d-%02d", y, m, dd);
	batch_sql_time(d->last_end_ms, end, sizeof(end));
	cJSON_AddNumberToObject(o, "k", (double)d->task_id);
	cJSON_AddStringToObject(o, "d", day);
	cJSON_AddNumberToObject(o, "r", d->runs);
	cJSON_AddNumberToObject(o, "s", d->successes);
	cJSON_AddNumberToObject(o, "f", d->failures);
	cJSON_AddNumberToObject(o, "t", d->terminations);
	cJSON_AddNumberToObject(o, "x", d->skipped);
	cJSON_AddNumberToObject(o, "tm", (double)d->total_ms);
	cJSON_AddNumberToObject(o, "mm", (double)d->max_ms);
	cJSON_AddStringToObject(o, "le", end);
	return o;
}

/* The same counts summed per day into task_stats_daily_all (080), after the
 * task rows: every writer locks its task rows first, then its day rows in
 * day order, so two cannot wait on each other in a cycle. The slot
 * (connection id MOD 4) spreads concurrent writers over 4 rows of a day. */
static int upsert_all(zq_db *db, const char *json, zq_err *err)
{
	/* PRIMARY (day, slot) */
	return zq_db_exec_json(db,
		"INSERT INTO task_stats_daily_all (day, slot, runs, successes, failures, "
		"terminations, skipped, total_duration_ms, max_duration_ms, last_end_at) "
		"SELECT j.d, CONNECTION_ID() MOD 4, SUM(j.r), SUM(j.s), SUM(j.f), SUM(j.t), SUM(j.x), "
		"SUM(j.tm), MAX(j.mm), MAX(j.le) FROM JSON_TABLE(?, '$[*]' COLUMNS (d DATE PATH "
		"'$.d', r INT PATH '$.r', s INT PATH '$.s', f INT PATH '$.f', t INT PATH '$.t', "
		"x INT PATH '$.x', tm BIGINT PATH '$.tm', mm BIGINT PATH '$.mm', "
		"le DATETIME(3) PATH '$.le')) j GROUP BY j.d ORDER BY j.d "
		"ON DUPLICATE KEY UPDATE runs = runs + VALUES(runs), "
		"successes = successes + VALUES(successes), failures = failures + VALUES(failures), "
		"terminations = terminations + VALUES(terminations), skipped = skipped + VALUES(skipped), "
		"total_duration_ms = total_duration_ms + VALUES(total_duration_ms), "
		"max_duration_ms = GREATEST(max_duration_ms, VALUES(max_duration_ms)), "
		"last_end_at = GREATEST(COALESCE(last_end_at, VALUES(last_end_at)), "
		"VALUES(last_end_at))", json, NULL, err);
}

int stats_store_upsert(zq_db *db, stats_batch *b, zq_err *err)
{
	cJSON *arr;
	char *json;
	int rc;

	if (!b->n)
		return 0;
	qsort(b->rows, (size_t)b->n, sizeof(b->rows[0]), cmp_delta);
	arr = cJSON_CreateArray();
	for (int i = 0; i < b->n; i++)
		cJSON_AddItemToArray(arr, delta_json(&b->rows[i]));
	json = batch_render(arr);
	/* PRIMARY (task_id, day); rows in key order */
	rc = zq_db_exec_json(db,
		"INSERT INTO task_stats_daily (task_id, day, runs, successes, failures, terminations, "
		"skipped, total_duration_ms, max_duration_ms, last_end_at) "
		"SELECT j.k, j.d, j.r, j.s, j.f, j.t, j.x, j.tm, j.mm, j.le FROM JSON_TABLE(?, "
		"'$[*]' COLUMNS (k BIGINT PATH '$.k', d DATE PATH '$.d', r INT PATH '$.r', "
		"s INT PATH '$.s', f INT PATH '$.f', t INT PATH '$.t', x INT PATH '$.x', "
		"tm BIGINT PATH '$.tm', mm BIGINT PATH '$.mm', le DATETIME(3) PATH '$.le')) j "
		"ON DUPLICATE KEY UPDATE runs = runs + VALUES(runs), "
		"successes = successes + VALUES(successes), failures = failures + VALUES(failures), "
		"terminations = terminations + VALUES(terminations), skipped = skipped + VALUES(skipped), "
		"total_duration_ms = total_duration_ms + VALUES(total_duration_ms), "
		"max_duration_ms = GREATEST(max_duration_ms, VALUES(max_duration_ms)), "
		"last_end_at = GREATEST(COALESCE(last_end_at, VALUES(last_end_at)), "
		"VALUES(last_end_at))", json, NULL, err);
	if (rc == 0)
		rc = upsert_all(db, json, err);
	free(json);
	return rc;
}

/* ---- the API's read ----------------------------------------------------------- */

static int stats_live(zq_db *db, int64_t task_id, hist_stats *s, zq_err *err)
{
	/* ix_exec_task_status for a task; ix_exec_claim (status, ...) for all;
	 * named, which also halves the optimizer's time (most of these
	 * statements' cost: the reads are a few index entries) */
	zq_stmt *st = zq_db_prepare(db, task_id
		? "SELECT status, COUNT(*) FROM task_executions FORCE INDEX (ix_exec_task_status) "
		  "WHERE task_id = ? AND status IN ('pending', 'running') GROUP BY status"
		: "SELECT status, COUNT(*) FROM task_executions FORCE INDEX (ix_exec_claim) "
		  "WHERE status IN ('pending', 'running') GROUP BY status", err);
	int rc;

	if (!st)
		return err->code;
	if (task_id)
		zq_stmt_bind_i64(st, 0, task_id);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while ((rc = zq_stmt_fetch(st)) > 0) {
		int status = zq_exec_status_parse(zq_stmt_str(st, 0));
		if (status == ZQ_EXEC_PENDING)
			s->pending = zq_stmt_i64(st, 1);
		else if (status == ZQ_EXEC_RUNNING)
			s->running = zq_stmt_i64(st, 1);
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

static int stats_latest(zq_db *db, int64_t task_id, hist_stats *s, zq_err *err)
{
	/* ix_exec_task_id backwards / PRIMARY KEY backwards: one row */
	zq_stmt *st = zq_db_prepare(db, task_id
		? "SELECT id, status, start_time, created_at FROM task_executions FORCE INDEX "
		  "(ix_exec_task_id) WHERE task_id = ? ORDER BY id DESC LIMIT 1"
		: "SELECT id, status, start_time, created_at FROM task_executions FORCE INDEX "
		  "(PRIMARY) ORDER BY id DESC LIMIT 1", err);
	int rc;

	if (!st)
		return err->code;
	if (task_id)
		zq_stmt_bind_i64(st, 0, task_id);
	if ((rc = zq_stmt_exec(st, err)) == 0 && zq_stmt_fetch(st) > 0) {
		s->latest_id = zq_stmt_i64(st, 0);
		s->latest_status = zq_exec_status_parse(zq_stmt_str(st, 1));
		s->latest_time_ms = zq_stmt_time(st, 2);
		if (s->latest_time_ms == ZQ_TIME_NONE)
			s->latest_time_ms = zq_stmt_time(st, 3);
	}
	zq_stmt_done(st);
	return rc;
}

#define DAILY_COLS                                                                  \
	"day, SUM(runs), SUM(successes), SUM(failures), SUM(terminations), SUM(skipped), " \
	"SUM(total_duration_ms), MAX(max_duration_ms)"

/* Every rollup row of the task (PRIMARY KEY prefix, one row a day) or of
 * all tasks (task_stats_daily_all, 080_stats_all_tasks.sql: a few rows a
 * day, kept by the writers; never every (task, day) row), summed into the
 * totals; the days from from_day_ms on kept for the series. */
static int stats_rollup(zq_db *db, int64_t task_id, int64_t from_day_ms, hist_stats *s,
			hist_day **days, int *n, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, task_id
		? "SELECT " DAILY_COLS " FROM task_stats_daily WHERE task_id = ? GROUP BY day "
		  "ORDER BY day"
		: "SELECT " DAILY_COLS " FROM task_stats_daily_all FORCE INDEX (PRIMARY) "
		  "GROUP BY day ORDER BY day", err);
	int rc, cap;

	if (!st)
		return err->code;
	if (task_id)
		zq_stmt_bind_i64(st, 0, task_id);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	cap = zq_stmt_num_rows(st);
	*days = zq_calloc((size_t)cap + 1, sizeof(hist_day));
	while ((rc = zq_stmt_fetch(st)) > 0) {
		hist_day d;

		d.day_ms = zq_stmt_time(st, 0);
		d.runs = zq_stmt_i64(st, 1);
		d.successes = zq_stmt_i64(st, 2);
		d.failures = zq_stmt_i64(st, 3);
		d.terminations = zq_stmt_i64(st, 4);
		d.skipped = zq_stmt_i64(st, 5);
		d.total_duration_ms = zq_stmt_i64(st, 6);
		d.max_duration_ms = zq_stmt_i64(st, 7);
		s->runs += d.runs;
		s->successes += d.successes;
		s->failures += d.failures;
		s->terminations += d.terminations;
		s->skipped += d.skipped;
		s->total_duration_ms += d.total_duration_ms;
		if (d.max_duration_ms > s->max_duration_ms)
			s->max_duration_ms = d.max_duration_ms;
		if (from_day_ms != ZQ_TIME_NONE && d.day_ms >= from_day_ms && *n < cap)
			(*days)[(*n)++] = d;
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

int history_store_stats(zq_db *db, int64_t task_id, int64_t from_day_ms, hist_stats *s,
			hist_day **days, int *n, zq_err *err)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->latest_status = -1;
	s->latest_time_ms = ZQ_TIME_NONE;
	*days = NULL;
	*n = 0;
	if ((rc = stats_rollup(db, task_id, from_day_ms, s, days, n, err)) < 0 ||
	    (rc = stats_live(db, task_id, s, err)) < 0)
		return rc;
	return stats_latest(db, task_id, s, err);
}
