/* test_calendar_ref.c - the calendar rules against a brute-force reference.
 *
 * For a year of a calendar, the reference lists every slot of the plain
 * cron, then applies the rules as the README states them, slot by slot in
 * order: only keeps slots on business days; next / previous move a slot on
 * a closed day to the same wall time on the next / previous business day
 * unless that day has slots of its own or already got a moved fire (the
 * wall time found by scanning the day minute by minute, a gap read with the
 * offset before the jump). The schedule must give exactly those fires,
 * with those slots, from any starting point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "schedule.h"
#include "timeutil.h"
#include "tz.h"

#define MAXF 4096

struct ref {
	int64_t fire[MAXF], slot[MAXF];
	int n;
};

static int32_t day(const char *s)
{
	int32_t d = 0;

	assert_int_equal(zq_day_parse(s, &d), 0);
	return d;
}

static int64_t local_ms(const zq_tz *tz, int64_t ms)
{
	return ms + (int64_t)zq_tz_offset_at(tz, ms) * 1000;
}

static int32_t ref_day(const zq_tz *tz, int64_t ms)
{
	int64_t l = local_ms(tz, ms);

	return (int32_t)((l - (((l % 86400000) + 86400000) % 86400000)) / 86400000);
}

/* Wall time `wall` (ms of the day) on day d: scan minutes for the first instant showing it. */
static int64_t ref_wall(const zq_tz *tz, int32_t d, int64_t wall)
{
	int64_t want = (int64_t)d * 86400000 + wall;

	for (int64_t u = want - 16 * INT64_C(3600000); u < want + 16 * INT64_C(3600000); u += 60000) {
		int64_t l = local_ms(tz, u), l2 = local_ms(tz, u + 60000);

		if (l == want)
			return u;
		if (l < want && l2 > want && l2 - l > 60000) /* the gap: offset before the jump */
			return want - (int64_t)zq_tz_offset_at(tz, u) * 1000;
	}
	return ZQ_TIME_NONE;
}


static void reference(const zq_calendar *c, const char *cron, const zq_tz *tz, int rule, struct ref *r)
{
	static int64_t slots[MAXF];
	static int32_t landed[MAXF];
	static char own[400]; /* by day - covered_from: the day has slots */
	int n = 0, nl = 0;
	zq_cron cr;
	int64_t t = (int64_t)c->covered_from * 86400000 - 16 * INT64_C(3600000);

	assert_int_equal(zq_cron_parse(&cr, cron, NULL), 0);
	while ((t = zq_cron_next(&cr, tz, t)) != ZQ_TIME_NONE && ref_day(tz, t) <= c->covered_until) {
		if (ref_day(tz, t) >= c->covered_from) {
			assert_true(n < MAXF);
			slots[n++] = t;
		}
	}
	memset(own, 0, sizeof(own));
	for (int i = 0; i < n; i++)
		own[ref_day(tz, slots[i]) - c->covered_from] = 1;
	r->n = 0;
	for (int i = 0; i < n; i++) {
		int32_t d = ref_day(tz, slots[i]), to;
		int64_t l = local_ms(tz, slots[i]), m;
		int dup = 0;

		if (zq_cal_is_business(c, d)) {
			r->fire[r->n] = r->slot[r->n] = slots[i], r->n++;
			continue;
		}
		if (rule == ZQ_CAL_RULE_ONLY)
			continue;
		to = rule == ZQ_CAL_RULE_NEXT ? zq_cal_next(c, d) : zq_cal_prev(c, d);
		if (to == ZQ_CAL_NO_DAY || own[to - c->covered_from])
			continue;
		for (int k = 0; k < nl; k++)
			dup |= landed[k] == to;
		if (dup)
			continue;
		landed[nl++] = to;
		m = ref_wall(tz, to, ((l % 86400000) + 86400000) % 86400000);
		if (m == ZQ_TIME_NONE || ref_day(tz, m) != to)
			continue;
		r->fire[r->n] = m, r->slot[r->n] = slots[i], r->n++;
	}
	/* moves keep the order of days (never past a day with fires): sorted already */
	for (int i = 1; i < r->n; i++)
		assert_true(r->fire[i] > r->fire[i - 1]);
}

static void check(const zq_calendar *c, const char *cron, const char *zone, int rule)
{
	const zq_tz *tz = zq_tz_get(zone, NULL);
	static struct ref r;
	zq_schedule s;
	int64_t t, start;
	int i = 0;

	assert_non_null(tz);
	reference(c, cron, tz, rule, &r);
	assert_int_equal(zq_schedule_init_cal(&s, cron, 0, ZQ_TIME_NONE, ZQ_TIME_NONE, zone, c, rule, NULL),
			 0);
	/* the chain from the first instant of the coverage */
	start = (int64_t)c->covered_from * 86400000;
	start = t = start - (int64_t)zq_tz_offset_at(tz, start) * 1000 + 3600000; /* 01:00 on day 1 */
	while (i < r.n && r.fire[i] <= start)
		i++;
	for (; (t = zq_schedule_next(&s, t)) != ZQ_TIME_NONE; i++) {
		if (i >= r.n || t != r.fire[i] || zq_schedule_slot(&s, t) != r.slot[i])
			fail_msg("%s %s rule %d: fire %d: got %lld, want %lld", cron, zone, rule, i, (long long)t,
				 i < r.n ? (long long)r.fire[i] : -1LL);
	}
	if (i != r.n)
		fail_msg("%s %s rule %d: %d fires, want %d", cron, zone, rule, i, r.n);
	/* from points between fires */
	srand(7);
	for (int k = 0; k < 200 && r.n; k++) {
		int j = rand() % r.n;
		int64_t after = r.fire[j] - 1 - (j ? rand() % (r.fire[j] - r.fire[j - 1]) : 0);

		if (after <= start)
			continue;
		if (zq_schedule_next(&s, after) != r.fire[j])
			fail_msg("%s %s rule %d: next(%lld) != fire %d", cron, zone, rule, (long long)after, j);
	}
}

static void rules_match_the_reference(void **state)
{
	static const char *const hol[] = {"2026-01-01", "2026-01-02", "2026-02-16", "2026-02-17",
					  "2026-02-18", "2026-02-19", "2026-02-20", "2026-03-09",
					  "2026-04-03", "2026-05-01", "2026-05-04", "2026-05-05",
					  "2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06",
					  "2026-10-07", "2026-10-26", "2026-12-25", "2026-12-31", NULL};
	static const char *const work[] = {"2026-03-29", "2026-04-04", "2026-04-05", "2026-09-05",
					   "2026-09-06", "2026-10-10", "2026-11-01", NULL};
	static const char *const crons[] = {"0 9 * * *", "0 9 1,2,3 * *", "30 2 * * 6", "*/30 1-3 * * *",
					    "0 0 * * 5", "0 12 15 * *", "15 23 * * 0", "30 1 * * 6",
					    "0 9 1 * *", "45 23 * * 1-5", "30 * * * 6,0"};
	static const char *const zones[] = {"UTC", "Europe/Berlin", "America/New_York", "Asia/Shanghai",
					    "Australia/Lord_Howe", "America/Santiago", "America/Havana"};
	zq_calendar c;

	(void)state;
	zq_cal_init(&c);
	strcpy(c.name, "REF");
	for (const char *const *p = hol; *p; p++)
		zq_cal_add(&c, day(*p), ZQ_CAL_HOLIDAY);
	for (const char *const *p = work; *p; p++)
		zq_cal_add(&c, day(*p), ZQ_CAL_WORKDAY);
	assert_int_equal(zq_cal_finish(&c, NULL), 0);
	for (size_t ci = 0; ci < sizeof(crons) / sizeof(crons[0]); ci++)
		for (size_t zi = 0; zi < sizeof(zones) / sizeof(zones[0]); zi++)
			for (int rule = ZQ_CAL_RULE_ONLY; rule <= ZQ_CAL_RULE_PREVIOUS; rule++)
				check(&c, crons[ci], zones[zi], rule);
	zq_cal_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rules_match_the_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
