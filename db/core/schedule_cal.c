/* schedule_cal.c - a schedule that follows a business calendar (schedule.h).
 *
 * The plain schedule (cron or interval, calendar ignored) gives the slots;
 * the local date of a slot is its date in the schedule's zone. Fires:
 *
 *  - only: a slot on a business day fires; others do not.
 *  - next: a slot on a business day fires. The first slot of a run of
 *    non-business days moves to the same wall time on the business day D
 *    after the run, unless D has slots of its own; the run's other slots do
 *    not fire (never twice on one day).
 *  - previous: the same towards the business day before the run.
 *  - B-tokens (ZQ_CRON_DOM_BIZ): the slots are the cron's on the days the
 *    tokens name; the rule does not matter (they are business days).
 *
 * So every business day has either its own slots or at most one moved fire,
 * and fires come in the order of their days: next(after) walks landing days
 * from the date of after (a day at a time, jumping over days without slots
 * and over non-business runs) and answers the first fire > after on one.
 * Every day looked at must be covered by the calendar, else the walk stops
 * (ZQ_TIME_NONE) and stop_reason says which bound it hit. */
#include "schedule_int.h"

#include <stdio.h>
#include <string.h>

#include "timeutil.h"

#define DAY_MS INT64_C(86400000)
#define SPAN_SLACK (26 * 3600) /* more than any UTC offset, seconds */
#define SPANS_MAX 16           /* spans walked to place a local time */

enum { ST_OK = 0, ST_END, ST_BEFORE, ST_AFTER };

struct cx {
	const zq_schedule *s;
	zq_schedule plain;    /* s without its calendar */
	const zq_calendar *cal;
	int rule;
	int st;               /* ST_*: why the walk stopped */
	int mon_y, mon_m;     /* B-tokens: the month whose days mon_mask holds */
	uint32_t mon_mask;    /* bit d: day d of that month is one the tokens name */
};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int32_t zq_schedule_local_day(const zq_schedule *s, int64_t ms)
{
	int64_t sec = floor_div(ms, 1000);

	if (s->tz)
		sec += zq_tz_offset_at(s->tz, ms);
	return (int32_t)floor_div(sec, 86400);
}

/* The instant local ms `lms` is shown in tz: its first occurrence; a wall
 * time skipped by a jump forward is read with the offset before the jump
 * (it lands as far after the jump as it was after the last shown time). */
static int64_t wall_to_ms(const zq_tz *tz, int64_t lms)
{
	int64_t l = floor_div(lms, 1000), r = lms - l * 1000, u = l - SPAN_SLACK;
	zq_tz_span sp;

	if (!tz)
		return lms;
	for (int i = 0; i < SPANS_MAX; i++) {
		int64_t from;

		zq_tz_span_at(tz, u, &sp);
		from = sp.start > u ? sp.start : u;
		if (sp.end == INT64_MAX || l - sp.off < sp.end) {
			if (l - sp.off >= from)
				return (l - sp.off) * 1000 + r;
			return (l - sp.prev_off) * 1000 + r; /* in the gap before this span */
		}
		u = sp.end;
	}
	return ZQ_TIME_NONE;
}

/* The first instant whose local date is day or later. */
static int64_t day_start(const zq_tz *tz, int32_t day)
{
	int64_t l = (int64_t)day * 86400, u = l - SPAN_SLACK;
	zq_tz_span sp;

	if (!tz)
		return l * 1000;
	for (int i = 0; i < SPANS_MAX; i++) {
		zq_tz_span_at(tz, u, &sp);
		if (sp.end == INT64_MAX || sp.end + sp.off > l)
			return (l - sp.off > u ? l - sp.off : u) * 1000;
		u = sp.end;
	}
	return l * 1000;
}

static int32_t lday(const struct cx *x, int64_t ms)
{
	return zq_schedule_local_day(x->s, ms);
}

/* Is day covered? If not, the walk stops here. */
static int covered(struct cx *x, int32_t day)
{
	if (zq_cal_covers(x->cal, day))
		return 1;
	x->st = day < x->cal->covered_from || x->cal->covered_from == ZQ_CAL_NO_DAY ? ST_BEFORE
										    : ST_AFTER;
	return 0;
}

/* The days of month y-m the B-tokens name (the whole month must be covered). */
static int biz_month(struct cx *x, int y, int m)
{
	int32_t first = (int32_t)zq_days_from_civil(y, m, 1);
	int dim = zq_days_in_month(y, m), pos[31], nb = 0;
	uint32_t mask = 0;

	if (x->mon_y == y && x->mon_m == m)
		return 0;
	if (!covered(x, first) || !covered(x, first + dim - 1))
		return -1;
	for (int d = 0; d < dim; d++)
		if (zq_cal_is_business(x->cal, first + d))
			pos[nb++] = d + 1;
	for (int n = 1; n <= 23 && n <= nb; n++)
		if (x->s->cron.biz_nth >> n & 1)
			mask |= 1u << pos[n - 1];
	for (int k = 0; k <= 22 && k < nb; k++)
		if (x->s->cron.biz_last >> k & 1)
			mask |= 1u << pos[nb - 1 - k];
	x->mon_y = y, x->mon_m = m, x->mon_mask = mask;
	return 0;
}

/* B-tokens: the first cron slot after `after` on a day the tokens name. */
static int64_t biz_slot_next(struct cx *x, int64_t after)
{
	for (;;) {
		int64_t r = zq_cron_next(&x->s->cron, x->s->tz, after);
		int32_t day;
		int y, m, d;
		uint32_t later;

		if (r == ZQ_TIME_NONE) {
			x->st = ST_END;
			return r;
		}
		day = lday(x, r);
		zq_civil_from_days(day, &y, &m, &d);
		if (biz_month(x, y, m) < 0)
			return ZQ_TIME_NONE;
		if (x->mon_mask >> d & 1)
			return r;
		later = d >= 31 ? 0 : x->mon_mask & (~0u << (d + 1));
		if (later)
			day += __builtin_ctz(later) - d;
		else
			day += zq_days_in_month(y, m) - d + 1; /* the 1st of the next month */
		after = day_start(x->s->tz, day) - 1;
	}
}

/* The first slot after `after` (plain schedule, B-tokens applied). */
static int64_t slot_next(struct cx *x, int64_t after)
{
	int64_t r;

	if (x->s->kind == ZQ_SCHED_CRON && (x->s->cron.flags & ZQ_CRON_DOM_BIZ))
		return biz_slot_next(x, after);
	r = zq_schedule_next(&x->plain, after);
	if (r == ZQ_TIME_NONE)
		x->st = ST_END;
	return r;
}

/* The first slot after `after` whose local date is day or later. */
static int64_t slot_from(struct cx *x, int32_t day, int64_t after)
{
	int64_t start = day_start(x->s->tz, day) - 1, r;

	r = slot_next(x, after > start ? after : start);
	for (int i = 0; r != ZQ_TIME_NONE && lday(x, r) < day && i < 100000; i++)
		r = slot_next(x, r); /* a jump back over midnight repeats yesterday */
	return r;
}

/* Slot s moved to the same wall time on day, or NONE if that is not on day. */
static int64_t move_to(const struct cx *x, int64_t s, int32_t day)
{
	int64_t local = s + (x->s->tz ? (int64_t)zq_tz_offset_at(x->s->tz, s) * 1000 : 0);
	int64_t wall = local - floor_div(local, DAY_MS) * DAY_MS;
	int64_t m = wall_to_ms(x->s->tz, (int64_t)day * DAY_MS + wall);

	return m != ZQ_TIME_NONE && lday(x, m) == day ? m : ZQ_TIME_NONE;
}

/* The slot that moves to business day `day` (which has no slots of its own):
 * the first of the non-business run before it (next) or after it (previous). */
static int64_t moved_source(struct cx *x, int32_t day)
{
	int32_t b, from, to;
	int64_t s;

	if (x->rule == ZQ_CAL_RULE_NEXT) {
		b = zq_cal_prev(x->cal, day);
		from = b == ZQ_CAL_NO_DAY ? x->cal->covered_from : b + 1;
		to = day;
	} else {
		b = zq_cal_next(x->cal, day);
		from = day + 1;
		to = b == ZQ_CAL_NO_DAY ? x->cal->covered_until + 1 : b;
	}
	if (from >= to)
		return ZQ_TIME_NONE;
	s = slot_from(x, from, ZQ_TIME_NONE);
	if (s == ZQ_TIME_NONE || lday(x, s) >= to)
		return ZQ_TIME_NONE;
	return s;
}

/* The first fire after `after` on business day `day`, or NONE. */
static int64_t day_fire(struct cx *x, int32_t day, int64_t after)
{
	int64_t s = slot_from(x, day, ZQ_TIME_NONE), src, m;

	if (s == ZQ_TIME_NONE)
		return s;
	x->st = ST_OK;
	if (lday(x, s) == day) { /* slots of its own */
		s = slot_from(x, day, after);
		return s != ZQ_TIME_NONE && lday(x, s) == day ? s : ZQ_TIME_NONE;
	}
	if (x->rule == ZQ_CAL_RULE_ONLY)
		return ZQ_TIME_NONE;
	src = moved_source(x, day);
	x->st = ST_OK;
	if (src == ZQ_TIME_NONE || (m = move_to(x, src, day)) == ZQ_TIME_NONE)
		return ZQ_TIME_NONE;
	return m > after ? m : ZQ_TIME_NONE;
}

/* After business-or-not day `day`: the next day a fire may land on. */
static int32_t next_landing(struct cx *x, int32_t day)
{
	int64_t s = slot_from(x, day + 1, ZQ_TIME_NONE);
	int32_t ds, p, n;

	if (s == ZQ_TIME_NONE)
		return ZQ_CAL_NO_DAY;
	ds = lday(x, s);
	ds = ds > day ? ds : day + 1;
	if (!covered(x, ds))
		return ZQ_CAL_NO_DAY;
	if (zq_cal_is_business(x->cal, ds))
		return ds;
	if (x->rule == ZQ_CAL_RULE_PREVIOUS) {
		p = zq_cal_prev(x->cal, ds);
		if (p != ZQ_CAL_NO_DAY && p > day)
			return p;
	}
	if ((n = zq_cal_next(x->cal, ds)) == ZQ_CAL_NO_DAY)
		x->st = ST_AFTER;
	return n;
}

static void cx_init(struct cx *x, const zq_schedule *s, int64_t after)
{
	memset(x, 0, sizeof(*x));
	x->s = s;
	x->plain = *s;
	x->plain.cal = NULL;
	x->plain.cal_rule = ZQ_CAL_RULE_NONE;
	x->cal = s->cal;
	x->rule = s->cal_rule == ZQ_CAL_RULE_NONE ? ZQ_CAL_RULE_ONLY : s->cal_rule;
	if (s->kind == ZQ_SCHED_CRON && (s->cron.flags & ZQ_CRON_DOM_BIZ))
		x->rule = ZQ_CAL_RULE_ONLY;
	/* an interval without anchor counts from the previous fire */
	if (s->kind == ZQ_SCHED_INTERVAL && s->anchor_ms == ZQ_TIME_NONE)
		x->plain.anchor_ms = after < ZQ_CRON_MIN_MS ? ZQ_CRON_MIN_MS + s->interval_ms
			: after <= ZQ_CRON_MAX_MS - s->interval_ms ? after + s->interval_ms
								  : ZQ_CRON_MAX_MS + 1;
}

static int64_t walk(struct cx *x, int64_t after)
{
	int32_t day;
	int64_t f;

	if (after >= ZQ_CRON_MAX_MS || x->plain.anchor_ms > ZQ_CRON_MAX_MS) {
		x->st = ST_END;
		return ZQ_TIME_NONE;
	}
	day = lday(x, after < ZQ_CRON_MIN_MS ? ZQ_CRON_MIN_MS : after);
	if (!covered(x, day))
		return ZQ_TIME_NONE;
	if (x->rule == ZQ_CAL_RULE_NEXT && !zq_cal_is_business(x->cal, day) &&
	    (day = zq_cal_next(x->cal, day)) == ZQ_CAL_NO_DAY) {
		x->st = ST_AFTER;
		return ZQ_TIME_NONE;
	}
	while (day != ZQ_CAL_NO_DAY) {
		if (zq_cal_is_business(x->cal, day)) {
			if ((f = day_fire(x, day, after)) != ZQ_TIME_NONE)
				return f;
			if (x->st != ST_OK)
				return ZQ_TIME_NONE;
		}
		day = next_landing(x, day);
	}
	return ZQ_TIME_NONE;
}

int64_t zq_sched_cal_next(const zq_schedule *s, int64_t after_ms)
{
	struct cx x;

	cx_init(&x, s, after_ms);
	return walk(&x, after_ms);
}

int64_t zq_schedule_slot(const zq_schedule *s, int64_t fire_ms)
{
	struct cx x;
	int32_t day;
	int64_t own, src;

	if (!s->cal || fire_ms == ZQ_TIME_NONE ||
	    (s->kind != ZQ_SCHED_CRON && s->kind != ZQ_SCHED_INTERVAL) ||
	    (s->kind == ZQ_SCHED_INTERVAL && s->anchor_ms == ZQ_TIME_NONE))
		return fire_ms;
	cx_init(&x, s, fire_ms);
	if (x.rule == ZQ_CAL_RULE_ONLY)
		return fire_ms;
	day = lday(&x, fire_ms);
	own = slot_from(&x, day, ZQ_TIME_NONE);
	if (own == ZQ_TIME_NONE || lday(&x, own) == day || !zq_cal_covers(s->cal, day))
		return fire_ms;
	src = moved_source(&x, day);
	return src != ZQ_TIME_NONE && move_to(&x, src, day) == fire_ms ? src : fire_ms;
}

const char *zq_schedule_stop_reason(const zq_schedule *s, int64_t after_ms, char *buf, size_t n)
{
	struct cx x;
	char d[11];
	const char *name;

	if (!s->cal || (s->kind != ZQ_SCHED_CRON && s->kind != ZQ_SCHED_INTERVAL))
		return NULL;
	cx_init(&x, s, after_ms);
	if (walk(&x, after_ms) != ZQ_TIME_NONE || (x.st != ST_BEFORE && x.st != ST_AFTER))
		return NULL;
	zq_day_format(x.st == ST_AFTER ? s->cal->covered_until : s->cal->covered_from, d);
	name = s->cal->name[0] ? s->cal->name : "(unnamed)";
	snprintf(buf, n, "calendar %s has no data %s %s", name, x.st == ST_AFTER ? "after" : "before",
		 d);
	return buf;
}
