/* stats_store.c - daily execution counters (see stats_store.h). */
#include "stats_store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	if (b->n == b->alloc) {
		b->alloc = b->alloc ? b->alloc * 2 : 16;
		b->rows = zq_realloc(b->rows, (size_t)b->alloc * sizeof(*b->rows));
	}
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
	zq_civil c;

	zq_civil_from_days(d->day, &y, &m, &dd);
	snprintf(day, sizeof(day), "%04d-%02d-%02d", y, m, dd);
	zq_ms_to_civil(d->last_end_ms, &c);
	snprintf(end, sizeof(end), "%04d-%02d-%02d %02d:%02d:%02d.%03d", c.year, c.month, c.mday,
		 c.hour, c.min, c.sec, c.ms);
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
	json = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	if (!json) {
		fprintf(stderr, "stats_store: out of memory\n");
		abort();
	}
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
