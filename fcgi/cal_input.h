/* cal_input.h - what the calendar routes share (h_calendars.c,
 * h_calendar_days.c): a calendar body applied to a calendar_row, the JSON
 * shape of a calendar, the {id}-or-name of the path, and the change
 * transaction every edit ends with (version + 1, the tasks' next_run_at
 * recomputed, an audit row).
 *
 * Body fields: name (1-64 of letters, digits, . _ -, not all digits: it
 * is used in paths), description, timezone, weekend ([6, 7]: ISO weekdays),
 * covered_from / covered_until ("YYYY-MM-DD" or null = from the days),
 * holidays / workdays (arrays of "YYYY-MM-DD": given, each replaces its
 * list). Errors name the field: "body.holidays[3]: '2026-02-30' is not a
 * date". */
#ifndef ZQ_CAL_INPUT_H
#define ZQ_CAL_INPUT_H

#include "api.h"
#include "calendar_store.h"

/* Apply c->body to r (create: name required). *days receives whether the
 * body gave a day list. Runs cal_input_finish. */
int cal_input_apply(zq_ctx *c, calendar_row *r, int create, int *days);
/* Sort and check r's days and apply the coverage defaults from r's stored
 * coverage ("body." prefixed errors); the day count limit too. */
int cal_input_finish(zq_ctx *c, calendar_row *r);

/* The calendar the path names: c->p[0] when an id, else the name segment
 * after /calendars/ (copied into name). */
void cal_input_ref(zq_ctx *c, int64_t *id, char name[65]);

/* {"id", "name", ..., "holidays": [...], "workdays": [...]} (days only
 * with days set). */
void view_calendar(zq_jw *w, const calendar_row *r, int days);

/* In a transaction that changed r (locked, finished): write it (days too
 * when days), recompute its tasks' next_run_at, audit action. */
int cal_input_save(zq_ctx *c, calendar_row *r, int days, const char *action, const char *detail);

#endif
