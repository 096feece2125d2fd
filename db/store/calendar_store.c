/* calendar_store.c - SQL for calendars and calendar_days (calendar_store.h).
 * Each function is one or two statements, the index that serves each noted
 * beside it. */
#include "calendar_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "task.h"
#include "task_store.h"
#include "timeutil.h"

#define EPOCH "'1970-01-01'"

void calendar_row_init(calendar_row *r)
{
	memset(r, 0, sizeof(*r));
	zq_cal_init(&r->cal);
	r->set_from = r->set_until = ZQ_CAL_NO_DAY;
	zq_strlcpy(r->timezone, "UTC", sizeof(r->timezone));
	r->created_ms = r->updated_ms = ZQ_TIME_NONE;
}

void calendar_row_release(calendar_row *r)
{
	if (!r)
		return;
	zq_cal_release(&r->cal);
	free(r->description);
	r->description = NULL;
}

void calendar_rows_free(calendar_row *rows, int n)
{
	for (int i = 0; rows && i < n; i++)
		calendar_row_release(&rows[i]);
	free(rows);
}

int32_t calendar_year_start(int32_t day)
{
	int y, m, d;

	if (day == ZQ_CAL_NO_DAY)
		return ZQ_CAL_NO_DAY;
	zq_civil_from_days(day, &y, &m, &d);
	return (int32_t)zq_days_from_civil(y, 1, 1);
}

int32_t calendar_year_end(int32_t day)
{
	int y, m, d;

	if (day == ZQ_CAL_NO_DAY)
		return ZQ_CAL_NO_DAY;
	zq_civil_from_days(day, &y, &m, &d);
	return (int32_t)zq_days_from_civil(y, 12, 31);
}

static int32_t day_col(zq_stmt *st, int col)
{
	return zq_stmt_isnull(st, col) ? ZQ_CAL_NO_DAY : (int32_t)zq_stmt_i64(st, col);
}

static void bind_day(zq_stmt *st, int i, int32_t day)
{
	if (day == ZQ_CAL_NO_DAY)
		zq_stmt_bind_null(st, i);
	else
		zq_stmt_bind_i64(st, i, day);
}

/* ---- days ------------------------------------------------------------------------ */

static void drop(int32_t *v, size_t *n, int32_t day)
{
	for (size_t i = 0; i < *n; i++)
		if (v[i] == day) {
			memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof(*v));
			(*n)--;
			return;
		}
}

void calendar_drop_day(zq_calendar *cal, int32_t day)
{
	drop(cal->holidays, &cal->nholidays, day);
	drop(cal->workdays, &cal->nworkdays, day);
}

int calendar_row_merge(calendar_row *r, const zq_calendar *in, int replace)
{
	int32_t first = ZQ_CAL_NO_DAY, last = ZQ_CAL_NO_DAY;
	int added = 0;

	if (replace)
		r->cal.nholidays = r->cal.nworkdays = 0;
	for (int k = 0; k < 2; k++) {
		const int32_t *v = k ? in->workdays : in->holidays;
		size_t n = k ? in->nworkdays : in->nholidays;
		for (size_t i = 0; i < n; i++) {
			calendar_drop_day(&r->cal, v[i]);
			zq_cal_add(&r->cal, v[i], k ? ZQ_CAL_WORKDAY : ZQ_CAL_HOLIDAY);
			if (first == ZQ_CAL_NO_DAY || v[i] < first)
				first = v[i];
			if (last == ZQ_CAL_NO_DAY || v[i] > last)
				last = v[i];
		}
		added += (int)n;
	}
	/* an explicit coverage grows to the imported years */
	if (last != ZQ_CAL_NO_DAY && r->set_until != ZQ_CAL_NO_DAY &&
	    r->set_until < calendar_year_end(last))
		r->set_until = calendar_year_end(last);
	if (first != ZQ_CAL_NO_DAY && r->set_from != ZQ_CAL_NO_DAY &&
	    r->set_from > calendar_year_start(first))
		r->set_from = calendar_year_start(first);
	return added;
}

/* ---- reads ------------------------------------------------------------------------ */

#define CAL_COLUMNS                                                                          \
	"c.id, c.name, c.description, c.timezone, c.weekend, DATEDIFF(c.covered_from, " EPOCH    \
	"), DATEDIFF(c.covered_until, " EPOCH "), c.version, c.created_by, c.created_at, "       \
	"c.updated_at, (SELECT COUNT(*) FROM scheduled_tasks t WHERE t.calendar_id = c.id)"
/* The listing's day summary (PRIMARY KEY prefix of calendar_days). */
#define CAL_SUMMARY                                                                          \
	", (SELECT DATEDIFF(MIN(d.day), " EPOCH ") FROM calendar_days d WHERE d.calendar_id = "  \
	"c.id), (SELECT DATEDIFF(MAX(d.day), " EPOCH ") FROM calendar_days d WHERE "             \
	"d.calendar_id = c.id), (SELECT COUNT(*) FROM calendar_days d WHERE d.calendar_id = "    \
	"c.id AND d.kind = 'holiday'), (SELECT COUNT(*) FROM calendar_days d WHERE "             \
	"d.calendar_id = c.id AND d.kind = 'workday')"

static void read_cal(zq_stmt *st, calendar_row *r)
{
	const char *s;
	zq_err e;

	r->cal.id = zq_stmt_i64(st, 0);
	zq_stmt_copy(st, 1, r->cal.name, sizeof(r->cal.name));
	r->description = zq_stmt_dup(st, 2);
	zq_stmt_copy(st, 3, r->timezone, sizeof(r->timezone));
	s = zq_stmt_str(st, 4);
	if (zq_cal_weekend_parse(s ? s : "", &r->cal.weekend, &e) < 0)
		r->cal.weekend = (1u << 6) | (1u << 7);
	r->set_from = day_col(st, 5);
	r->set_until = day_col(st, 6);
	r->cal.version = (int)zq_stmt_i64(st, 7);
	zq_stmt_copy(st, 8, r->created_by, sizeof(r->created_by));
	r->created_ms = zq_stmt_time(st, 9);
	r->updated_ms = zq_stmt_time(st, 10);
	r->tasks = zq_stmt_i64(st, 11);
	r->cal.covered_from = r->set_from;
	r->cal.covered_until = r->set_until;
}

/* Coverage defaults for a listing row: the same rule zq_cal_finish applies. */
static void summary_coverage(calendar_row *r, int32_t first, int32_t last)
{
	if (r->cal.covered_until == ZQ_CAL_NO_DAY)
		r->cal.covered_until = calendar_year_end(last);
	if (r->cal.covered_from == ZQ_CAL_NO_DAY)
		r->cal.covered_from = first == ZQ_CAL_NO_DAY ? 0 : calendar_year_start(first);
}

int calendar_store_list(zq_db *db, calendar_row **rows, int *n, zq_err *err)
{
	/* PRIMARY KEY order; calendars are few */
	zq_stmt *st = zq_db_prepare(db, "SELECT " CAL_COLUMNS CAL_SUMMARY " FROM calendars c "
				    "ORDER BY c.id", err);
	int rc, cap;

	*rows = NULL;
	*n = 0;
	if (!st)
		return err->code;
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		cap = zq_stmt_num_rows(st);
		*rows = zq_calloc((size_t)cap + 1, sizeof(calendar_row));
		while (*n < cap && (rc = zq_stmt_fetch(st)) > 0) {
			calendar_row *r = &(*rows)[(*n)++];
			calendar_row_init(r);
			read_cal(st, r);
			summary_coverage(r, day_col(st, 12), day_col(st, 13));
			r->nholidays = zq_stmt_i64(st, 14);
			r->nworkdays = zq_stmt_i64(st, 15);
		}
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
	}
	zq_stmt_done(st);
	return rc;
}

static const char *get_sql(int64_t id, int flags)
{
	if (id > 0)  /* PRIMARY KEY */
		return flags & CAL_FOR_UPDATE
			       ? "SELECT " CAL_COLUMNS " FROM calendars c WHERE c.id = ? FOR UPDATE"
			       : "SELECT " CAL_COLUMNS " FROM calendars c WHERE c.id = ?";
	/* uk_calendars_name */
	return flags & CAL_FOR_UPDATE
		       ? "SELECT " CAL_COLUMNS " FROM calendars c WHERE c.name = ? FOR UPDATE"
		       : "SELECT " CAL_COLUMNS " FROM calendars c WHERE c.name = ?";
}

static int not_found(zq_err *err, int64_t id, const char *name)
{
	if (id > 0)
		return zq_errf(err, ZQ_ENOTFOUND, "calendar %lld not found", (long long)id);
	return zq_errf(err, ZQ_ENOTFOUND, "calendar '%.64s' not found", name ? name : "");
}

static int read_days(zq_db *db, calendar_row *r, zq_err *err)
{
	/* PRIMARY KEY prefix (calendar_id), in day order */
	zq_stmt *st = zq_db_prepare(db, "SELECT DATEDIFF(day, " EPOCH "), kind FROM "
				    "calendar_days WHERE calendar_id = ? ORDER BY day", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, r->cal.id);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	while ((rc = zq_stmt_fetch(st)) > 0) {
		const char *k = zq_stmt_str(st, 1);
		int kind = k && strcmp(k, "workday") == 0 ? ZQ_CAL_WORKDAY : ZQ_CAL_HOLIDAY;
		zq_cal_add(&r->cal, (int32_t)zq_stmt_i64(st, 0), kind);
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
out:
	zq_stmt_done(st);
	return rc;
}

int calendar_store_get(zq_db *db, int64_t id, const char *name, int flags, calendar_row *r,
		       zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, get_sql(id, flags), err);
	int rc;

	calendar_row_init(r);
	if (!st)
		return err->code;
	if (id > 0)
		zq_stmt_bind_i64(st, 0, id);
	else
		zq_stmt_bind_str(st, 0, name ? name : "");
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	if ((rc = zq_stmt_fetch(st)) <= 0) {
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : not_found(err, id, name);
		goto out;
	}
	read_cal(st, r);
	rc = 0;
out:
	zq_stmt_done(st);
	if (rc == 0 && (rc = read_days(db, r, err)) == 0) {
		if (zq_cal_finish(&r->cal, err) < 0)  /* stored rows are checked: not expected */
			rc = zq_err_prefix(err, "calendar '%s': ", r->cal.name);
		r->nholidays = (int64_t)r->cal.nholidays;
		r->nworkdays = (int64_t)r->cal.nworkdays;
	}
	return rc;
}

int calendar_store_load(zq_db *db, int64_t id, const char *name, zq_calendar *cal, zq_err *err)
{
	calendar_row r;
	int rc = calendar_store_get(db, id, name, 0, &r, err);

	zq_cal_init(cal);
	if (rc == 0) {
		zq_cal_release(cal);
		*cal = r.cal;          /* moved: r no longer owns the days */
		zq_cal_init(&r.cal);
	}
	calendar_row_release(&r);
	return rc;
}

int calendar_store_lock_shared(zq_db *db, int64_t id, zq_err *err)
{
	/* PRIMARY KEY; a delete's FOR UPDATE waits for this transaction */
	int64_t x;
	int rc = zq_db_query_i64(db, "SELECT id FROM calendars WHERE id = ? LOCK IN SHARE MODE",
				 id, &x, err);

	if (rc == ZQ_ENOTFOUND)
		return not_found(err, id, NULL);
	return rc;
}

/* ---- writes ----------------------------------------------------------------------- */

/* [[day, "holiday"], ...] of r's days. */
static char *days_json(const zq_calendar *c)
{
	zq_buf b;

	zq_buf_init(&b, ZQ_BUF_NOCAP);   /* ~18 bytes a day: no cap (a cap would cut the list) */
	zq_buf_putc(&b, '[');
	for (size_t i = 0; i < c->nholidays; i++)
		zq_buf_printf(&b, "%s[%ld,\"holiday\"]", i ? "," : "", (long)c->holidays[i]);
	for (size_t i = 0; i < c->nworkdays; i++)
		zq_buf_printf(&b, "%s[%ld,\"workday\"]", i || c->nholidays ? "," : "",
			      (long)c->workdays[i]);
	zq_buf_putc(&b, ']');
	return zq_buf_detach(&b, NULL);
}

static int replace_days(zq_db *db, const zq_calendar *c, zq_err *err)
{
	zq_stmt *st;
	char *json;
	int rc;

	/* PRIMARY KEY prefix (calendar_id) */
	if ((rc = zq_db_exec_id(db, "DELETE FROM calendar_days WHERE calendar_id = ?", c->id, NULL,
				err)) < 0)
		return rc;
	if (c->nholidays + c->nworkdays == 0)
		return 0;
	st = zq_db_prepare(db,
			   "INSERT INTO calendar_days (calendar_id, day, kind) SELECT ?, "
			   "DATE_ADD(" EPOCH ", INTERVAL j.d DAY), j.k FROM JSON_TABLE(?, '$[*]' "
			   "COLUMNS (d INT PATH '$[0]', k VARCHAR(8) PATH '$[1]')) j",
			   err);
	if (!st)
		return err->code;
	json = days_json(c);
	zq_stmt_bind_i64(st, 0, c->id);
	zq_stmt_bind_str(st, 1, json);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	free(json);
	return rc;
}

static int name_taken(zq_err *err, const char *name)
{
	return zq_errf(err, ZQ_ECONFLICT, "body.name: a calendar named '%.64s' already exists",
		       name);
}

/* The columns insert and update share: name .. covered_until at 0..5. The
 * statement keeps a pointer to wk (the weekend's text) until it runs. */
static void bind_calendar(zq_stmt *st, const calendar_row *r, char wk[16])
{
	zq_cal_weekend_format(r->cal.weekend, wk);
	zq_stmt_bind_str(st, 0, r->cal.name);
	zq_stmt_bind_str(st, 1, r->description);
	zq_stmt_bind_str(st, 2, r->timezone);
	zq_stmt_bind_str(st, 3, wk);
	bind_day(st, 4, r->set_from);
	bind_day(st, 5, r->set_until);
}

int calendar_store_insert(zq_db *db, calendar_row *r, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db,
				    "INSERT INTO calendars (name, description, timezone, weekend, "
				    "covered_from, covered_until, created_by) VALUES (?, ?, ?, ?, "
				    "DATE_ADD(" EPOCH ", INTERVAL ? DAY), DATE_ADD(" EPOCH
				    ", INTERVAL ? DAY), ?)",
				    err);
	char wk[16];
	int rc;

	if (!st)
		return err->code;
	bind_calendar(st, r, wk);
	zq_stmt_bind_str(st, 6, r->created_by[0] ? r->created_by : NULL);
	rc = zq_stmt_exec(st, err);
	if (rc == ZQ_ECONFLICT)
		name_taken(err, r->cal.name);
	if (rc == 0)
		r->cal.id = (int64_t)zq_stmt_insert_id(st);
	zq_stmt_done(st);
	if (rc == 0)
		rc = replace_days(db, &r->cal, err);
	return rc;
}

int calendar_store_update(zq_db *db, const calendar_row *r, int days, zq_err *err)
{
	/* PRIMARY KEY */
	zq_stmt *st = zq_db_prepare(db,
				    "UPDATE calendars SET name = ?, description = ?, timezone = ?, "
				    "weekend = ?, covered_from = DATE_ADD(" EPOCH ", INTERVAL ? DAY), "
				    "covered_until = DATE_ADD(" EPOCH ", INTERVAL ? DAY), version = "
				    "version + 1 WHERE id = ?",
				    err);
	char wk[16];
	int rc;

	if (!st)
		return err->code;
	bind_calendar(st, r, wk);
	zq_stmt_bind_i64(st, 6, r->cal.id);
	rc = zq_stmt_exec(st, err);
	if (rc == ZQ_ECONFLICT)
		name_taken(err, r->cal.name);
	else if (rc == 0 && zq_stmt_affected(st) == 0)
		rc = not_found(err, r->cal.id, NULL);
	zq_stmt_done(st);
	if (rc == 0 && days)
		rc = replace_days(db, &r->cal, err);
	return rc;
}

int calendar_store_until(zq_db *db, int64_t id, int32_t *until, zq_err *err)
{
	/* PRIMARY KEY, then the PRIMARY KEY prefix of calendar_days (its last entry) */
	zq_stmt *st = zq_db_prepare(db, "SELECT DATEDIFF(c.covered_until, " EPOCH "), (SELECT "
				    "DATEDIFF(MAX(d.day), " EPOCH ") FROM calendar_days d WHERE "
				    "d.calendar_id = c.id) FROM calendars c WHERE c.id = ?", err);
	int rc;

	*until = ZQ_CAL_NO_DAY;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, id);
	if ((rc = zq_stmt_exec(st, err)) == 0) {
		if ((rc = zq_stmt_fetch(st)) > 0)
			*until = !zq_stmt_isnull(st, 0) ? day_col(st, 0)
							: calendar_year_end(day_col(st, 1));
		rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
	}
	zq_stmt_done(st);
	return rc;
}

int calendar_store_users(zq_db *db, int64_t id, int64_t *ids, int *n, zq_err *err)
{
	/* ix_tasks_calendar */
	return zq_db_query_ids(db, "SELECT id FROM scheduled_tasks WHERE calendar_id = ? "
			       "ORDER BY id LIMIT 50", id, ids, CALENDAR_USED_MAX, n, err);
}

int calendar_store_delete(zq_db *db, int64_t id, zq_err *err)
{
	/* PRIMARY KEY; calendar_days cascade */
	uint64_t n = 0;
	int rc = zq_db_exec_id(db, "DELETE FROM calendars WHERE id = ?", id, &n, err);

	if (rc == 0 && n == 0)
		rc = not_found(err, id, NULL);
	return rc;
}

/* ---- the tasks that follow a calendar ------------------------------------------------ */

struct next_run {
	int64_t id, next_ms;
};

/* Read and lock the enabled, unpaused tasks of cal; compute each next run. */
static int collect_next(zq_db *db, const zq_calendar *cal, int64_t now_ms,
			struct next_run **out, size_t *n, zq_err *err)
{
	/* ix_tasks_calendar */
	zq_stmt *st = zq_db_prepare(db, "SELECT " TASK_STORE_COLUMNS " FROM scheduled_tasks "
				    "WHERE calendar_id = ? AND enabled = 1 AND paused = 0 ORDER BY "
				    "id FOR UPDATE", err);
	size_t cap = 0;
	zq_task t;
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return err->code;
	zq_stmt_bind_i64(st, 0, cal->id);
	if ((rc = zq_stmt_exec(st, err)) < 0)
		goto out;
	zq_task_init(&t);
	while ((rc = zq_stmt_fetch(st)) > 0) {
		*out = zq_grow(*out, &cap, *n + 1, sizeof(**out));
		task_store_read(st, 0, &t);
		(*out)[*n].id = t.id;
		if (zq_task_first_run(&t, now_ms, cal, &(*out)[*n].next_ms, err) < 0) {
			rc = zq_err_prefix(err, "task %lld: ", (long long)t.id);
			goto done;
		}
		(*n)++;
	}
	rc = rc < 0 ? zq_errf(err, ZQ_EDB, "fetch failed") : 0;
done:
	zq_task_release(&t);
out:
	zq_stmt_done(st);
	return rc;
}

int calendar_store_recompute_tasks(zq_db *db, const zq_calendar *cal, int64_t now_ms,
				   zq_err *err)
{
	struct next_run *v;
	zq_stmt *st;
	size_t n;
	int rc;

	if ((rc = collect_next(db, cal, now_ms, &v, &n, err)) < 0 || n == 0)
		goto out;
	/* PRIMARY KEY; the rows are locked above */
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!(st = zq_db_prepare(db, "UPDATE scheduled_tasks SET next_run_at = ?, version = "
					 "version + 1 WHERE id = ?", err))) {
			rc = err->code;
			break;
		}
		zq_stmt_bind_time(st, 0, v[i].next_ms);
		zq_stmt_bind_i64(st, 1, v[i].id);
		rc = zq_stmt_exec(st, err);
		zq_stmt_done(st);
	}
out:
	free(v);
	return rc;
}
