/* calendar.h - business-day calendars: which days an exchange is open.
 *
 * A zq_calendar is a value: a weekend mask, sorted holiday and workday day
 * numbers (days since 1970-01-01, timeutil.h zq_days_from_civil) and the
 * range of days it covers. Business day = (weekday not in weekend and not a
 * holiday) or a workday. Asking about a day outside coverage never guesses:
 * zq_cal_next/prev/nth answer ZQ_CAL_NO_DAY. Pure and thread-safe once
 * built (zq_cal_finish). */
#ifndef ZQ_CALENDAR_H
#define ZQ_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define ZQ_CAL_NO_DAY INT32_MIN
enum { ZQ_CAL_HOLIDAY = 1, ZQ_CAL_WORKDAY = 2 };
enum { ZQ_CAL_RULE_NONE = 0, ZQ_CAL_RULE_ONLY, ZQ_CAL_RULE_NEXT, ZQ_CAL_RULE_PREVIOUS };
typedef struct zq_calendar {
	int64_t id;
	char name[65];
	int version;
	unsigned char weekend;            /* bit d (1..7): ISO weekday d is a weekend day; default 6,7 */
	int32_t *holidays; size_t nholidays;   /* sorted, unique (after zq_cal_finish) */
	int32_t *workdays; size_t nworkdays;
	size_t cap_h, cap_w;
	int32_t covered_from, covered_until;   /* inclusive; ZQ_CAL_NO_DAY = not set (defaults applied by zq_cal_finish) */
} zq_calendar;
void zq_cal_init(zq_calendar *c);                         /* weekend 6,7, no days, no coverage */
void zq_cal_release(zq_calendar *c);
void zq_cal_add(zq_calendar *c, int32_t day, int kind);   /* any order */
/* sort, dedupe, refuse a day that is both ("2026-10-01: both a holiday and a workday"), apply the
   coverage defaults (ZQ_EINVAL "covered_until: required when the calendar lists no days"). */
int zq_cal_finish(zq_calendar *c, zq_err *err);
int zq_cal_weekend_parse(const char *s, unsigned char *mask, zq_err *err);   /* "6,7", "" = none; err "weekend: ..." */
void zq_cal_weekend_format(unsigned char mask, char out[16]);              /* "6,7" */
int zq_cal_covers(const zq_calendar *c, int32_t day);
int zq_cal_is_business(const zq_calendar *c, int32_t day);                 /* ignores coverage */
int zq_cal_day_kind(const zq_calendar *c, int32_t day);   /* ZQ_CAL_HOLIDAY, ZQ_CAL_WORKDAY, or 0: listed as neither */
int32_t zq_cal_next(const zq_calendar *c, int32_t day);   /* first business day > day, within coverage, else NO_DAY */
int32_t zq_cal_prev(const zq_calendar *c, int32_t day);   /* last business day < day, within coverage, else NO_DAY */
/* n >= 1: the n-th business day of month y-m; n <= 0: BL-(-n) (0 = the last). NO_DAY if none or not covered. */
int32_t zq_cal_nth(const zq_calendar *c, int y, int m, int n);
/* Lines "YYYY-MM-DD,kind" or "YYYY-MM-DD kind" (kind holiday|workday), '#' comments, blank lines, an optional
   header line "date,kind"; adds to c. ZQ_EINVAL "line 3: '2026-13-01' is not a date" / "line 4: kind must be holiday or workday". */
int zq_cal_parse_days(zq_calendar *c, const char *text, size_t len, zq_err *err);
int zq_cal_rule_parse(const char *s);      /* "only"/"next"/"previous" -> rule, -1 otherwise */
const char *zq_cal_rule_name(int rule);    /* NULL for NONE */
int zq_day_parse(const char *s, int32_t *day);       /* "YYYY-MM-DD" strict; 0 / -1 */
void zq_day_format(int32_t day, char out[11]);

#endif
