/* cron.h - cron expressions: parsing and "next fire after T" in a time zone.
 *
 * Syntax: five fields "min hour dom month dow", or six with seconds first.
 * Each field is a comma list of items: '*', 'N', 'A-B', with '/S' steps on
 * '*' and ranges, and 'N/S' meaning N-max/S (Quartz style: minute '0/15'
 * is every 15 minutes). Month names JAN-DEC and day names SUN-SAT in any
 * case; dow 0-7 with 0 and 7 both Sunday. '?' (the whole field) in dom or
 * dow means "any"; 'L' in dom is the month's last day; 'D#K' in dow is the
 * K-th (1-5) weekday D of the month ('MON#2'). If dom and dow are both
 * restricted, a day matching either fires (Vixie cron); a dom or dow field
 * that is exactly '*' or '?' leaves the other to decide alone.
 *
 * Business days (they need a calendar, see schedule.h): dom may instead be
 * a comma list of 'Bn' (n = 1..23, the n-th business day of the month),
 * 'BL' (the last) and 'BL-k' (k = 1..22 before the last), with dow '*' or
 * '?'. zq_cron_next() then proposes every day (dom all set,
 * ZQ_CRON_DOM_BIZ); the schedule layer keeps the days the tokens name.
 *
 * Parsing is strict (see zq_cron_parse) and rejects expressions that can
 * never fire, so zq_cron_next() finds a fire for every parsed expression
 * within its search bound. A zq_cron is a plain value: copy it freely; it
 * owns nothing. All functions are pure and thread-safe. */
#ifndef ZQ_CRON_H
#define ZQ_CRON_H

#include <stdint.h>

#include "err.h"
#include "tz.h"

#define ZQ_CRON_EXPR_MAX 1024 /* longest expression accepted, bytes */

/* flags */
#define ZQ_CRON_DOM_STAR 0x01  /* dom is '*' or '?' */
#define ZQ_CRON_DOW_STAR 0x02  /* dow is '*' or '?' */
#define ZQ_CRON_DOM_LAST 0x04  /* 'L' in dom */
#define ZQ_CRON_HOUR_WILD 0x08 /* hour is '*' or has a step: follows real time in DST overlaps */
#define ZQ_CRON_SECONDS 0x10   /* six-field form */
#define ZQ_CRON_DOM_BIZ 0x20   /* dom is B-tokens: biz_nth / biz_last decide (with a calendar) */

/* One bit per allowed value. */
typedef struct zq_cron {
	uint64_t sec;     /* bits 0-59 (bit 0 only for five fields) */
	uint64_t min;     /* bits 0-59 */
	uint64_t hour;    /* bits 0-23 */
	uint64_t dom;     /* bits 1-31 */
	uint64_t mon;     /* bits 1-12 */
	uint64_t dow;     /* bits 0-6, Sunday = 0 */
	uint64_t dow_nth; /* bit 5 * weekday + (k - 1) for 'weekday#k' */
	uint32_t biz_nth; /* bit n (1-23): 'Bn', the n-th business day of the month */
	uint32_t biz_last; /* bit k (0-22): 'BL-k' ('BL' = bit 0), k before the last business day */
	unsigned flags;   /* ZQ_CRON_* */
} zq_cron;

/* Parse expr into *c. Returns 0, or ZQ_EINVAL with err naming the field and
 * the offending item, e.g. "minute field: value 61 out of range 0-59 in
 * '61'", "day-of-month field: '30' never occurs in month '2', so the
 * expression can never fire", "expected 5 or 6 fields, got 4". *c is
 * unspecified on error. */
int zq_cron_parse(zq_cron *c, const char *expr, zq_err *err);

/* First fire strictly after after_ms, in zone tz (NULL = UTC); whole
 * seconds, so the result is a multiple of 1000. ZQ_TIME_NONE if there is
 * none before ZQ_CRON_MAX_MS.
 *
 * DST: a wall time skipped by a jump forward fires at the same offset after
 * the jump (New York 02:30 on spring-forward day fires at 03:30 EDT); a
 * wall time that occurs twice fires at its first occurrence only, unless
 * the hour field is wild (ZQ_CRON_HOUR_WILD), when it fires in both.
 *
 * Bound: the search never looks further than 400 years (one Gregorian
 * calendar cycle, after which dates and weekdays repeat) past after_ms, and
 * skips ahead by month, day, hour and minute, never second by second; its
 * work is O(months searched + offset changes searched). */
int64_t zq_cron_next(const zq_cron *c, const zq_tz *tz, int64_t after_ms);

/* Instants handled: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z. */
#define ZQ_CRON_MIN_MS INT64_C(-62135596800000)
#define ZQ_CRON_MAX_MS INT64_C(253402300799000)

/* 1 if the hour field is '*' or contains a step ('*' 'N/S' 'A-B/S'). */
int zq_cron_hour_is_wild(const zq_cron *c);

#endif
