/* test_calendar.c - business-day math: weekends, holidays, workdays, month
 * ends, B1/BL/BL-2, the rules only/next/previous (never twice on one day, a
 * moved fire's slot), DST days with a calendar in Europe/Berlin and
 * America/New_York, the coverage limit and its stop reason, the days file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "calendar.h"
#include "schedule.h"
#include "task.h"
#include "timeutil.h"

static int64_t iso(const char *s)
{
	int64_t ms = 0;

	assert_int_equal(zq_time_parse_iso(s, &ms), 0);
	return ms;
}

static int32_t day(const char *s)
{
	int32_t d = 0;

	assert_int_equal(zq_day_parse(s, &d), 0);
	return d;
}

static void add_days(zq_calendar *c, int kind, const char *const *days)
{
	for (; *days; days++)
		zq_cal_add(c, day(*days), kind);
}

/* "SSE" for the tests: 2026, weekend 6,7, National Day week, New Year,
 * Labour Day, and a make-up workday on Saturday 2026-10-10. */
static void cal_test(zq_calendar *c)
{
	static const char *const hol[] = {"2026-10-07", "2026-10-01", "2026-10-02", "2026-10-03",
					  "2026-10-04", "2026-10-05", "2026-10-06", "2026-01-01",
					  "2026-05-01", "2026-10-01", NULL};
	static const char *const work[] = {"2026-10-10", NULL};
	zq_err err = ZQ_ERR_INIT;

	zq_cal_init(c);
	strcpy(c->name, "SSE");
	add_days(c, ZQ_CAL_HOLIDAY, hol);
	add_days(c, ZQ_CAL_WORKDAY, work);
	assert_int_equal(zq_cal_finish(c, &err), 0);
}

/* Sundays that are workdays on the DST days of Berlin and New York. */
static void cal_dst(zq_calendar *c)
{
	static const char *const work[] = {"2026-03-08", "2026-03-29", "2026-10-25", "2026-11-01", NULL};
	static const char *const hol[] = {"2026-12-25", NULL};

	zq_cal_init(c);
	strcpy(c->name, "DST");
	add_days(c, ZQ_CAL_WORKDAY, work);
	add_days(c, ZQ_CAL_HOLIDAY, hol);
	assert_int_equal(zq_cal_finish(c, NULL), 0);
}

static void sched(zq_schedule *s, const char *cron, const char *tz, const zq_calendar *c, int rule)
{
	zq_err err = ZQ_ERR_INIT;

	assert_int_equal(zq_schedule_init_cal(s, cron, 0, ZQ_TIME_NONE, ZQ_TIME_NONE, tz, c, rule, &err), 0);
}

static void expect_next(const zq_schedule *s, const char *after, const char *want)
{
	int64_t got = zq_schedule_next(s, iso(after));
	char buf[32];

	if (got != iso(want))
		fail_msg("next after %s: got %s, want %s", after,
			 got == ZQ_TIME_NONE ? "none" : zq_time_format_iso_sec(got, buf, sizeof(buf)), want);
}

static void business_days(void **state)
{
	zq_calendar c;
	char buf[16];

	(void)state;
	cal_test(&c);
	assert_int_equal(c.nholidays, 9); /* sorted, deduped */
	assert_true(c.covered_from == day("2026-01-01") && c.covered_until == day("2026-12-31"));
	assert_false(zq_cal_is_business(&c, day("2026-10-01")));   /* holiday (Thursday) */
	assert_false(zq_cal_is_business(&c, day("2026-10-03")));   /* Saturday */
	assert_true(zq_cal_is_business(&c, day("2026-10-08")));    /* Thursday */
	assert_true(zq_cal_is_business(&c, day("2026-10-10")));    /* workday (Saturday) */
	assert_false(zq_cal_is_business(&c, day("2026-10-11")));   /* Sunday */
	assert_true(zq_cal_next(&c, day("2026-09-30")) == day("2026-10-08"));
	assert_true(zq_cal_prev(&c, day("2026-10-08")) == day("2026-09-30"));
	assert_true(zq_cal_next(&c, day("2026-10-09")) == day("2026-10-10"));
	assert_true(zq_cal_next(&c, day("2026-10-10")) == day("2026-10-12"));
	assert_true(zq_cal_prev(&c, day("2026-10-12")) == day("2026-10-10"));
	/* coverage: never a guess */
	assert_true(zq_cal_next(&c, day("2026-12-31")) == ZQ_CAL_NO_DAY);
	assert_true(zq_cal_prev(&c, day("2026-01-02")) == ZQ_CAL_NO_DAY); /* Jan 1 a holiday, 2025 unknown */
	assert_true(zq_cal_next(&c, day("2025-12-31")) == day("2026-01-02"));
	assert_true(zq_cal_next(&c, day("2025-12-30")) == ZQ_CAL_NO_DAY);
	assert_true(zq_cal_covers(&c, day("2026-12-31")) && !zq_cal_covers(&c, day("2027-01-01")));
	/* every weekday a weekend day: only the workdays */
	c.weekend = 0xfe;
	assert_true(zq_cal_next(&c, day("2026-01-01")) == day("2026-10-10"));
	assert_true(zq_cal_prev(&c, day("2026-12-31")) == day("2026-10-10"));
	assert_true(zq_cal_next(&c, day("2026-10-10")) == ZQ_CAL_NO_DAY);
	zq_cal_weekend_format(c.weekend, buf);
	assert_string_equal(buf, "1,2,3,4,5,6,7");
	zq_cal_release(&c);
}

static void month_ends_and_nth(void **state)
{
	zq_calendar c;

	(void)state;
	cal_test(&c);
	assert_true(zq_cal_nth(&c, 2026, 10, 1) == day("2026-10-08"));   /* B1 after the holiday week */
	assert_true(zq_cal_nth(&c, 2026, 10, 3) == day("2026-10-10"));   /* the workday counts */
	assert_true(zq_cal_nth(&c, 2026, 10, 4) == day("2026-10-12"));
	assert_true(zq_cal_nth(&c, 2026, 10, 18) == day("2026-10-30"));  /* 18 business days */
	assert_true(zq_cal_nth(&c, 2026, 10, 19) == ZQ_CAL_NO_DAY);
	assert_true(zq_cal_nth(&c, 2026, 10, 0) == day("2026-10-30"));   /* BL (Oct 31 a Saturday) */
	assert_true(zq_cal_nth(&c, 2026, 10, -2) == day("2026-10-28"));  /* BL-2 */
	assert_true(zq_cal_nth(&c, 2026, 1, 1) == day("2026-01-02"));
	assert_true(zq_cal_nth(&c, 2026, 5, 1) == day("2026-05-04"));
	assert_true(zq_cal_nth(&c, 2026, 2, 0) == day("2026-02-27"));    /* Feb 28 a Saturday */
	assert_true(zq_cal_nth(&c, 2026, 12, 0) == day("2026-12-31"));
	assert_true(zq_cal_nth(&c, 2027, 1, 1) == ZQ_CAL_NO_DAY);        /* not covered */
	assert_true(zq_cal_nth(&c, 2025, 12, 0) == ZQ_CAL_NO_DAY);
	zq_cal_release(&c);
}

static void finish_errors_and_defaults(void **state)
{
	zq_calendar c;
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	zq_cal_init(&c);
	zq_cal_add(&c, day("2026-10-01"), ZQ_CAL_HOLIDAY);
	zq_cal_add(&c, day("2026-10-01"), ZQ_CAL_WORKDAY);
	assert_int_equal(zq_cal_finish(&c, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "2026-10-01: both a holiday and a workday");
	zq_cal_release(&c);

	zq_cal_init(&c);
	assert_int_equal(zq_cal_finish(&c, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "covered_until: required when the calendar lists no days");
	c.covered_until = day("2030-12-31");
	assert_int_equal(zq_cal_finish(&c, &err), 0);
	assert_true(c.covered_from == 0);
	assert_true(zq_cal_is_business(&c, day("2030-12-31")));  /* a Tuesday */
	zq_cal_release(&c);

	zq_cal_init(&c);
	zq_cal_add(&c, day("2027-03-01"), ZQ_CAL_HOLIDAY);
	zq_cal_add(&c, day("2024-05-01"), ZQ_CAL_HOLIDAY);
	assert_int_equal(zq_cal_finish(&c, &err), 0);
	assert_true(c.covered_from == day("2024-01-01") && c.covered_until == day("2027-12-31"));
	c.covered_from = day("2028-01-01");
	assert_int_equal(zq_cal_finish(&c, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "covered_until: 2027-12-31 is before covered_from 2028-01-01");
	zq_cal_release(&c);
}

static void words(void **state)
{
	unsigned char m = 0;
	zq_err err = ZQ_ERR_INIT;
	char buf[16];
	int32_t d;

	(void)state;
	assert_int_equal(zq_cal_weekend_parse("6,7", &m, &err), 0);
	assert_int_equal(m, 1 << 6 | 1 << 7);
	zq_cal_weekend_format(m, buf);
	assert_string_equal(buf, "6,7");
	assert_int_equal(zq_cal_weekend_parse("5, 6", &m, &err), 0);
	assert_int_equal(m, 1 << 5 | 1 << 6);
	assert_int_equal(zq_cal_weekend_parse("", &m, &err), 0);
	assert_int_equal(m, 0);
	zq_cal_weekend_format(m, buf);
	assert_string_equal(buf, "");
	assert_int_equal(zq_cal_weekend_parse("6,8", &m, &err), ZQ_EINVAL);
	assert_string_equal(err.msg, "weekend: '8' is not an ISO weekday (1 = Monday .. 7 = Sunday)");
	assert_int_equal(zq_cal_weekend_parse("67", &m, &err), ZQ_EINVAL);
	assert_int_equal(zq_cal_weekend_parse("sat", &m, &err), ZQ_EINVAL);

	assert_int_equal(zq_cal_rule_parse("only"), ZQ_CAL_RULE_ONLY);
	assert_int_equal(zq_cal_rule_parse("next"), ZQ_CAL_RULE_NEXT);
	assert_int_equal(zq_cal_rule_parse("previous"), ZQ_CAL_RULE_PREVIOUS);
	assert_int_equal(zq_cal_rule_parse("Next"), -1);
	assert_int_equal(zq_cal_rule_parse(NULL), -1);
	assert_string_equal(zq_cal_rule_name(ZQ_CAL_RULE_PREVIOUS), "previous");
	assert_null(zq_cal_rule_name(ZQ_CAL_RULE_NONE));

	assert_int_equal(zq_day_parse("2024-02-29", &d), 0);
	zq_day_format(d, buf);
	assert_string_equal(buf, "2024-02-29");
	assert_int_equal(zq_day_parse("2026-02-29", &d), -1);
	assert_int_equal(zq_day_parse("2026-13-01", &d), -1);
	assert_int_equal(zq_day_parse("2026-1-01", &d), -1);
	assert_int_equal(zq_day_parse("2026-01-01T", &d), -1);
	assert_int_equal(zq_day_parse("0000-01-01", &d), -1);
	assert_int_equal(zq_day_parse("", &d), -1);
	zq_day_format(0, buf);
	assert_string_equal(buf, "1970-01-01");
}

static void days_file(void **state)
{
	static const char ok[] = "date,kind\n# SSE 2026\n2026-10-01,holiday\n"
				 "  2026-10-02 holiday   # National Day\r\n\n2026-10-10\tWORKDAY\n"
				 "2026-10-01,holiday";
	zq_calendar c;
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	zq_cal_init(&c);
	assert_int_equal(zq_cal_parse_days(&c, ok, strlen(ok), &err), 0);
	assert_int_equal(zq_cal_finish(&c, &err), 0);
	assert_int_equal(c.nholidays, 2);
	assert_int_equal(c.nworkdays, 1);
	assert_true(c.workdays[0] == day("2026-10-10"));
	assert_int_equal(zq_cal_parse_days(&c, "\xef\xbb\xbf" "date,kind\n2026-11-03,holiday\n", 32, &err), 0);
	/* the length bounds the text: no NUL needed */
	assert_int_equal(zq_cal_parse_days(&c, "2026-11-02,holidayXXX", 18, &err), 0);
	assert_int_equal(zq_cal_finish(&c, &err), 0);
	assert_int_equal(c.nholidays, 4);
	zq_cal_release(&c);

	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"2026-01-01,holiday\n\n2026-13-01,holiday\n", "line 3: '2026-13-01' is not a date"},
		{"2026-01-01,holiday\n# c\n\n2026-01-02,vacation\n", "line 4: kind must be holiday or workday"},
		{"2026-01-01,holiday\ndate,kind\n", "line 2: 'date' is not a date"},
		{"2026-01-01\n", "line 1: kind must be holiday or workday"},
		{"2026-01-01,holiday,extra\n", "line 1: kind must be holiday or workday"},
		{"26-01-01 holiday", "line 1: '26-01-01' is not a date"},
		{",holiday", "line 1: '' is not a date"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		zq_cal_init(&c);
		assert_int_equal(zq_cal_parse_days(&c, bad[i].text, strlen(bad[i].text), &err), ZQ_EINVAL);
		assert_string_equal(err.msg, bad[i].msg);
		zq_cal_release(&c);
	}
}

static void rule_only(void **state)
{
	zq_calendar c;
	zq_schedule s;

	(void)state;
	cal_test(&c);
	sched(&s, "0 18 * * *", "UTC", &c, ZQ_CAL_RULE_NONE); /* only by default */
	assert_int_equal(s.cal_rule, ZQ_CAL_RULE_ONLY);
	expect_next(&s, "2026-09-30T18:00:00Z", "2026-10-08T18:00:00Z");
	expect_next(&s, "2026-10-09T18:00:00Z", "2026-10-10T18:00:00Z"); /* the workday */
	expect_next(&s, "2026-10-10T18:00:00Z", "2026-10-12T18:00:00Z");
	assert_true(zq_schedule_slot(&s, iso("2026-10-08T18:00:00Z")) == iso("2026-10-08T18:00:00Z"));
	/* in the task's zone: 18:00 Shanghai is 10:00Z on the same date */
	sched(&s, "0 18 * * *", "Asia/Shanghai", &c, ZQ_CAL_RULE_ONLY);
	expect_next(&s, "2026-09-30T10:00:00Z", "2026-10-08T10:00:00Z");
	assert_int_equal(zq_schedule_local_day(&s, iso("2026-09-30T16:00:00Z")), day("2026-10-01"));
	/* 01:00 Shanghai on Oct 8 is still Oct 7 in UTC: the zone decides */
	sched(&s, "0 1 * * *", "Asia/Shanghai", &c, ZQ_CAL_RULE_ONLY);
	expect_next(&s, "2026-09-30T00:00:00Z", "2026-10-07T17:00:00Z");
	zq_cal_release(&c);
}

static void rule_next_moves_forward(void **state)
{
	zq_calendar c;
	zq_schedule s;
	int64_t f;

	(void)state;
	cal_test(&c);
	/* Fridays; Friday May 1 is a holiday: to Monday May 4, same wall time */
	sched(&s, "0 18 * * 5", "UTC", &c, ZQ_CAL_RULE_NEXT);
	f = iso("2026-05-04T18:00:00Z");
	expect_next(&s, "2026-04-30T00:00:00Z", "2026-05-04T18:00:00Z");
	expect_next(&s, "2026-05-02T00:00:00Z", "2026-05-04T18:00:00Z"); /* after the slot itself */
	assert_true(zq_schedule_next(&s, f - 1) == f);
	assert_true(zq_schedule_slot(&s, f) == iso("2026-05-01T18:00:00Z")); /* the fire key */
	expect_next(&s, "2026-05-04T18:00:00Z", "2026-05-08T18:00:00Z");
	assert_true(zq_schedule_slot(&s, iso("2026-05-08T18:00:00Z")) == iso("2026-05-08T18:00:00Z"));
	/* the same under only: no fire that week */
	sched(&s, "0 18 * * 5", "UTC", &c, ZQ_CAL_RULE_ONLY);
	expect_next(&s, "2026-04-30T00:00:00Z", "2026-05-08T18:00:00Z");
	/* a daily cron: the next business day has fires of its own, nothing moves */
	sched(&s, "0 18 * * *", "UTC", &c, ZQ_CAL_RULE_NEXT);
	expect_next(&s, "2026-04-30T18:00:00Z", "2026-05-04T18:00:00Z");
	assert_true(zq_schedule_slot(&s, iso("2026-05-04T18:00:00Z")) == iso("2026-05-04T18:00:00Z"));
	zq_cal_release(&c);
}

static void rule_next_never_twice_on_one_day(void **state)
{
	zq_calendar c;
	zq_schedule s;
	char why[96];

	(void)state;
	cal_test(&c);
	/* Oct 1, 2, 3 are all closed: the first (Oct 1 09:00) lands on Oct 8, the others are dropped */
	sched(&s, "0 9 1,2,3 * *", "UTC", &c, ZQ_CAL_RULE_NEXT);
	expect_next(&s, "2026-09-03T09:00:00Z", "2026-10-08T09:00:00Z");
	assert_true(zq_schedule_slot(&s, iso("2026-10-08T09:00:00Z")) == iso("2026-10-01T09:00:00Z"));
	/* Nov 1 is a Sunday; Nov 2 has its own fire, so Nov 1's is dropped */
	expect_next(&s, "2026-10-08T09:00:00Z", "2026-11-02T09:00:00Z");
	expect_next(&s, "2026-11-02T09:00:00Z", "2026-11-03T09:00:00Z");
	expect_next(&s, "2026-11-03T09:00:00Z", "2026-12-01T09:00:00Z");
	expect_next(&s, "2026-12-02T09:00:00Z", "2026-12-03T09:00:00Z");
	/* past the coverage: stop, and say why */
	assert_true(zq_schedule_next(&s, iso("2026-12-03T09:00:00Z")) == ZQ_TIME_NONE);
	assert_string_equal(zq_schedule_stop_reason(&s, iso("2026-12-03T09:00:00Z"), why, sizeof(why)),
			    "calendar SSE has no data after 2026-12-31");
	assert_null(zq_schedule_stop_reason(&s, iso("2026-12-02T09:00:00Z"), why, sizeof(why)));
	zq_cal_release(&c);
}

static void rule_previous_moves_back(void **state)
{
	zq_calendar c;
	zq_schedule s;

	(void)state;
	cal_test(&c);
	sched(&s, "0 18 * * 5", "UTC", &c, ZQ_CAL_RULE_PREVIOUS);
	expect_next(&s, "2026-04-29T00:00:00Z", "2026-04-30T18:00:00Z");
	assert_true(zq_schedule_slot(&s, iso("2026-04-30T18:00:00Z")) == iso("2026-05-01T18:00:00Z"));
	expect_next(&s, "2026-04-30T18:00:00Z", "2026-05-08T18:00:00Z");
	/* Oct 1 09:00 moves to Wed Sep 30; Oct 2 and 3 would land there too: dropped */
	sched(&s, "0 9 1,2,3 * *", "UTC", &c, ZQ_CAL_RULE_PREVIOUS);
	expect_next(&s, "2026-09-03T09:00:00Z", "2026-09-30T09:00:00Z");
	assert_true(zq_schedule_slot(&s, iso("2026-09-30T09:00:00Z")) == iso("2026-10-01T09:00:00Z"));
	assert_true(zq_schedule_next(&s, iso("2026-09-30T09:00:00Z") - 1) == iso("2026-09-30T09:00:00Z"));
	/* Nov 1 (Sunday) to Fri Oct 30, which has no fire of its own */
	expect_next(&s, "2026-09-30T09:00:00Z", "2026-10-30T09:00:00Z");
	assert_true(zq_schedule_slot(&s, iso("2026-10-30T09:00:00Z")) == iso("2026-11-01T09:00:00Z"));
	expect_next(&s, "2026-10-30T09:00:00Z", "2026-11-02T09:00:00Z");
	/* a move into the past of "after" is not a later fire */
	expect_next(&s, "2026-10-01T08:00:00Z", "2026-10-30T09:00:00Z");
	zq_cal_release(&c);
}

static void b_tokens(void **state)
{
	zq_calendar c;
	zq_schedule s;
	zq_err err = ZQ_ERR_INIT;
	char why[96];

	(void)state;
	cal_test(&c);
	sched(&s, "0 18 B1 * *", "UTC", &c, ZQ_CAL_RULE_NONE);
	expect_next(&s, "2026-09-15T00:00:00Z", "2026-10-08T18:00:00Z");
	expect_next(&s, "2026-10-08T18:00:00Z", "2026-11-02T18:00:00Z");
	expect_next(&s, "2026-01-01T00:00:00Z", "2026-01-02T18:00:00Z");
	sched(&s, "0 18 BL * *", "UTC", &c, ZQ_CAL_RULE_NEXT); /* the rule does not matter */
	expect_next(&s, "2026-10-01T00:00:00Z", "2026-10-30T18:00:00Z");
	expect_next(&s, "2026-02-01T00:00:00Z", "2026-02-27T18:00:00Z");
	expect_next(&s, "2026-12-01T00:00:00Z", "2026-12-31T18:00:00Z");
	assert_true(zq_schedule_next(&s, iso("2026-12-31T18:00:00Z")) == ZQ_TIME_NONE);
	assert_string_equal(zq_schedule_stop_reason(&s, iso("2026-12-31T18:00:00Z"), why, sizeof(why)),
			    "calendar SSE has no data after 2026-12-31");
	sched(&s, "0 18 BL-2 * *", "UTC", &c, ZQ_CAL_RULE_PREVIOUS);
	expect_next(&s, "2026-10-01T00:00:00Z", "2026-10-28T18:00:00Z");
	sched(&s, "0 18 B3 10 ?", "UTC", &c, ZQ_CAL_RULE_NONE);
	expect_next(&s, "2026-01-01T00:00:00Z", "2026-10-10T18:00:00Z"); /* the Saturday workday */
	sched(&s, "0 18 b1,BL * *", "Asia/Shanghai", &c, ZQ_CAL_RULE_NONE);
	expect_next(&s, "2026-10-01T00:00:00Z", "2026-10-08T10:00:00Z");
	expect_next(&s, "2026-10-08T10:00:00Z", "2026-10-30T10:00:00Z");
	expect_next(&s, "2026-10-30T10:00:00Z", "2026-11-02T10:00:00Z");
	sched(&s, "0 18 B19 10 *", "UTC", &c, ZQ_CAL_RULE_NONE); /* October has 18 */
	assert_true(zq_schedule_next(&s, iso("2026-01-01T00:00:00Z")) == ZQ_TIME_NONE);
	sched(&s, "0 18 B23 * *", "UTC", &c, ZQ_CAL_RULE_NONE); /* July has 23 weekdays */
	expect_next(&s, "2026-01-01T00:00:00Z", "2026-07-31T18:00:00Z");

	/* without a calendar */
	assert_int_equal(zq_schedule_init(&s, "0 18 B1 * *", 0, ZQ_TIME_NONE, ZQ_TIME_NONE, "UTC", &err),
			 ZQ_EINVAL);
	assert_string_equal(err.msg, "cron_expression: day-of-month field: B1 needs a calendar (set calendar)");
	assert_int_equal(zq_schedule_init_cal(&s, "0 18 BL-2 * *", 0, ZQ_TIME_NONE, ZQ_TIME_NONE, "UTC",
					      NULL, ZQ_CAL_RULE_NONE, &err),
			 ZQ_EINVAL);
	assert_string_equal(err.msg,
			    "cron_expression: day-of-month field: BL-2 needs a calendar (set calendar)");
	zq_cal_release(&c);
}

static void b_token_errors(void **state)
{
	static const struct {
		const char *expr, *msg;
	} bad[] = {
		{"0 18 B1 * 1-5", "day-of-month field: B-tokens need day-of-week '*' or '?'"},
		{"0 18 B0 * *", "day-of-month field: B0 out of range B1..B23 in 'B0'"},
		{"0 18 B24 * *", "day-of-month field: B24 out of range B1..B23 in 'B24'"},
		{"0 18 BL-23 * *", "day-of-month field: BL-23 out of range BL-1..BL-22 in 'BL-23'"},
		{"0 18 BL-0 * *", "day-of-month field: BL-0 out of range BL-1..BL-22 in 'BL-0'"},
		{"0 18 B1,15 * *", "day-of-month field: B-tokens cannot be mixed with other days in 'B1,15'"},
		{"0 18 L,BL * *", "day-of-month field: B-tokens cannot be mixed with other days in 'L,BL'"},
		{"0 18 BX * *", "day-of-month field: unexpected character 'X' in 'BX'"},
		{"0 18 B * *", "day-of-month field: missing value in 'B'"},
		{"0 18 BL+1 * *", "day-of-month field: unexpected character '+' in 'BL+1'"},
		{"0 18 B1/2 * *", "day-of-month field: unexpected character '/' in 'B1/2'"},
		{"0 B1 * * *", "hour field: unexpected character 'B' in 'B1'"},
	};
	zq_cron cr;
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(zq_cron_parse(&cr, bad[i].expr, &err), ZQ_EINVAL);
		assert_string_equal(err.msg, bad[i].msg);
	}
	assert_int_equal(zq_cron_parse(&cr, "0 18 B1,B23,BL,BL-22 * ?", &err), 0);
	assert_true(cr.biz_nth == (1u << 1 | 1u << 23) && cr.biz_last == (1u | 1u << 22));
	assert_true((cr.flags & ZQ_CRON_DOM_BIZ) && cr.dom == UINT64_C(0xfffffffe));
}

static void dst_days(void **state)
{
	zq_calendar c;
	zq_schedule s;

	(void)state;
	cal_dst(&c);
	/* Berlin, Sunday 2026-03-29 (a workday): 02:00 CET jumps to 03:00 CEST.
	 * Saturday's 02:30 moves there; 02:30 does not exist: the same offset
	 * after the gap, 03:30 CEST = 01:30Z, as cron does. */
	sched(&s, "30 2 * * 6", "Europe/Berlin", &c, ZQ_CAL_RULE_NEXT);
	expect_next(&s, "2026-03-27T00:00:00Z", "2026-03-29T01:30:00Z");
	assert_true(zq_schedule_slot(&s, iso("2026-03-29T01:30:00Z")) == iso("2026-03-28T01:30:00Z"));
	assert_int_equal(zq_schedule_local_day(&s, iso("2026-03-29T01:30:00Z")), day("2026-03-29"));
	/* a daily 02:30 under only: the workday Sunday fires at 03:30 CEST */
	sched(&s, "30 2 * * *", "Europe/Berlin", &c, ZQ_CAL_RULE_ONLY);
	expect_next(&s, "2026-03-27T02:00:00Z", "2026-03-29T01:30:00Z");
	expect_next(&s, "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z");
	/* Berlin, Sunday 2026-10-25: 03:00 CEST back to 02:00 CET; 02:30 fires once, the first time */
	sched(&s, "30 2 * * 6", "Europe/Berlin", &c, ZQ_CAL_RULE_NEXT);
	expect_next(&s, "2026-10-23T00:00:00Z", "2026-10-25T00:30:00Z");
	assert_true(zq_schedule_slot(&s, iso("2026-10-25T00:30:00Z")) == iso("2026-10-24T00:30:00Z"));
	/* New York, Sunday 2026-11-01: 01:30 happens twice; a moved fire takes the first (EDT) */
	sched(&s, "30 1 * * 6", "America/New_York", &c, ZQ_CAL_RULE_NEXT);
	expect_next(&s, "2026-10-30T00:00:00Z", "2026-11-01T05:30:00Z");
	assert_true(zq_schedule_slot(&s, iso("2026-11-01T05:30:00Z")) == iso("2026-10-31T05:30:00Z"));
	/* a wild hour fires in both, both on the business day Nov 1 */
	sched(&s, "30 * * * *", "America/New_York", &c, ZQ_CAL_RULE_ONLY);
	expect_next(&s, "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z");
	expect_next(&s, "2026-10-31T03:00:00Z", "2026-10-31T03:30:00Z"); /* Fri 23:30 EDT */
	expect_next(&s, "2026-10-31T03:30:00Z", "2026-11-01T04:30:00Z"); /* Sat skipped */
	/* New York, Sunday 2026-03-08: 02:30 does not exist, fires at 03:30 EDT */
	sched(&s, "30 2 * * *", "America/New_York", &c, ZQ_CAL_RULE_ONLY);
	expect_next(&s, "2026-03-06T12:00:00Z", "2026-03-08T07:30:00Z");
	/* previous: Christmas (a Friday holiday) to Thursday, same wall time */
	sched(&s, "30 2 25 12 *", "America/New_York", &c, ZQ_CAL_RULE_PREVIOUS);
	expect_next(&s, "2026-12-01T00:00:00Z", "2026-12-24T07:30:00Z");
	zq_cal_release(&c);
}

static void coverage_limit(void **state)
{
	zq_calendar c;
	zq_schedule s;
	zq_task t;
	zq_err err = ZQ_ERR_INIT;
	int64_t next = 0;
	char why[96];

	(void)state;
	cal_test(&c);
	sched(&s, "0 18 * * *", "UTC", &c, ZQ_CAL_RULE_ONLY);
	expect_next(&s, "2026-12-30T18:00:00Z", "2026-12-31T18:00:00Z");
	assert_true(zq_schedule_next(&s, iso("2026-12-31T18:00:00Z")) == ZQ_TIME_NONE);
	assert_string_equal(zq_schedule_stop_reason(&s, iso("2026-12-31T18:00:00Z"), why, sizeof(why)),
			    "calendar SSE has no data after 2026-12-31");
	assert_true(zq_schedule_next(&s, iso("2025-06-01T00:00:00Z")) == ZQ_TIME_NONE);
	assert_string_equal(zq_schedule_stop_reason(&s, iso("2025-06-01T00:00:00Z"), why, sizeof(why)),
			    "calendar SSE has no data before 2026-01-01");
	assert_null(zq_schedule_stop_reason(&s, iso("2026-06-01T00:00:00Z"), why, sizeof(why)));
	/* no calendar: never the calendar's fault */
	sched(&s, "0 18 * * *", "UTC", NULL, ZQ_CAL_RULE_NONE);
	assert_null(zq_schedule_stop_reason(&s, iso("2026-12-31T18:00:00Z"), why, sizeof(why)));
	/* the rule "next": Saturday Dec 26 lands on Monday Dec 28; then the next slot is past the coverage */
	sched(&s, "0 9 * * 6", "UTC", &c, ZQ_CAL_RULE_NEXT);
	expect_next(&s, "2026-12-26T10:00:00Z", "2026-12-28T09:00:00Z");
	assert_true(zq_schedule_next(&s, iso("2026-12-28T09:00:00Z")) == ZQ_TIME_NONE);
	assert_string_equal(zq_schedule_stop_reason(&s, iso("2026-12-28T09:00:00Z"), why, sizeof(why)),
			    "calendar SSE has no data after 2026-12-31");

	zq_task_init(&t);
	strcpy(t.cron_expression, "0 18 * * 5");
	t.calendar_rule = ZQ_CAL_RULE_NEXT;
	assert_int_equal(zq_task_first_run(&t, iso("2026-04-30T00:00:00Z"), &c, &next, &err), 0);
	assert_true(next == iso("2026-05-04T18:00:00Z"));
	assert_int_equal(zq_task_first_run(&t, iso("2026-12-26T00:00:00Z"), &c, &next, &err), 0);
	assert_true(next == ZQ_TIME_NONE);
	assert_int_equal(zq_task_first_run(&t, iso("2026-04-30T00:00:00Z"), NULL, &next, &err), 0);
	assert_true(next == iso("2026-05-01T18:00:00Z")); /* no calendar: the rule is ignored */
	zq_task_release(&t);
	zq_cal_release(&c);
}

static void init_errors(void **state)
{
	zq_calendar c;
	zq_schedule s;
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	cal_test(&c);
	assert_int_equal(zq_schedule_init_cal(&s, "0 18 * * *", 0, ZQ_TIME_NONE, ZQ_TIME_NONE, "UTC", NULL,
					      ZQ_CAL_RULE_NEXT, &err),
			 ZQ_EINVAL);
	assert_string_equal(err.msg, "calendar_rule: needs a calendar");
	assert_int_equal(zq_schedule_init_cal(&s, NULL, 0, ZQ_TIME_NONE, iso("2026-10-01T00:00:00Z"), "UTC",
					      &c, ZQ_CAL_RULE_ONLY, &err),
			 ZQ_EINVAL);
	assert_true(strncmp(err.msg, "calendar: only a cron or interval schedule", 42) == 0);
	assert_int_equal(zq_schedule_init_cal(&s, NULL, 0, ZQ_TIME_NONE, ZQ_TIME_NONE, "UTC", &c,
					      ZQ_CAL_RULE_ONLY, &err),
			 ZQ_EINVAL);
	assert_int_equal(zq_schedule_init_cal(&s, "0 18 * * *", 0, ZQ_TIME_NONE, ZQ_TIME_NONE, "UTC", &c,
					      7, &err),
			 ZQ_EINVAL);
	assert_string_equal(err.msg, "calendar_rule: must be only, next or previous");
	zq_cal_release(&c);
}

static void intervals(void **state)
{
	zq_calendar c;
	zq_schedule s;
	zq_err err = ZQ_ERR_INIT;
	int64_t f;

	(void)state;
	cal_test(&c);
	/* every 6 h on a grid from Sep 30 00:00: the holiday week is skipped whole */
	assert_int_equal(zq_schedule_init_cal(&s, NULL, 6 * 3600, iso("2026-09-30T00:00:00Z"), ZQ_TIME_NONE,
					      "UTC", &c, ZQ_CAL_RULE_ONLY, &err),
			 0);
	expect_next(&s, "2026-09-30T18:00:00Z", "2026-10-08T00:00:00Z");
	assert_true(zq_schedule_first(&s, iso("2026-10-08T00:00:00Z")) == iso("2026-10-08T00:00:00Z"));
	/* every 14 days from Fri Apr 17 10:00: May 1 (holiday) moves to Mon May 4 */
	assert_int_equal(zq_schedule_init_cal(&s, NULL, 14 * 86400, iso("2026-04-17T10:00:00Z"),
					      ZQ_TIME_NONE, "UTC", &c, ZQ_CAL_RULE_NEXT, &err),
			 0);
	f = zq_schedule_next(&s, iso("2026-04-17T10:00:00Z"));
	assert_true(f == iso("2026-05-04T10:00:00Z"));
	assert_true(zq_schedule_slot(&s, f) == iso("2026-05-01T10:00:00Z"));
	expect_next(&s, "2026-05-04T10:00:00Z", "2026-05-15T10:00:00Z");
	/* without an anchor: counts from the previous fire, skipping closed days */
	assert_int_equal(zq_schedule_init_cal(&s, NULL, 86400, ZQ_TIME_NONE, ZQ_TIME_NONE, "UTC", &c,
					      ZQ_CAL_RULE_ONLY, &err),
			 0);
	expect_next(&s, "2026-09-30T12:00:00Z", "2026-10-08T12:00:00Z");
	assert_true(zq_schedule_first(&s, iso("2026-09-30T12:00:00Z")) == iso("2026-10-08T12:00:00Z"));
	zq_cal_release(&c);
}

/* Every fire of a year: strictly increasing, on a business day, next(f-1) == f,
 * and its slot is a slot of the plain schedule. */
static void invariants(void **state)
{
	static const char *const crons[] = {"0 9 * * *",    "0 9 1,2,3 * *", "30 2 * * 6", "*/30 1-3 * * *",
					    "0 0 * * 5",    "0 12 15 * *",   "15 23 * * 0", "0 18 B2,BL * *",
					    "0 0 1 * *"};
	static const char *const zones[] = {"UTC", "Europe/Berlin", "America/New_York", "Asia/Shanghai"};
	zq_calendar c;

	(void)state;
	cal_test(&c);
	zq_cal_add(&c, day("2026-03-29"), ZQ_CAL_WORKDAY);
	zq_cal_add(&c, day("2026-11-01"), ZQ_CAL_WORKDAY);
	zq_cal_add(&c, day("2026-03-09"), ZQ_CAL_HOLIDAY);
	zq_cal_add(&c, day("2026-10-26"), ZQ_CAL_HOLIDAY);
	assert_int_equal(zq_cal_finish(&c, NULL), 0);
	for (size_t ci = 0; ci < sizeof(crons) / sizeof(crons[0]); ci++) {
		for (size_t zi = 0; zi < 4; zi++) {
			for (int rule = ZQ_CAL_RULE_ONLY; rule <= ZQ_CAL_RULE_PREVIOUS; rule++) {
				zq_schedule s, p;
				int64_t f = iso("2026-01-02T00:00:00Z"), prev = f;
				int n = 0;

				sched(&s, crons[ci], zones[zi], &c, rule);
				p = s;
				p.cal = NULL;
				while ((f = zq_schedule_next(&s, f)) != ZQ_TIME_NONE && n++ < 5000) {
					int64_t slot = zq_schedule_slot(&s, f);

					assert_true(f > prev);
					assert_true(zq_cal_is_business(&c, zq_schedule_local_day(&s, f)));
					assert_true(zq_schedule_next(&s, f - 1) == f);
					if (!(s.cron.flags & ZQ_CRON_DOM_BIZ))
						assert_true(zq_schedule_next(&p, slot - 1) == slot);
					if (rule == ZQ_CAL_RULE_ONLY)
						assert_true(slot == f);
					prev = f;
				}
				assert_true(n > 0);
			}
		}
	}
	zq_cal_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(business_days),
		cmocka_unit_test(month_ends_and_nth),
		cmocka_unit_test(finish_errors_and_defaults),
		cmocka_unit_test(words),
		cmocka_unit_test(days_file),
		cmocka_unit_test(rule_only),
		cmocka_unit_test(rule_next_moves_forward),
		cmocka_unit_test(rule_next_never_twice_on_one_day),
		cmocka_unit_test(rule_previous_moves_back),
		cmocka_unit_test(b_tokens),
		cmocka_unit_test(b_token_errors),
		cmocka_unit_test(dst_days),
		cmocka_unit_test(coverage_limit),
		cmocka_unit_test(init_errors),
		cmocka_unit_test(intervals),
		cmocka_unit_test(invariants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
