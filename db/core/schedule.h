/* schedule.h - when a task fires: cron, fixed interval, one-off, or never.
 *
 * A zq_schedule is a plain value built by zq_schedule_init(); it owns
 * nothing (its zone points into the process-wide zone cache, see tz.h).
 * zq_schedule_next() answers "next fire strictly after T" for every kind, so
 * the scheduler needs no per-kind code. Pure and thread-safe; instants are
 * int64 ms (timeutil.h), results never pass ZQ_CRON_MAX_MS (year 9999). */
#ifndef ZQ_SCHEDULE_H
#define ZQ_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "cron.h"
#include "err.h"
#include "tz.h"

enum zq_sched_kind {
	ZQ_SCHED_NONE = 0, /* manual: never fires by itself */
	ZQ_SCHED_CRON,
	ZQ_SCHED_INTERVAL,
	ZQ_SCHED_ONCE,
};

/* Longest interval accepted: 100 years, in seconds. */
#define ZQ_SCHED_INTERVAL_MAX INT64_C(3155760000)

typedef struct zq_schedule {
	int kind;            /* enum zq_sched_kind */
	zq_cron cron;        /* ZQ_SCHED_CRON */
	const zq_tz *tz;     /* cron zone; also set for other kinds when a zone is given */
	int64_t interval_ms; /* ZQ_SCHED_INTERVAL */
	int64_t anchor_ms;   /* ZQ_SCHED_INTERVAL: fires are anchor + k * interval, k >= 0;
			      * ZQ_TIME_NONE: each fire is the previous one + interval */
	int64_t run_at_ms;   /* ZQ_SCHED_ONCE */
	const zq_calendar *cal; /* NULL = none; not owned (the caller keeps it alive) */
	int cal_rule;        /* ZQ_CAL_RULE_*: NONE without a calendar */
} zq_schedule;

/* Build a schedule from a task's fields. At most one of cron_expr (NULL or
 * "" = none), interval_seconds (0 = none) and run_at_ms (ZQ_TIME_NONE =
 * none) may be set; none set gives ZQ_SCHED_NONE. start_ms anchors an
 * interval (ZQ_TIME_NONE = no anchor) and is ignored for other kinds.
 * tz_name is required for cron and, when given, checked for every kind.
 * Returns 0, or ZQ_EINVAL / ZQ_ENOTFOUND with err naming the field:
 * "cron_expression: minute field: ...", "timezone: unknown time zone
 * 'Mars/Base'", "interval_seconds: must be >= 1", "schedule: set only one
 * of cron_expression, interval_seconds and run_at". */
int zq_schedule_init(zq_schedule *s, const char *cron_expr, int64_t interval_seconds,
		     int64_t start_ms, int64_t run_at_ms, const char *tz_name, zq_err *err);

/* Next fire strictly after after_ms, or ZQ_TIME_NONE (manual, a one-off
 * already past, or beyond year 9999). For an interval without anchor,
 * after_ms is taken as the previous scheduled fire and the result is
 * after_ms + interval: pass the previous scheduled time, not the time a run
 * ended, so intervals do not drift. To skip missed fires while keeping the
 * grid, set anchor_ms to any earlier scheduled fire and pass now. */
int64_t zq_schedule_next(const zq_schedule *s, int64_t after_ms);

/* First fire when a task is created or enabled at now_ms: cron's next
 * after now; an interval's now + interval, or with an anchor the first
 * anchor + k * interval >= now; a one-off's run_at if it is >= now;
 * otherwise (manual, one-off already past) ZQ_TIME_NONE. */
int64_t zq_schedule_first(const zq_schedule *s, int64_t now_ms);

/* Like zq_schedule_init, with a calendar (NULL = none) and rule (NONE = only when cal is set).
 * Refuses B-tokens without a calendar, a rule without a calendar, a calendar on run_at/manual
 * schedules. With a calendar, zq_schedule_next / zq_schedule_first return the next (moved) fire
 * instant, strictly after, in increasing order; ZQ_TIME_NONE past the calendar's coverage. */
int zq_schedule_init_cal(zq_schedule *s, const char *cron_expr, int64_t interval_seconds, int64_t start_ms,
			 int64_t run_at_ms, const char *tz_name, const zq_calendar *cal, int rule, zq_err *err);
/* The fire key of a fire: the original slot (a fire moved by the rule keeps its slot). */
int64_t zq_schedule_slot(const zq_schedule *s, int64_t fire_ms);
/* Date (days since 1970-01-01) of ms in the schedule's zone (UTC without one). */
int32_t zq_schedule_local_day(const zq_schedule *s, int64_t ms);
/* Why next() gave NONE with a calendar: "calendar SSE has no data after 2027-12-31"; NULL if not
 * the calendar (no calendar, a fire exists, or the schedule itself ended). */
const char *zq_schedule_stop_reason(const zq_schedule *s, int64_t after_ms, char *buf, size_t n);

#endif
