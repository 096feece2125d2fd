/* cal_check.h - the checks of a calendar's fields, shared by the API
 * (fcgi/cal_input.c: a request body) and the setup importer
 * (setup_cal.c: a document's item). Every error names the field behind a
 * prefix: "body." gives "body.name: ..." (the API's), "" gives "name: ..."
 * (the importer puts the item's path in front). */
#ifndef ZQ_CAL_CHECK_H
#define ZQ_CAL_CHECK_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "calendar_store.h"
#include "err.h"

/* name (required when create; 1-64 of letters, digits, . _ -, not all
 * digits), description (null = none), timezone (a known zone), weekend
 * (ISO weekdays), covered_from / covered_until (a date or null -> r's
 * set_from / set_until) of obj applied to r. */
int cal_check_fields(const cJSON *obj, const char *pfx, int create, calendar_row *r,
		     zq_err *err);
/* "YYYY-MM-DD" (null -> ZQ_CAL_NO_DAY when null_ok); field is the whole name. */
int cal_check_day(const cJSON *v, const char *field, int null_ok, int32_t *day, zq_err *err);
/* obj's key (an array of dates), when given, replaces cal's days of kind. */
int cal_check_day_list(const cJSON *obj, const char *pfx, const char *key, int kind,
		       zq_calendar *cal, zq_err *err);
/* Sort and check r's days and apply its coverage (set_from / set_until):
 * a day's own error ("2026-10-01: both ...") names days_key, the others
 * their field; the day count limit; covered_until not before covered_from. */
int cal_check_finish(calendar_row *r, const char *pfx, const char *days_key, zq_err *err);

#endif
