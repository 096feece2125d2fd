/* calendar_store.h - calendars and calendar_days rows (README "Calendars
 * and business dates"): list, load one into a zq_calendar, insert, update
 * (the day lists replaced in the same transaction), delete with the "in
 * use" check, and the next_run_at of the tasks that follow a calendar.
 *
 * Days travel as day numbers (calendar.h): the statements read DATEDIFF(day,
 * '1970-01-01') and write DATE_ADD('1970-01-01', INTERVAL n DAY), and a
 * whole day list is one JSON parameter (JSON_TABLE), so 20,000 days are one
 * statement. Coverage: covered_from / covered_until are NULL unless set
 * explicitly; a loaded calendar carries the effective range (zq_cal_finish
 * applies the defaults from the days). Every change bumps version. */
#ifndef ZQ_CALENDAR_STORE_H
#define ZQ_CALENDAR_STORE_H

#include "calendar.h"
#include "db.h"

#define CALENDAR_DAYS_MAX 20000      /* days one calendar may list */
#define CALENDAR_USED_MAX 50         /* tasks named by a 409 */

typedef struct calendar_row {
	zq_calendar cal;             /* id, name, version, weekend, days, effective coverage */
	char *description;           /* heap or NULL */
	char timezone[65];
	int32_t set_from, set_until; /* stored coverage; ZQ_CAL_NO_DAY = the default */
	int64_t tasks;               /* tasks that use the calendar */
	int64_t nholidays, nworkdays;/* counts (also filled by the listing) */
	char created_by[65];
	int64_t created_ms, updated_ms;
} calendar_row;

void calendar_row_init(calendar_row *r);
void calendar_row_release(calendar_row *r);
void calendar_rows_free(calendar_row *rows, int n);

/* Remove day from cal's lists (sorted, as zq_cal_finish leaves them). */
void calendar_drop_day(zq_calendar *cal, int32_t day);
/* An import: in's days into r (replace: instead of r's), a day given again
 * taking the new kind; r's explicit coverage grows to Jan 1 / Dec 31 of the
 * imported years. Returns the days imported. Run zq_cal_finish after. */
int calendar_row_merge(calendar_row *r, const zq_calendar *in, int replace);

/* Every calendar in id order, without their days (coverage effective). */
int calendar_store_list(zq_db *db, calendar_row **rows, int *n, zq_err *err);

/* One calendar by id (id > 0) or by name, with its days (sorted, checked by
 * zq_cal_finish). CAL_FOR_UPDATE locks the calendar row for the caller's
 * transaction. ZQ_ENOTFOUND "calendar 'X' not found". r is initialised. */
#define CAL_FOR_UPDATE 1
int calendar_store_get(zq_db *db, int64_t id, const char *name, int flags, calendar_row *r,
		       zq_err *err);
/* The same, only the zq_calendar (for schedules). cal is initialised. */
int calendar_store_load(zq_db *db, int64_t id, const char *name, zq_calendar *cal, zq_err *err);
/* Lock the calendar row in share mode (a task that starts using it, so a
 * concurrent delete waits): ZQ_ENOTFOUND when it is gone. */
int calendar_store_lock_shared(zq_db *db, int64_t id, zq_err *err);

/* Insert r (with its days); r->cal.id is assigned. ZQ_ECONFLICT
 * "body.name: a calendar named 'X' already exists". */
int calendar_store_insert(zq_db *db, calendar_row *r, zq_err *err);
/* Write name, description, timezone, weekend, the stored coverage and, with
 * days set, replace every day by r->cal's; version + 1. */
int calendar_store_update(zq_db *db, const calendar_row *r, int days, zq_err *err);

/* The effective covered_until of calendar id: the stored one, else Dec 31
 * of its last day's year; ZQ_CAL_NO_DAY when neither. */
int calendar_store_until(zq_db *db, int64_t id, int32_t *until, zq_err *err);

/* Tasks using calendar id (up to CALENDAR_USED_MAX, id order) into ids. */
int calendar_store_users(zq_db *db, int64_t id, int64_t *ids, int *n, zq_err *err);
/* Delete (days cascade). ZQ_ENOTFOUND when absent. */
int calendar_store_delete(zq_db *db, int64_t id, zq_err *err);

/* Every enabled, unpaused task with this calendar gets next_run_at
 * recomputed from now_ms (zq_task_first_run with cal), version + 1, in the
 * caller's transaction. */
int calendar_store_recompute_tasks(zq_db *db, const zq_calendar *cal, int64_t now_ms,
				   zq_err *err);

/* The default coverage of a calendar listing days first..last (either may be
 * ZQ_CAL_NO_DAY): Jan 1 of first's year, Dec 31 of last's year. */
int32_t calendar_year_start(int32_t day);
int32_t calendar_year_end(int32_t day);

#endif
