/* schedule.c - one "next fire after T" over cron, interval and one-off.
 *
 * Intervals keep their grid: with an anchor, fires are anchor + k*interval;
 * without one, the next fire is the previous scheduled fire + interval, so
 * a late or slow run never shifts later fires. All arithmetic stays within
 * years 1..9999 (ZQ_CRON_MIN_MS..ZQ_CRON_MAX_MS), so it cannot overflow. */
#include "schedule.h"

#include <stdio.h>
#include <string.h>

#include "schedule_int.h"
#include "timeutil.h"

static int in_range(int64_t ms)
{
	return ms >= ZQ_CRON_MIN_MS && ms <= ZQ_CRON_MAX_MS;
}

static int set_tz(zq_schedule *s, const char *tz_name, zq_err *err)
{
	zq_err e = ZQ_ERR_INIT;

	if (!tz_name || !*tz_name)
		return 0;
	if (!(s->tz = zq_tz_get(tz_name, &e)))
		return zq_errf(err, e.code, "timezone: %s", e.msg);
	return 0;
}

static int init_interval(zq_schedule *s, int64_t seconds, int64_t start_ms, zq_err *err)
{
	if (seconds < 1)
		return zq_errf(err, ZQ_EINVAL, "interval_seconds: must be >= 1");
	if (seconds > ZQ_SCHED_INTERVAL_MAX)
		return zq_errf(err, ZQ_EINVAL, "interval_seconds: must be <= %lld (100 years)",
			       (long long)ZQ_SCHED_INTERVAL_MAX);
	if (start_ms != ZQ_TIME_NONE && !in_range(start_ms))
		return zq_errf(err, ZQ_EINVAL, "start_time: out of range (years 1-9999)");
	s->kind = ZQ_SCHED_INTERVAL;
	s->interval_ms = seconds * 1000;
	s->anchor_ms = start_ms;
	return 0;
}

/* The first B-token of a cron, as written: "B1", "BL", "BL-2". */
static void biz_token(const zq_cron *c, char out[8])
{
	if (c->biz_nth)
		snprintf(out, 8, "B%d", __builtin_ctz(c->biz_nth) % 32);
	else if (c->biz_last & 1)
		strcpy(out, "BL");
	else
		snprintf(out, 8, "BL-%d", __builtin_ctz(c->biz_last | 1u << 31) % 32);
}

static int init_any(zq_schedule *s, const char *cron_expr, int64_t interval_seconds,
		    int64_t start_ms, int64_t run_at_ms, const char *tz_name, int has_cal, zq_err *err)
{
	int has_cron = cron_expr && *cron_expr, has_once = run_at_ms != ZQ_TIME_NONE;
	zq_err e = ZQ_ERR_INIT;
	int rc;

	memset(s, 0, sizeof(*s));
	s->kind = ZQ_SCHED_NONE;
	s->anchor_ms = s->run_at_ms = ZQ_TIME_NONE;
	if (has_cron + (interval_seconds != 0) + has_once > 1)
		return zq_errf(err, ZQ_EINVAL,
			       "schedule: set only one of cron_expression, interval_seconds and run_at");
	if ((rc = set_tz(s, tz_name, err)) < 0)
		return rc;
	if (has_cron) {
		if (!s->tz)
			return zq_errf(err, ZQ_EINVAL, "timezone: required for a cron schedule");
		if ((rc = zq_cron_parse(&s->cron, cron_expr, &e)) < 0)
			return zq_errf(err, rc, "cron_expression: %s", e.msg);
		if ((s->cron.flags & ZQ_CRON_DOM_BIZ) && !has_cal) {
			char tok[8];

			biz_token(&s->cron, tok);
			return zq_errf(err, ZQ_EINVAL,
				       "cron_expression: day-of-month field: %s needs a calendar (set calendar)",
				       tok);
		}
		s->kind = ZQ_SCHED_CRON;
	} else if (interval_seconds != 0) {
		return init_interval(s, interval_seconds, start_ms, err);
	} else if (has_once) {
		if (!in_range(run_at_ms))
			return zq_errf(err, ZQ_EINVAL, "run_at: out of range (years 1-9999)");
		s->kind = ZQ_SCHED_ONCE;
		s->run_at_ms = run_at_ms;
	}
	return 0;
}

int zq_schedule_init(zq_schedule *s, const char *cron_expr, int64_t interval_seconds,
		     int64_t start_ms, int64_t run_at_ms, const char *tz_name, zq_err *err)
{
	return init_any(s, cron_expr, interval_seconds, start_ms, run_at_ms, tz_name, 0, err);
}

int zq_schedule_init_cal(zq_schedule *s, const char *cron_expr, int64_t interval_seconds, int64_t start_ms,
			 int64_t run_at_ms, const char *tz_name, const zq_calendar *cal, int rule, zq_err *err)
{
	int rc = init_any(s, cron_expr, interval_seconds, start_ms, run_at_ms, tz_name, cal != NULL, err);

	if (rc < 0)
		return rc;
	if (rule < ZQ_CAL_RULE_NONE || rule > ZQ_CAL_RULE_PREVIOUS)
		return zq_errf(err, ZQ_EINVAL, "calendar_rule: must be only, next or previous");
	if (!cal && rule != ZQ_CAL_RULE_NONE)
		return zq_errf(err, ZQ_EINVAL, "calendar_rule: needs a calendar");
	if (cal && s->kind != ZQ_SCHED_CRON && s->kind != ZQ_SCHED_INTERVAL)
		return zq_errf(err, ZQ_EINVAL, "calendar: only a cron or interval schedule can follow a "
			       "calendar (not a one-off run_at or a manual task)");
	s->cal = cal;
	s->cal_rule = !cal ? ZQ_CAL_RULE_NONE : rule == ZQ_CAL_RULE_NONE ? ZQ_CAL_RULE_ONLY : rule;
	return 0;
}

static int64_t interval_next(const zq_schedule *s, int64_t after_ms)
{
	int64_t r;

	if (after_ms < ZQ_CRON_MIN_MS)
		after_ms = ZQ_CRON_MIN_MS;
	if (after_ms > ZQ_CRON_MAX_MS)
		return ZQ_TIME_NONE;
	if (s->anchor_ms == ZQ_TIME_NONE)
		r = after_ms + s->interval_ms;
	else if (after_ms < s->anchor_ms)
		r = s->anchor_ms;
	else
		r = s->anchor_ms + ((after_ms - s->anchor_ms) / s->interval_ms + 1) * s->interval_ms;
	return r <= ZQ_CRON_MAX_MS ? r : ZQ_TIME_NONE;
}

int64_t zq_schedule_next(const zq_schedule *s, int64_t after_ms)
{
	if (s->cal && (s->kind == ZQ_SCHED_CRON || s->kind == ZQ_SCHED_INTERVAL))
		return zq_sched_cal_next(s, after_ms);
	switch (s->kind) {
	case ZQ_SCHED_CRON:
		return zq_cron_next(&s->cron, s->tz, after_ms);
	case ZQ_SCHED_INTERVAL:
		return interval_next(s, after_ms);
	case ZQ_SCHED_ONCE:
		return s->run_at_ms > after_ms ? s->run_at_ms : ZQ_TIME_NONE;
	default:
		return ZQ_TIME_NONE;
	}
}

int64_t zq_schedule_first(const zq_schedule *s, int64_t now_ms)
{
	if (s->cal && s->kind == ZQ_SCHED_INTERVAL && s->anchor_ms != ZQ_TIME_NONE)
		return zq_schedule_next(s, now_ms <= INT64_MIN + 1 ? now_ms : now_ms - 1);
	if (s->cal)
		return zq_schedule_next(s, now_ms);
	switch (s->kind) {
	case ZQ_SCHED_INTERVAL:
		return interval_next(s, s->anchor_ms == ZQ_TIME_NONE || now_ms <= INT64_MIN + 1
						? now_ms
						: now_ms - 1);
	case ZQ_SCHED_ONCE:
		return s->run_at_ms >= now_ms ? s->run_at_ms : ZQ_TIME_NONE;
	default:
		return zq_schedule_next(s, now_ms);
	}
}
