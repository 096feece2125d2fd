/* test_schedule.c - one "next fire after T" for every schedule kind:
 * cron in a zone, intervals with and without an anchor (no drift), one-off
 * and manual, and the errors zq_schedule_init reports per field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "schedule.h"
#include "timeutil.h"
#include "tz.h"

static int64_t iso(const char *s)
{
	int64_t ms = 0;

	assert_int_equal(zq_time_parse_iso(s, &ms), 0);
	return ms;
}

static void cron_schedule_in_its_zone(void **state)
{
	zq_schedule s;
	zq_err err = ZQ_ERR_INIT;

	(void)state;
	assert_int_equal(zq_schedule_init(&s, "0 9 * * MON-FRI", 0, ZQ_TIME_NONE, ZQ_TIME_NONE,
					  "Asia/Shanghai", &err),
			 0);
	assert_int_equal(s.kind, ZQ_SCHED_CRON);
	/* Fri 2025-01-03 10:00 CST = 02:00Z: next is Mon Jan 6 09:00 CST = 01:00Z */
	assert_true(zq_schedule_next(&s, iso("2025-01-03T02:00:00Z")) == iso("2025-01-06T01:00:00Z"));
	/* first fire on create is the next one strictly after now */
	assert_true(zq_schedule_first(&s, iso("2025-01-06T01:00:00Z")) == iso("2025-01-07T01:00:00Z"));
	assert_true(zq_schedule_first(&s, iso("2025-01-06T00:59:59.999Z")) == iso("2025-01-06T01:00:00Z"));
}

static void interval_without_anchor_counts_from_previous_fire(void **state)
{
	zq_schedule s;
	int64_t now = iso("2025-03-09T05:00:00.250Z"), t;

	(void)state;
	assert_int_equal(zq_schedule_init(&s, NULL, 3600, ZQ_TIME_NONE, ZQ_TIME_NONE, "America/New_York", NULL),
			 0);
	assert_int_equal(s.kind, ZQ_SCHED_INTERVAL);
	/* first fire one interval after creation, ms kept */
	t = zq_schedule_first(&s, now);
	assert_true(t == now + 3600000);
	/* each next counts from the previous scheduled fire: after 1000 fires
	 * exactly 1000 intervals later, across the DST change (intervals are
	 * real time) */
	for (int i = 0; i < 999; i++)
		t = zq_schedule_next(&s, t);
	assert_true(t == now + INT64_C(1000) * 3600000);
}

static void interval_with_anchor_keeps_the_grid(void **state)
{
	zq_schedule s;
	int64_t start = iso("2025-01-01T00:00:00Z");

	(void)state;
	assert_int_equal(zq_schedule_init(&s, "", 900, start, ZQ_TIME_NONE, NULL, NULL), 0);
	/* start in the future: the first fire is the start itself (k = 0) */
	assert_true(zq_schedule_first(&s, start - 5000) == start);
	assert_true(zq_schedule_first(&s, start) == start);
	assert_true(zq_schedule_next(&s, start - 1) == start);
	assert_true(zq_schedule_next(&s, start) == start + 900000);
	/* created later, off the grid: the next grid point, not now + interval */
	assert_true(zq_schedule_first(&s, iso("2025-01-01T10:07:12.500Z")) == iso("2025-01-01T10:15:00Z"));
	assert_true(zq_schedule_first(&s, iso("2025-01-01T10:15:00Z")) == iso("2025-01-01T10:15:00Z"));
	/* a late run does not shift the grid: after 10:16:30, next is 10:30 */
	assert_true(zq_schedule_next(&s, iso("2025-01-01T10:16:30Z")) == iso("2025-01-01T10:30:00Z"));
	/* a year of fires stays on the grid */
	{
		int64_t t = start;

		for (int i = 0; i < 35040; i++)
			t = zq_schedule_next(&s, t);
		assert_true(t == iso("2026-01-01T00:00:00Z"));
	}
}

static void one_off_fires_once(void **state)
{
	zq_schedule s;
	int64_t at = iso("2025-06-01T12:00:00Z");

	(void)state;
	assert_int_equal(zq_schedule_init(&s, NULL, 0, ZQ_TIME_NONE, at, "UTC", NULL), 0);
	assert_int_equal(s.kind, ZQ_SCHED_ONCE);
	assert_true(zq_schedule_first(&s, at - 60000) == at);
	assert_true(zq_schedule_first(&s, at) == at);
	assert_true(zq_schedule_first(&s, at + 1) == ZQ_TIME_NONE);
	assert_true(zq_schedule_next(&s, at - 1) == at);
	assert_true(zq_schedule_next(&s, at) == ZQ_TIME_NONE);
}

static void manual_never_fires(void **state)
{
	zq_schedule s;

	(void)state;
	assert_int_equal(zq_schedule_init(&s, NULL, 0, ZQ_TIME_NONE, ZQ_TIME_NONE, "UTC", NULL), 0);
	assert_int_equal(s.kind, ZQ_SCHED_NONE);
	assert_true(zq_schedule_first(&s, 0) == ZQ_TIME_NONE);
	assert_true(zq_schedule_next(&s, 0) == ZQ_TIME_NONE);
}

static void results_stay_within_year_9999(void **state)
{
	zq_schedule s;

	(void)state;
	assert_int_equal(zq_schedule_init(&s, NULL, ZQ_SCHED_INTERVAL_MAX, ZQ_TIME_NONE, ZQ_TIME_NONE, NULL,
					  NULL),
			 0);
	assert_true(zq_schedule_next(&s, iso("9990-01-01T00:00:00Z")) == ZQ_TIME_NONE);
	assert_true(zq_schedule_next(&s, INT64_MAX) == ZQ_TIME_NONE);
	assert_true(zq_schedule_next(&s, INT64_MIN) == ZQ_CRON_MIN_MS + ZQ_SCHED_INTERVAL_MAX * 1000);
	assert_int_equal(zq_schedule_init(&s, NULL, 60, ZQ_CRON_MIN_MS, ZQ_TIME_NONE, NULL, NULL), 0);
	assert_true(zq_schedule_next(&s, INT64_MAX) == ZQ_TIME_NONE);
	/* grid at :00 seconds from 0001-01-01; 9999-12-31T23:59:00 is the last */
	assert_true(zq_schedule_next(&s, ZQ_CRON_MAX_MS - 60000) == ZQ_CRON_MAX_MS - 59000);
	assert_true(zq_schedule_next(&s, ZQ_CRON_MAX_MS - 59000) == ZQ_TIME_NONE);
}

struct init_err {
	const char *cron;
	int64_t interval;
	int64_t start, run_at;
	const char *tz;
	int code;
	const char *msg;
};

static void init_errors_name_the_field(void **state)
{
	static const struct init_err cases[] = {
		{"61 * * * *", 0, ZQ_TIME_NONE, ZQ_TIME_NONE, "UTC", ZQ_EINVAL,
		 "cron_expression: minute field: value 61 out of range 0-59 in '61'"},
		{"0 0 30 2 *", 0, ZQ_TIME_NONE, ZQ_TIME_NONE, "UTC", ZQ_EINVAL,
		 "cron_expression: day-of-month field: '30' never occurs in month '2', so the expression "
		 "can never fire"},
		{"* * * *", 0, ZQ_TIME_NONE, ZQ_TIME_NONE, "UTC", ZQ_EINVAL,
		 "cron_expression: expected 5 or 6 fields, got 4"},
		{"0 9 * * *", 0, ZQ_TIME_NONE, ZQ_TIME_NONE, "Mars/Base", ZQ_ENOTFOUND,
		 "timezone: unknown time zone 'Mars/Base'"},
		{NULL, 60, ZQ_TIME_NONE, ZQ_TIME_NONE, "../../etc/passwd", ZQ_EINVAL,
		 "timezone: unknown time zone '../../etc/passwd'"},
		{"0 9 * * *", 0, ZQ_TIME_NONE, ZQ_TIME_NONE, NULL, ZQ_EINVAL,
		 "timezone: required for a cron schedule"},
		{"0 9 * * *", 0, ZQ_TIME_NONE, ZQ_TIME_NONE, "", ZQ_EINVAL,
		 "timezone: required for a cron schedule"},
		{NULL, -5, ZQ_TIME_NONE, ZQ_TIME_NONE, "UTC", ZQ_EINVAL, "interval_seconds: must be >= 1"},
		{NULL, ZQ_SCHED_INTERVAL_MAX + 1, ZQ_TIME_NONE, ZQ_TIME_NONE, "UTC", ZQ_EINVAL,
		 "interval_seconds: must be <= 3155760000 (100 years)"},
		{NULL, 60, INT64_MIN + 1, ZQ_TIME_NONE, "UTC", ZQ_EINVAL,
		 "start_time: out of range (years 1-9999)"},
		{NULL, 0, ZQ_TIME_NONE, INT64_MAX, "UTC", ZQ_EINVAL, "run_at: out of range (years 1-9999)"},
		{"0 9 * * *", 60, ZQ_TIME_NONE, ZQ_TIME_NONE, "UTC", ZQ_EINVAL,
		 "schedule: set only one of cron_expression, interval_seconds and run_at"},
		{NULL, 60, ZQ_TIME_NONE, 0, "UTC", ZQ_EINVAL,
		 "schedule: set only one of cron_expression, interval_seconds and run_at"},
		{NULL, 0, 0, 0, NULL, 0, NULL},
	};
	(void)state;
	for (const struct init_err *c = cases; c->code; c++) {
		zq_schedule s;
		zq_err err = ZQ_ERR_INIT;
		int rc = zq_schedule_init(&s, c->cron, c->interval, c->start, c->run_at, c->tz, &err);

		if (rc != c->code || err.code != c->code || strcmp(err.msg, c->msg) != 0)
			fail_msg("case '%s' %lld '%s': rc %d '%s', expected %d '%s'", c->cron ? c->cron : "",
				 (long long)c->interval, c->tz ? c->tz : "", rc, err.msg, c->code, c->msg);
		/* a failed init never leaves a schedule that fires */
		assert_int_equal(s.kind, ZQ_SCHED_NONE);
		assert_true(zq_schedule_next(&s, 0) == ZQ_TIME_NONE);
	}
	/* errors without an error buffer still return the code */
	{
		zq_schedule s;

		assert_int_equal(zq_schedule_init(&s, "0 9 * * *", 0, ZQ_TIME_NONE, ZQ_TIME_NONE, "Mars/Base",
						  NULL),
				 ZQ_ENOTFOUND);
	}
}

static int teardown(void **state)
{
	(void)state;
	zq_tz_cache_free();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cron_schedule_in_its_zone),
		cmocka_unit_test(interval_without_anchor_counts_from_previous_fire),
		cmocka_unit_test(interval_with_anchor_keeps_the_grid),
		cmocka_unit_test(one_off_fires_once),
		cmocka_unit_test(manual_never_fires),
		cmocka_unit_test(results_stay_within_year_9999),
		cmocka_unit_test(init_errors_name_the_field),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
